/**
 * Calls through the gateway, end to end: N concurrent calls of a werift WebRTC client ⇄ gateway ⇄
 * a lean RTP source/sink, 50 packets/s each way per call, in two modes — transcode (the client
 * offers only Opus, the sink only PCMU) and passthrough (PCMU on both sides). Three processes:
 * the gateway (bench/calls/gateway-child.ts), the load generator (loadgen.ts: WebRTC clients +
 * RTP sink) and this one, which reads both processes' CPU and RSS from /proc.
 *
 * For N = 10, 50, 100 and then the highest N whose p99 media-tick lateness stays ≤ 5 ms (search
 * upward by ×1.5, then bisect, within a time budget), it prints for the gateway process only: CPU
 * (% of one core, per call, calls per core), p50/p99 tick lateness, RSS and RSS per call, packets
 * lost inside the gateway; and the load generator's own CPU and tick p99 beside them, so a
 * saturated load generator is visible rather than flattering the gateway. Figures only: nothing
 * passes or fails on time.
 *
 *   npx tsx bench/calls/index.ts [transcode|passthrough]…
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../testing/free-port.ts';
import { formatTable, type Cell } from '../codecs/table.ts';
import { Child, cpuSeconds, rssBytes } from './processes.ts';
import { benchUser, type GatewayReply, type GatewayRequest, type LoadgenReply, type LoadgenRequest, type Mode } from './protocol.ts';

const FIXED_N = [10, 50, 100];
const MAX_USERS = 400;
const WARMUP_MS = 1000;
const MEASURE_MS = 3000;
/** The whole run stops measuring after this long (set-up under load is the slow part). */
const TOTAL_BUDGET_MS = 140_000;
const LATENESS_LIMIT_MS = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Step {
  mode: Mode;
  n: number;
  gwCpu: number;
  /** The gateway's CPU with no call up (media clock, timers, sockets), % of a core. */
  idleCpu: number;
  p50: number;
  p99: number;
  rssMb: number;
  rssPerCallKb: number;
  ingressLost: number | null;
  dropped: number | null;
  packetsIn: number | null;
  genCpu: number;
  genP99: number;
  e2eIn: number;
  e2eOut: number;
  note: string;
}

function gatewayConfig(sinkPort: number, sipPort: number, dataDir: string): Record<string, unknown> {
  return {
    listen: { http: '127.0.0.1:0' },
    data_dir: dataDir,
    server: {
      listen: `127.0.0.1:${sipPort}`,
      rtp_port_min: 30000,
      rtp_port_max: 31999,
      rtp_address: '127.0.0.1',
      peers: [{ name: 'sink', host: '127.0.0.1', port: sinkPort, codecs: ['pcmu'] }],
    },
    directory: { users: Array.from({ length: MAX_USERS }, (_, i) => benchUser(i)) },
    routes: [{ name: 'bench sink', to: '^sink\\d+$', target: { peer: 'sink' } }],
    webrtc: { host_addresses: ['127.0.0.1'], codec_policy: 'passthrough' },
    calls: { max_calls: MAX_USERS * 2, rtp_timeout: '0s' },
    log: { level: 'warn' },
  };
}

const started = performance.now();
const timeLeft = () => started + TOTAL_BUDGET_MS - performance.now();

async function runMode(mode: Mode, budgetMs: number): Promise<Step[]> {
  const deadline = performance.now() + budgetMs;
  const dataDir = mkdtempSync(join(tmpdir(), 'patchbay-bench-'));
  const gen = new Child<LoadgenRequest, LoadgenReply>('./loadgen.ts');
  let gw: Child<GatewayRequest, GatewayReply> | undefined;
  const steps: Step[] = [];
  try {
    const { sinkPort } = (await gen.next()) as Extract<LoadgenReply, { type: 'ready' }>;
    gw = new Child<GatewayRequest, GatewayReply>('./gateway-child.ts', [JSON.stringify(gatewayConfig(sinkPort, await freePort(), dataDir))]);
    const ready = (await gw.next()) as Extract<GatewayReply, { type: 'ready' }>;
    console.log(`${mode}: gateway pid ${gw.pid} (${ready.probe}), load generator pid ${gen.pid}`);
    await gen.ask({ type: 'connect', wsUrl: `ws://127.0.0.1:${ready.httpPort}/sip`, mode }, 'connected');
    await sleep(1000);
    const idleRss = rssBytes(gw.pid);
    const idle0 = cpuSeconds(gw.pid);
    const idleT0 = performance.now();
    await sleep(MEASURE_MS);
    const idleCpu = (100 * (cpuSeconds(gw.pid) - idle0)) / ((performance.now() - idleT0) / 1000);
    console.log(`  idle: gateway ${idleCpu.toFixed(1)} % CPU, RSS ${(idleRss / 2 ** 20).toFixed(0)} MB`);

    const measure = async (n: number): Promise<Step> => {
      const sized = await gen.ask({ type: 'resize', calls: n }, 'resized', 300_000);
      if (sized.calls === 0) throw new Error(`no call could be placed: ${sized.errors[0] ?? 'unknown'}`);
      const note = sized.calls < n ? `only ${sized.calls} calls up (${sized.failed} failed: ${sized.errors[0] ?? '?'})` : '';
      await sleep(WARMUP_MS);
      await gw!.ask({ type: 'reset' }, 'reset');
      const c0 = await gen.ask({ type: 'counters' }, 'counters');
      const g0 = cpuSeconds(gw!.pid);
      const l0 = cpuSeconds(gen.pid);
      const t0 = performance.now();
      await sleep(MEASURE_MS);
      const { window } = await gw!.ask({ type: 'stats' }, 'stats');
      const c1 = await gen.ask({ type: 'counters' }, 'counters');
      const seconds = (performance.now() - t0) / 1000;
      const calls = sized.calls;
      const rss = rssBytes(gw!.pid);
      const step: Step = {
        mode,
        n: calls,
        gwCpu: (100 * (cpuSeconds(gw!.pid) - g0)) / seconds,
        idleCpu,
        p50: window.p50Ms,
        p99: window.p99Ms,
        rssMb: rss / 2 ** 20,
        rssPerCallKb: calls ? (rss - idleRss) / 1024 / calls : NaN,
        ingressLost: window.ingressLost,
        dropped: window.dropped,
        packetsIn: window.packetsIn,
        genCpu: (100 * (cpuSeconds(gen.pid) - l0)) / seconds,
        genP99: c1.lateness,
        e2eIn: c1.clientSent - c0.clientSent + (c1.sink.sent - c0.sink.sent),
        e2eOut: c1.clientReceived - c0.clientReceived + (c1.sink.received - c0.sink.received),
        note: [note, window.latenessSource === 'event-loop' ? 'lateness = event-loop delay' : ''].filter(Boolean).join('; '),
      };
      console.log(`  N=${step.n}: gateway ${step.gwCpu.toFixed(1)} % CPU, tick p99 ${step.p99.toFixed(2)} ms; load generator ${step.genCpu.toFixed(1)} % CPU`);
      steps.push(step);
      return step;
    };

    for (const n of FIXED_N) {
      if (performance.now() > deadline) break;
      await measure(n);
    }
    // The highest N with p99 ≤ 5 ms: grow ×1.5 while it holds, then bisect to within 10 calls.
    let pass = Math.max(0, ...steps.filter((s) => s.p99 <= LATENESS_LIMIT_MS).map((s) => s.n));
    let fail = Math.min(Infinity, ...steps.filter((s) => s.p99 > LATENESS_LIMIT_MS).map((s) => s.n));
    while (performance.now() < deadline && fail - pass > 10) {
      const n = fail === Infinity ? Math.min(MAX_USERS, Math.round((pass * 1.5) / 10) * 10) : Math.round((pass + fail) / 20) * 10;
      if (n <= pass || n >= fail) break;
      const s = await measure(n);
      if (s.n < n) break; // the load generator could not place more calls
      if (s.p99 <= LATENESS_LIMIT_MS) pass = s.n;
      else fail = s.n;
      if (s.genCpu > 95 && s.p99 <= LATENESS_LIMIT_MS) {
        s.note = [s.note, 'load generator saturated'].filter(Boolean).join('; ');
        break;
      }
      if (n === MAX_USERS) break;
    }
    const best = steps.filter((s) => s.n === pass).at(-1);
    if (best) best.note = [best.note, `highest N with p99 ≤ ${LATENESS_LIMIT_MS} ms`].filter(Boolean).join('; ');
    return steps;
  } finally {
    await gen.ask({ type: 'stop' }, 'stopped', 30_000).catch(() => undefined);
    gen.kill();
    if (gw) {
      gw.process.send({ type: 'stop' });
      await Promise.race([new Promise((r) => gw!.process.once('exit', r)), sleep(5000)]);
      gw.kill();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const picked = process.argv.slice(2).filter((a) => a === 'transcode' || a === 'passthrough') as Mode[];
const modes: Mode[] = picked.length ? picked : ['transcode', 'passthrough'];
const load = () => loadavg()[0]!.toFixed(2);
console.log(`machine: ${availableParallelism()} cores, load average ${load()} at start${loadavg()[0]! > availableParallelism() / 2 ? ' — other work is running: figures will be noisy' : ''}`);
const all: Step[] = [];
for (const [i, mode] of modes.entries()) {
  try {
    all.push(...(await runMode(mode, timeLeft() / (modes.length - i))));
  } catch (err) {
    console.log(`${mode}: did not run — ${(err as Error).message.split('\n').slice(0, 6).join('\n  ')}`);
  }
}

const rows: Cell[][] = all.map((s) => {
  const perCall = s.n ? (s.gwCpu - s.idleCpu) / s.n : NaN;
  const lost = s.ingressLost === null || s.dropped === null ? null : s.ingressLost + s.dropped;
  const expected = (s.packetsIn ?? 0) + (s.ingressLost ?? 0);
  const loss = lost === null ? '—' : `${lost}${expected ? ` (${((100 * lost) / expected).toFixed(2)} %)` : ''}`;
  return [s.mode, String(s.n), s.gwCpu, perCall, perCall > 0 ? 100 / perCall : NaN, s.p50, s.p99, s.rssMb, s.rssPerCallKb, loss, s.genCpu, s.genP99, s.e2eIn ? `${((100 * s.e2eOut) / s.e2eIn).toFixed(1)} %` : '—', s.note];
});
console.log(`\nGateway process only (the load generator is a separate process, shown on the right). ${MEASURE_MS / 1000} s windows, 50 pkt/s each way per call.\n`);
console.log(
  formatTable(
    ['mode', 'calls', 'gw CPU %', 'CPU %/call*', 'calls/core*', 'tick p50 ms', 'tick p99 ms', 'RSS MB', 'RSS/call KB', 'lost in gw', 'gen CPU %', 'gen p99 ms', 'out/in', 'note'],
    rows,
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  ),
);
console.log(`\nload average ${load()} at the end; ${((performance.now() - started) / 1000).toFixed(0)} s in all.`);
console.log(`* marginal: (CPU with N calls − CPU idle) ÷ N; idle = the gateway with no call (its media clock, timers, keepalives): ${[...new Set(all.map((s) => `${s.mode} ${s.idleCpu.toFixed(1)} %`))].join(', ')}.`);
console.log('lost in gw: packets that never reached a bridge (RFC 3550 loss at its sockets) + packets a bridge dropped (jitter-buffer discards, refused sends), of those sent to it.');
console.log('out/in: packets leaving the gateway ÷ packets sent into it, both directions (transcoding paces output by the media clock, so ≈100 % is expected either way).');
