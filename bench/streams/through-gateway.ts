/**
 * Bot stream latency through a real running gateway, over real sockets on 127.0.0.1 — the part
 * bench/streams/latency.ts leaves out (SIP, the RTP socket, the call's bridge, the HTTP/WebSocket
 * server, the webhook decision):
 *
 * - RTP in → WS out: a caller's RTP packet leaves our UDP socket toward the gateway's RTP port of
 *   a bot call → our bot's WebSocket has the `media` message carrying that frame.
 * - WS in → RTP out: our bot sends a `media` message → the RTP packet carrying that frame arrives
 *   at the caller's UDP socket.
 *
 * The gateway is a real Gateway in its own process (bench/calls/gateway-child.ts, the bench/calls
 * harness: the same Gateway class `patchbay start` runs, from a config given on argv, logging
 * errors only, and over IPC reporting its media clock's tick lateness), so its CPU is read from
 * /proc/<pid>/stat alone and the callers' and bots' work is not counted in it. This process is the
 * far side of both legs: a trunk-host peer ("lab", authorised by IP) whose SipStack (gateway/sip)
 * places the calls with a PCMU-only SDP, and whose RTP is sent and received on plain dgram
 * sockets so every packet can be stamped; a tiny HTTP server answers `/incoming` with
 * `{"action":"accept","stream":true}`; the bots connect to `/ws/{call_id}` in twilio mode with the
 * gateway's stream config at its default, μ-law 8 kHz.
 *
 * Frames are identified by their bytes: PCMU ⇄ μ-law 8 kHz passthrough is byte-exact both ways, so
 * each stamped 20 ms frame carries a 32-bit frame id and a 4-byte magic in its first 8 bytes, and
 * both the sending and the receiving end live in this process (one clock, performance.now()).
 *
 * - Callers send 50 packets/s per call, the calls spread evenly over the 20 ms (a gateway's
 *   callers are not in phase with each other). Every packet is timed.
 * - Bots send one stamped frame every 30–70 ms (uniformly random), so frames arrive at every phase
 *   of the gateway's 20 ms tick and each finds the playout queue empty; in between the gateway
 *   plays silence, as it does for a quiet bot. The figure is thus the gateway's own latency:
 *   transport + the wait for the next tick (0–20 ms, uniform: p50 ≈ 10, p99 ≈ 20) + the tick's
 *   send. A bot streaming at exactly realtime adds the standing queue it has built on top (see the
 *   in-process "played into the call" line of bench/streams).
 *
 * Figures only: nothing fails on time. `npx tsx bench/streams/through-gateway.ts [N …]` runs it
 * alone (default 1 and 20 streams); bench/streams/index.ts runs it as one section.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sdpTransform from 'sdp-transform';
import { WebSocket } from 'ws';
import { SipStack } from '../../gateway/sip/stack/index.ts';
import type { Dialog } from '../../gateway/sip/index.ts';
import { freePort } from '../../testing/free-port.ts';
import { Child, cpuSeconds } from '../calls/processes.ts';
import type { GatewayReply, GatewayRequest } from '../calls/protocol.ts';

const KEY = 'bench-key';
const FRAME = 160; // 20 ms of μ-law at 8 kHz
const MAGIC = [0x42, 0x45, 0x4e, 0x43]; // "BENC" after the 32-bit frame id
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Quantiles {
  p50: number;
  p99: number;
  /** Samples (stamped frames timed in the window). */
  n: number;
  /** Stamped frames sent in the window that never arrived. */
  lost: number;
}

export interface ThroughGatewayResult {
  streams: number;
  /** Caller RTP sent → the bot's WebSocket has the media message (ms). */
  rtpToWs: Quantiles;
  /** Bot media message sent → the RTP packet arrives at the caller's socket (ms). */
  wsToRtp: Quantiles;
  /** The gateway process's CPU over the window, % of one core (/proc/<pid>/stat). */
  gatewayCpuPct: number;
  /** The gateway's media clock tick lateness in the window (ms). */
  tickP50Ms: number;
  tickP99Ms: number;
  /** This process's (callers' and bots') event-loop delay p99 (ms): how much of the figures is ours. */
  benchLoopP99Ms: number;
  /** The same process with no call up (media clock, timers, sockets), % of one core. */
  idleCpuPct: number;
  /** Calls that failed to come up (SIP, webhook or stream). */
  failed: number;
  windowS: number;
}

function quantiles(values: number[], lost: number): Quantiles {
  const s = values.slice().sort((a, b) => a - b);
  const at = (q: number) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!);
  return { p50: at(0.5), p99: at(0.99), n: s.length, lost };
}

function stamp(frame: Uint8Array, id: number): void {
  frame[0] = id & 0xff;
  frame[1] = (id >>> 8) & 0xff;
  frame[2] = (id >>> 16) & 0xff;
  frame[3] = (id >>> 24) & 0xff;
  frame.set(MAGIC, 4);
}

/** The frame id in `b` at `off`, or -1 when the bytes there are not a stamped frame (silence). */
function idOf(b: Uint8Array, off: number, magicBytes = 4): number {
  if (b.length < off + 4 + magicBytes) return -1;
  for (let i = 0; i < magicBytes; i++) if (b[off + 4 + i] !== MAGIC[i]) return -1;
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/** Frame id of a twilio `media` message: base64 of its payload's first 6 bytes (id + 2 magic bytes). */
function idOfMedia(text: string): number {
  const at = text.indexOf('"payload":"');
  if (at < 0) return -1;
  return idOf(Buffer.from(text.slice(at + 11, at + 19), 'base64'), 0, 2);
}

/** One bot call as this process sees it: the caller's SIP dialog and RTP socket, and the bot's WebSocket. */
interface BenchCall {
  user: string;
  dialog: Dialog;
  rtp: Socket;
  remote: { host: string; port: number };
  ws: WebSocket;
  streamSid: string;
  packet: Buffer;
  seq: number;
  ts: number;
}

export class ThroughGateway {
  readonly #gw: Child<GatewayRequest, GatewayReply>;
  readonly #stack: SipStack;
  readonly #hooks: Server;
  readonly #dataDir: string;
  readonly #sipPort: number;
  readonly #httpPort: number;
  /** call_id of each caller (From user) as /incoming told us. */
  readonly #callIds: Map<string, string>;
  #run = 0;
  #nextId = 1;
  /** The gateway's CPU with no call up, % of one core (measured once, at start). */
  idleCpuPct = NaN;

  private constructor(init: {
    gw: Child<GatewayRequest, GatewayReply>;
    stack: SipStack;
    hooks: Server;
    dataDir: string;
    sipPort: number;
    httpPort: number;
    callIds: Map<string, string>;
  }) {
    this.#gw = init.gw;
    this.#stack = init.stack;
    this.#hooks = init.hooks;
    this.#dataDir = init.dataDir;
    this.#sipPort = init.sipPort;
    this.#httpPort = init.httpPort;
    this.#callIds = init.callIds;
  }

  get pid(): number {
    return this.#gw.pid;
  }

  /** Starts the webhook receiver, the caller's SIP stack and the gateway process. */
  static async start(): Promise<ThroughGateway> {
    const callIds = new Map<string, string>();
    const hooks = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (req.url?.endsWith('/incoming')) {
          try {
            const q = JSON.parse(body) as { from?: string; call_id?: string };
            if (q.from && q.call_id) callIds.set(q.from, q.call_id);
          } catch {
            /* not ours */
          }
          res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"action":"accept","stream":true}');
        } else res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    const stack = await SipStack.start({ listen: { host: '127.0.0.1', port: 0 }, ws: false, userAgent: 'bench-caller' });
    const callerPort = stack.transport.listeningEndpoint('udp')!.port;
    const sipPort = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'patchbay-bench-streams-'));
    const config = {
      listen: { http: '127.0.0.1:0' },
      data_dir: dataDir,
      server: {
        listen: `127.0.0.1:${sipPort}`,
        rtp_address: '127.0.0.1',
        peers: [{ name: 'lab', host: '127.0.0.1', port: callerPort, codecs: ['pcmu'] }],
      },
      webhook: { url: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks`, retry: 0 },
      auth: { api_key: KEY },
      calls: { rtp_timeout: '0s', max_calls: 2000 },
      log: { level: 'error' },
    };
    const gw = new Child<GatewayRequest, GatewayReply>('./gateway-child.ts', [JSON.stringify(config)]);
    try {
      const ready = (await gw.next(60_000)) as Extract<GatewayReply, { type: 'ready' }>;
      const bench = new ThroughGateway({ gw, stack, hooks, dataDir, sipPort, httpPort: ready.httpPort, callIds });
      await sleep(300);
      const cpu0 = cpuSeconds(gw.pid);
      const t0 = performance.now();
      await sleep(1000);
      bench.idleCpuPct = (100 * (cpuSeconds(gw.pid) - cpu0)) / ((performance.now() - t0) / 1000);
      return bench;
    } catch (err) {
      gw.kill();
      await stack.close();
      hooks.close();
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Places one bot call: INVITE (PCMU only) → /incoming accepts with a stream → the bot connects and has `start`. */
  async #placeCall(user: string): Promise<BenchCall> {
    const rtp = createSocket('udp4');
    await new Promise<void>((r) => rtp.bind(0, '127.0.0.1', r));
    try {
      const port = rtp.address().port;
      const sdp = [
        'v=0',
        `o=bench ${Date.now()} 1 IN IP4 127.0.0.1`,
        's=bench',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        `m=audio ${port} RTP/AVP 0 101`,
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=ptime:20',
        'a=sendrecv',
        '',
      ].join('\r\n');
      const invite = this.#stack.ua.invite({ target: `sip:5551234@127.0.0.1:${this.#sipPort}`, from: `sip:${user}@127.0.0.1`, sdp });
      const dialog = await invite.result();
      const answer = sdpTransform.parse(dialog.remoteSdp ?? '');
      const audio = answer.media.find((m) => m.type === 'audio');
      if (!audio) throw new Error('no audio in the answer');
      const remote = { host: audio.connection?.ip ?? answer.connection?.ip ?? '127.0.0.1', port: audio.port };
      const callId = this.#callIds.get(user);
      if (!callId) throw new Error(`no /incoming for ${user}`);
      const ws = new WebSocket(`ws://127.0.0.1:${this.#httpPort}/ws/${callId}`, { headers: { Authorization: `Bearer ${KEY}` }, perMessageDeflate: false });
      const streamSid = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no start within 10 s')), 10_000);
        ws.on('error', reject);
        const onMessage = (data: Buffer) => {
          const m = JSON.parse(data.toString()) as { event?: string; streamSid?: string };
          if (m.event !== 'start') return;
          clearTimeout(timer);
          ws.off('message', onMessage);
          resolve(m.streamSid!);
        };
        ws.on('message', onMessage);
      });
      const packet = Buffer.alloc(12 + FRAME, 0x55);
      packet[0] = 0x80;
      packet[1] = 0; // PCMU
      packet.writeUInt32BE((Math.random() * 2 ** 32) >>> 0, 8);
      return { user, dialog, rtp, remote, ws, streamSid, packet, seq: (Math.random() * 65535) | 0, ts: (Math.random() * 2 ** 31) >>> 0 };
    } catch (err) {
      rtp.close();
      throw err;
    }
  }

  /** `streams` bot calls at once; a warm-up second, then `seconds` of stamped traffic both ways. */
  async measure(streams: number, seconds: number): Promise<ThroughGatewayResult> {
    const run = ++this.#run;
    const placed = await Promise.allSettled(Array.from({ length: streams }, (_, i) => this.#placeCall(`bench${run}x${i}`)));
    const calls = placed.flatMap((p) => (p.status === 'fulfilled' ? [p.value] : []));
    const failed = placed.length - calls.length;
    const firstError = placed.find((p): p is PromiseRejectedResult => p.status === 'rejected')?.reason;

    let measuring = false;
    const inSent = new Map<number, number>();
    const outSent = new Map<number, number>();
    const rtpToWs: number[] = [];
    const wsToRtp: number[] = [];
    const timers = new Set<NodeJS.Timeout>();
    let sending = true;

    for (const c of calls) {
      // The bot: every media message it gets is looked up by the frame id in its payload.
      c.ws.on('message', (data: Buffer, isBinary: boolean) => {
        const now = performance.now();
        if (isBinary) return;
        const text = data.toString();
        if (!text.startsWith('{"event":"media"')) return;
        const id = idOfMedia(text);
        const t = inSent.get(id);
        if (t === undefined) return;
        inSent.delete(id);
        rtpToWs.push(now - t);
      });
      // The caller's socket: RTP from the gateway, silence or a bot frame.
      c.rtp.on('message', (msg: Buffer) => {
        const now = performance.now();
        if (msg.length < 12) return;
        const off = 12 + (msg[0]! & 0x0f) * 4 + (msg[0]! & 0x10 ? 4 + msg.readUInt16BE(12 + (msg[0]! & 0x0f) * 4 + 2) * 4 : 0);
        const id = idOf(msg, off);
        const t = outSent.get(id);
        if (t === undefined) return;
        outSent.delete(id);
        wsToRtp.push(now - t);
      });
    }

    const t0 = performance.now() + 5;
    calls.forEach((c, i) => {
      // Caller i sends on its own drift-free 20 ms timer, its phase i/N of the way into the period.
      const phase = (20 * i) / Math.max(1, calls.length);
      let k = 0;
      const send = (): void => {
        timers.delete(timer);
        if (!sending) return;
        c.seq = (c.seq + 1) & 0xffff;
        c.ts = (c.ts + FRAME) >>> 0;
        c.packet.writeUInt16BE(c.seq, 2);
        c.packet.writeUInt32BE(c.ts, 4);
        const id = this.#nextId++;
        stamp(c.packet.subarray(12), id);
        if (measuring) inSent.set(id, performance.now());
        c.rtp.send(c.packet, c.remote.port, c.remote.host);
        k++;
        timer = setTimeout(send, Math.max(0, t0 + phase + k * 20 - performance.now()));
        timers.add(timer);
      };
      let timer = setTimeout(send, Math.max(0, t0 + phase - performance.now()));
      timers.add(timer);

      // Bot i: one stamped frame every 30–70 ms, at a random phase of the gateway's tick.
      const frame = Buffer.alloc(FRAME, 0x55);
      const probe = (): void => {
        timers.delete(probeTimer);
        if (!sending) return;
        const id = this.#nextId++;
        stamp(frame, id);
        const msg = `{"event":"media","streamSid":"${c.streamSid}","media":{"payload":"${frame.toString('base64')}"}}`;
        if (measuring) outSent.set(id, performance.now());
        if (c.ws.readyState === WebSocket.OPEN) c.ws.send(msg);
        probeTimer = setTimeout(probe, 30 + Math.random() * 40);
        timers.add(probeTimer);
      };
      let probeTimer = setTimeout(probe, Math.random() * 40);
      timers.add(probeTimer);
    });

    await sleep(1000); // warm-up: jitter buffers, JIT, sockets
    const loop = monitorEventLoopDelay({ resolution: 1 });
    await this.#gw.ask({ type: 'reset' }, 'reset');
    const cpu0 = cpuSeconds(this.pid);
    const w0 = performance.now();
    loop.enable();
    measuring = true;
    await sleep(seconds * 1000);
    measuring = false;
    const cpu1 = cpuSeconds(this.pid);
    const wallS = (performance.now() - w0) / 1000;
    loop.disable();
    const stats = await this.#gw.ask({ type: 'stats' }, 'stats');
    await sleep(300); // stragglers of the window's last frames (a bot frame waits up to a tick)
    sending = false;
    for (const t of timers) clearTimeout(t);

    await Promise.race([Promise.allSettled(calls.map((c) => c.dialog.bye())), sleep(3000)]);
    for (const c of calls) {
      c.ws.terminate();
      c.rtp.close();
    }
    for (const c of calls) this.#callIds.delete(c.user);
    await sleep(200);
    if (failed > 0 && calls.length === 0) throw new Error(`no call came up: ${String(firstError)}`);
    return {
      streams: calls.length,
      rtpToWs: quantiles(rtpToWs, inSent.size),
      wsToRtp: quantiles(wsToRtp, outSent.size),
      gatewayCpuPct: (100 * (cpu1 - cpu0)) / wallS,
      idleCpuPct: this.idleCpuPct,
      tickP50Ms: stats.window.p50Ms,
      tickP99Ms: stats.window.p99Ms,
      benchLoopP99Ms: loop.percentile(99) / 1e6,
      failed,
      windowS: wallS,
    };
  }

  async close(): Promise<void> {
    this.#gw.process.send({ type: 'stop' });
    await Promise.race([new Promise((r) => this.#gw.process.once('exit', r)), sleep(5000)]);
    this.#gw.kill();
    await this.#stack.close();
    await new Promise<void>((r) => this.#hooks.close(() => r()));
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');

/** The table of `results`, as lines. */
export function formatThroughGateway(results: ThroughGatewayResult[]): string[] {
  const lines = ['  direction                     streams   p50 (ms)   p99 (ms)      n   lost   gateway CPU   tick p99   bench loop p99'];
  for (const r of results) {
    const tail = `${f(r.gatewayCpuPct, 1).padStart(9)} %   ${f(r.tickP99Ms).padStart(5)} ms   ${f(r.benchLoopP99Ms).padStart(9)} ms`;
    const line = (label: string, q: Quantiles) =>
      `  ${label.padEnd(28)}  ${String(r.streams).padStart(7)}   ${f(q.p50).padStart(8)}   ${f(q.p99).padStart(8)}   ${String(q.n).padStart(4)}   ${String(q.lost).padStart(4)}   ${tail}`;
    lines.push(line('RTP in → WS media frame out', r.rtpToWs) + (r.failed ? `   (${r.failed} calls failed to come up)` : ''));
    lines.push(line('WS media in → RTP out', r.wsToRtp));
  }
  const idle = results[0]?.idleCpuPct ?? NaN;
  const top = results.at(-1);
  const per = top && top.streams > 0 ? (top.gatewayCpuPct - idle) / top.streams : NaN;
  lines.push(
    `  gateway CPU (% of one core, /proc/<pid>/stat, whole process): ${f(idle, 1)} % with no call up (the harness's tick listener` +
      ` keeps the clock's 1 ms setImmediate spin on);` +
      (top ? ` ≈ ${f(per, 2)} % per bot call above that at ${top.streams} (SIP leg + RTP + bridge + stream + WS)` : ''),
  );
  return lines;
}

/** Runs the section: one gateway process, `streams` bot calls per step, `seconds` measured each. */
export async function measureThroughGateway(streams: number[], seconds: (n: number) => number): Promise<{ pid: number; results: ThroughGatewayResult[] }> {
  const bench = await ThroughGateway.start();
  const results: ThroughGatewayResult[] = [];
  try {
    for (const n of streams) results.push(await bench.measure(n, seconds(n)));
  } finally {
    await bench.close();
  }
  return { pid: bench.pid, results };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ns = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const { pid, results } = await measureThroughGateway(ns.length ? ns : [1, 20], (n) => (n === 1 ? 4 : 3));
  console.log(`Through a running gateway (pid ${pid}, its own process), twilio mode, PCMU ⇄ μ-law 8 kHz:`);
  for (const l of formatThroughGateway(results)) console.log(l);
}
