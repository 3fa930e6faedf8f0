/**
 * Stream capacity of one gateway process: N bot streams, each with 20 ms of caller audio going out
 * per tick (sendRtp → JSON/base64 or binary frame) and 20 ms of bot audio coming in every 20 ms
 * (validated, queued, played one frame per tick as an `rtp` event), all on one real MediaClock.
 * The bots run in a child process (bots.ts) so this process carries only the gateway's work.
 * Reports tick lateness p50/p99/max (which other load on the machine inflates), the time the tick's
 * own work took, this process's CPU share and whether the audio kept pace.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { MediaClock } from '../../media/clock.ts';
import { handleSocket, type StreamLeg, type StreamMode } from '../../gateway/streams/index.ts';

export interface CapacityResult {
  streams: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Time the tick itself took (all legs' playout + the callers' sends), p99 (ms): our share of the 20 ms. */
  tickWorkP99Ms: number;
  /** This process's CPU over the window, % of one core. */
  cpuPct: number;
  /** Bot frames played / expected (N × 50/s × window). */
  playedPct: number;
  /** Caller frames the bots received / expected. */
  deliveredPct: number;
  /** The bot process's CPU, % of one core (it must not be the bottleneck). */
  botCpuPct: number;
}

/** A long-lived bot process. */
export class Bots {
  readonly #child: ChildProcess;
  private constructor(child: ChildProcess) {
    this.#child = child;
  }
  static async spawn(): Promise<Bots> {
    const child = fork(fileURLToPath(new URL('./bots.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve) => child.once('message', () => resolve()));
    return new Bots(child);
  }
  request<T>(msg: object): Promise<T> {
    return new Promise((resolve) => {
      this.#child.once('message', (m) => resolve(m as T));
      this.#child.send(msg);
    });
  }
  exit(): void {
    this.#child.send({ cmd: 'exit' });
  }
}

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export async function capacityStep(bots: Bots, streams: number, mode: StreamMode, sampleRate: number, seconds: number): Promise<CapacityResult> {
  const clock = new MediaClock();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const legs: StreamLeg[] = [];
  let played = 0;
  wss.on('connection', (ws, req) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const r = handleSocket(ws, { callId: url.pathname.slice(4), clock, query: url.searchParams });
    if (!r.ok) throw r.error;
    r.leg.on('rtp', () => played++);
    legs.push(r.leg);
  });
  let tickStart = 0;
  clock.subscribe(() => {
    tickStart = performance.now();
  });
  clock.start();
  // The callers: 20 ms of audio per leg per tick (what the Bridge would hand the leg).
  const callerFrame = new Uint8Array(mode === 'native' || sampleRate !== 8000 ? sampleRate / 25 : 160).fill(0x7f);
  const units = mode === 'native' || sampleRate !== 8000 ? sampleRate / 50 : 160;
  let ts = 0;
  let measuring = false;
  const lateness: number[] = [];
  clock.subscribe((tick) => {
    ts += units;
    for (let i = 0; i < legs.length; i++) legs[i]!.sendRtp(callerFrame, ts, false);
    if (measuring) lateness.push(tick.lateMs);
  });
  await bots.request({ cmd: 'connect', port: (wss.address() as AddressInfo).port, count: streams, mode, sampleRate });
  // Subscribed after every leg: runs last in each tick.
  const work: number[] = [];
  clock.subscribe(() => {
    if (measuring) work.push(performance.now() - tickStart);
  });
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  const before = await bots.request<{ received: number; cpuMs: number }>({ cmd: 'report' });
  const played0 = played;
  measuring = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  measuring = false;
  const after = await bots.request<{ received: number; cpuMs: number }>({ cmd: 'report' });
  const playedDuring = played - played0;
  await bots.request({ cmd: 'close' });
  for (const leg of legs) leg.close();
  clock.stop();
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((r) => wss.close(() => r()));
  const sorted = lateness.sort((a, b) => a - b);
  const expected = (streams * wallMs) / 20;
  return {
    streams,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? 0,
    tickWorkP99Ms: percentile(work.sort((a, b) => a - b), 0.99),
    cpuPct: (100 * (cpu.user + cpu.system)) / 1000 / wallMs,
    playedPct: (100 * playedDuring) / expected,
    deliveredPct: (100 * (after.received - before.received)) / expected,
    botCpuPct: (100 * (after.cpuMs - before.cpuMs)) / wallMs,
  };
}
