/**
 * Stream latency, measured in one process with a real MediaClock and real WebSockets on
 * 127.0.0.1 (the bots in-process, light load): each 20 ms frame carries a counter in its first
 * bytes, so every frame is timed from end to end.
 *
 * - caller → bot: `sendRtp` (the Bridge hands the leg a caller frame) → the bot's socket has the
 *   message (encode, base64/JSON or binary framing, ws, loopback TCP, ws parse).
 * - bot → call, arrival: the bot's `send` → the leg has validated and queued it.
 * - bot → call, played: the bot's `send` → the frame leaves the leg as an `rtp` event on a tick:
 *   arrival, plus the wait for the next tick (0–20 ms), plus whatever standing queue the bot has
 *   built (a realtime sender whose frames once came in a burst stays that many frames ahead for
 *   good; pacing never drops bot audio to catch up). The mean queue depth is reported with it.
 */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { MediaClock } from '../../media/clock.ts';
import { handleSocket, type StreamLeg, type StreamMode } from '../../gateway/streams/index.ts';

export interface LatencyResult {
  mode: StreamMode;
  samples: { out: number; arrive: number; play: number };
  out: { p50: number; p99: number };
  arrive: { p50: number; p99: number };
  play: { p50: number; p99: number };
  /** Mean CPU time inside sendRtp per caller frame (µs). */
  sendRtpUs: number;
  /** Mean bot audio waiting in a leg's queue at each tick (ms): the standing queue a realtime bot builds. */
  queuedMs: number;
}

function pct(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

/** Counter ↔ the first 4 payload bytes; in native mode the leg swaps byte pairs (L16 BE ⇄ LE), so write pre-swapped. */
function putCounter(buf: Uint8Array, c: number, swapped: boolean): void {
  const b = [c & 0xff, (c >> 8) & 0xff, (c >> 16) & 0xff, (c >>> 24) & 0xff];
  const order = swapped ? [1, 0, 3, 2] : [0, 1, 2, 3];
  for (let i = 0; i < 4; i++) buf[i] = b[order[i]!]!;
}
function getCounter(buf: Uint8Array, swapped: boolean): number {
  const order = swapped ? [1, 0, 3, 2] : [0, 1, 2, 3];
  return (buf[order[0]!]! | (buf[order[1]!]! << 8) | (buf[order[2]!]! << 16) | (buf[order[3]!]! << 24)) >>> 0;
}
/** Counter from a twilio media message without a full JSON parse (base64 of the first 6 bytes). */
function counterOfJson(text: string): number {
  const at = text.indexOf('"payload":"') + 11;
  return getCounter(Buffer.from(text.slice(at, at + 8), 'base64'), false);
}

export async function measureLatency(mode: StreamMode, streams: number, seconds: number): Promise<LatencyResult> {
  const native = mode === 'native';
  const frameBytes = native ? 320 : 160;
  const clock = new MediaClock();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as AddressInfo).port;
  const legs: StreamLeg[] = [];
  const out: number[] = [];
  const arrive: number[] = [];
  const play: number[] = [];
  const callerSent = new Map<number, number>();
  const botSent = new Map<number, number>();
  let measuring = false;

  wss.on('connection', (ws, req) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const r = handleSocket(ws, { callId: url.pathname.slice(4), clock, query: url.searchParams });
    if (!r.ok) throw r.error;
    legs.push(r.leg);
    // Runs after the leg's own listener: the frame is queued by now.
    ws.on('message', (data: Buffer, isBinary) => {
      const c = isBinary ? getCounter(data.subarray(3), false) : counterOfJson(data.toString());
      const t = botSent.get(c);
      if (measuring && t !== undefined) arrive.push(performance.now() - t);
    });
    r.leg.on('rtp', (p) => {
      const t = botSent.get(getCounter(p.payload, native));
      if (measuring && t !== undefined) play.push(performance.now() - t);
    });
  });
  clock.start();

  // Bots, in-process: receive caller frames, send one frame every 20 ms on their own timer.
  const bots: Array<{ ws: WebSocket; sid: string | undefined }> = [];
  await Promise.all(
    Array.from({ length: streams }, (_, i) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/lat-${i}?mode=${mode}`);
      const bot = { ws, sid: undefined as string | undefined };
      bots.push(bot);
      return new Promise<void>((resolve) => {
        ws.on('message', (data: Buffer, isBinary) => {
          const now = performance.now();
          if (isBinary) {
            const t = callerSent.get(getCounter(data.subarray(3), false));
            if (measuring && t !== undefined) out.push(now - t);
            return;
          }
          const text = data.toString();
          if (text.startsWith('{"event":"media"')) {
            const t = callerSent.get(counterOfJson(text));
            if (measuring && t !== undefined) out.push(now - t);
          } else if (bot.sid === undefined && text.includes('"event":"start"')) {
            bot.sid = JSON.parse(text).streamSid;
            resolve();
          }
        });
      });
    }),
  );

  let counter = 1;
  const callerFrame = new Uint8Array(frameBytes);
  let ts = 0;
  let sendCpuUs = 0;
  let sends = 0;
  let queuedSum = 0;
  let queuedN = 0;
  clock.subscribe(() => {
    ts += 160;
    if (measuring) {
      for (const leg of legs) queuedSum += leg.queuedMs;
      queuedN += legs.length;
    }
    for (const leg of legs) {
      const c = counter++;
      putCounter(callerFrame, c, native);
      callerSent.set(c, performance.now());
      const cpu0 = process.cpuUsage();
      leg.sendRtp(callerFrame, ts, false);
      const cpu = process.cpuUsage(cpu0);
      if (measuring) {
        sendCpuUs += cpu.user + cpu.system;
        sends++;
      }
    }
  });
  const botFrame = Buffer.alloc(frameBytes);
  const binary = Buffer.alloc(3 + frameBytes);
  binary[0] = 1;
  binary.writeUInt16BE(frameBytes, 1);
  const t0 = performance.now();
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  const pump = (): void => {
    n++;
    for (const bot of bots) {
      const c = counter++;
      if (native) {
        putCounter(binary.subarray(3), c, false);
        botSent.set(c, performance.now());
        bot.ws.send(binary, { binary: true });
      } else {
        putCounter(botFrame, c, false);
        botSent.set(c, performance.now());
        bot.ws.send(`{"event":"media","streamSid":"${bot.sid}","media":{"payload":"${botFrame.toString('base64')}"}}`);
      }
    }
    timer = setTimeout(pump, Math.max(0, t0 + 7 + (n + 1) * 20 - performance.now()));
  };
  pump();
  await new Promise((r) => setTimeout(r, 500));
  measuring = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  clearTimeout(timer);
  for (const b of bots) b.ws.terminate();
  for (const leg of legs) leg.close();
  clock.stop();
  await new Promise<void>((r) => wss.close(() => r()));
  const q = (v: number[]) => ({ p50: pct(v, 0.5), p99: pct(v, 0.99) });
  return {
    mode,
    samples: { out: out.length, arrive: arrive.length, play: play.length },
    out: q(out),
    arrive: q(arrive),
    play: q(play),
    sendRtpUs: sendCpuUs / Math.max(1, sends),
    queuedMs: queuedSum / Math.max(1, queuedN),
  };
}
