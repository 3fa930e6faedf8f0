/**
 * Bot stream benchmark (`npm run bench -- streams`): latency of the stream leg both ways with a
 * real MediaClock (caller frame in → WS frame out; WS frame in → frame played into the call);
 * the same two latencies through a real running gateway in its own process over real SIP, RTP and
 * WebSocket sockets (through-gateway.ts: RTP in → WS frame out, WS frame in → RTP out at the
 * caller's socket); and how many concurrent streams one gateway process (one core) carries while
 * the media clock's p99 tick lateness stays ≤ 5 ms. Ends with the closing figures in a few lines.
 * Bounded to about 60 s; prints figures, never fails on time.
 *
 *   npx tsx bench/streams/index.ts [--quick]
 */
import { cpus, loadavg } from 'node:os';
import { Bots, capacityStep, type CapacityResult } from './capacity.ts';
import { measureLatency, type LatencyResult } from './latency.ts';
import { formatThroughGateway, measureThroughGateway, type ThroughGatewayResult } from './through-gateway.ts';
import type { StreamMode } from '../../gateway/streams/index.ts';

const BUDGET_MS = 55_000;
const quick = process.argv.includes('--quick');
const started = performance.now();
const left = () => BUDGET_MS - (performance.now() - started);
const f = (x: number, d = 2) => x.toFixed(d);

console.log('Bot stream legs (gateway/streams): one process, real MediaClock, ws on 127.0.0.1');
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}; load average ${load()} (other load inflates lateness)\n`);

console.log('Latency, 10 streams, bots in-process (ms; p50 / p99):');
const lat: LatencyResult[] = [];
for (const mode of ['twilio', 'native'] as StreamMode[]) lat.push(await measureLatency(mode, 10, quick ? 1 : 3));
for (const r of lat) {
  console.log(`  ${r.mode.padEnd(6)} caller frame → bot has WS message  ${f(r.out.p50)} / ${f(r.out.p99)}   (n=${r.samples.out}; sendRtp ${f(r.sendRtpUs, 1)} µs CPU per frame)`);
  console.log(`  ${r.mode.padEnd(6)} bot WS send → queued in the leg     ${f(r.arrive.p50)} / ${f(r.arrive.p99)}   (n=${r.samples.arrive})`);
  console.log(`  ${r.mode.padEnd(6)} bot WS send → played into the call  ${f(r.play.p50)} / ${f(r.play.p99)}   (n=${r.samples.play}; = arrival + wait for the tick + standing queue, mean ${f(r.queuedMs, 1)} ms)`);
}

console.log('\nThrough a running gateway: its own process (bench/calls/gateway-child.ts), a SIP caller (trunk-host peer,');
console.log('PCMU) and the bots in this one, twilio mode μ-law 8 kHz; every stamped frame timed (ms):');
let through: { pid: number; results: ThroughGatewayResult[] } | undefined;
try {
  through = await measureThroughGateway([1, 20], (n) => (quick ? 1.5 : n === 1 ? 3 : 2.5));
  for (const line of formatThroughGateway(through.results)) console.log(line);
  console.log('  RTP → WS relays at once (PCMU passthrough to the stream leg). WS → RTP waits for the next 20 ms media tick');
  console.log('  (bot frames 30–70 ms apart, random phase, queue empty: uniform 0–20 ms, so p50 ≈ 10 and p99 ≈ 20 + transport);');
  console.log('  a bot streaming at exactly realtime adds its standing queue (the in-process "played" line above).');
} catch (err) {
  console.log(`  through-gateway section failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}

const bots = await Bots.spawn();
const header = '  streams  lateness p50 / p99 / max (ms)   tick work p99   gateway CPU   per stream   played   delivered   bot CPU';
const row = (r: CapacityResult) =>
  `  ${String(r.streams).padStart(7)}  ${f(r.p50Ms).padStart(8)} / ${f(r.p99Ms).padStart(6)} / ${f(r.maxMs).padStart(6)}     ${f(r.tickWorkP99Ms).padStart(6)} ms   ${f(r.cpuPct, 0).padStart(6)} %   ${f(r.cpuPct / r.streams, 3).padStart(7)} %   ${f(r.playedPct, 1).padStart(5)} %   ${f(r.deliveredPct, 1).padStart(6)} %   ${f(r.botCpuPct, 0).padStart(4)} %`;
const ok = (r: CapacityResult) => r.p99Ms <= 5 && r.playedPct >= 98;

async function sweep(label: string, mode: StreamMode, rate: number, start: number, share: number): Promise<number> {
  console.log(`\nCapacity, ${label}: each stream 50 caller frames/s out + 50 bot frames/s in, played on the shared clock`);
  console.log(header);
  const stepS = quick ? 1 : 2;
  const deadline = performance.now() + left() * share;
  let best = 0;
  let cpuRef = { streams: 0, cpuPct: 0 };
  let bad = 0;
  let n = start;
  while (performance.now() + (stepS + 2) * 1000 < deadline) {
    const r = await capacityStep(bots, n, mode, rate, stepS);
    console.log(row(r) + (ok(r) ? '' : '   ← p99 > 5 ms or audio fell behind'));
    if (r.playedPct >= 98 && n > cpuRef.streams) cpuRef = { streams: n, cpuPct: r.cpuPct };
    if (ok(r)) best = Math.max(best, n);
    else bad = bad === 0 ? n : Math.min(bad, n);
    if (bad === 0) n *= 2;
    else {
      const mid = Math.round((best + bad) / 2 / 25) * 25;
      if (mid <= best || mid >= bad || mid < 25) break;
      n = mid;
    }
  }
  const bound = bad === 0 ? ` (not reached within the time budget; ≥ ${best})` : ` (fails at ${bad})`;
  console.log(`  → ${best} concurrent streams at p99 tick lateness ≤ 5 ms${bound}`);
  if (cpuRef.streams > 0) {
    const per = cpuRef.cpuPct / cpuRef.streams;
    console.log(`  → by CPU (at ${cpuRef.streams} streams, audio on pace): ${f(per, 3)} % of a core per stream ≈ ${Math.floor(100 / per)} streams per fully used core`);
  }
  return best;
}

let capTwilio = 0;
let capNative = 0;
try {
  capTwilio = await sweep('twilio mode, μ-law 8 kHz (JSON + base64)', 'twilio', 8000, 100, 0.6);
  capNative = await sweep('native mode, PCM16 16 kHz (binary frames)', 'native', 16000, 100, 0.95);
} finally {
  bots.exit();
}

const pq = (q: { p50: number; p99: number }) => `${f(q.p50)} / ${f(q.p99)} ms`;
console.log('\nClosing figures (p50 / p99):');
const tw = lat.find((r) => r.mode === 'twilio');
if (tw) console.log(`  stream leg alone, twilio, 10 streams: caller frame → bot ${pq(tw.out)}; bot WS send → played ${pq(tw.play)}`);
for (const r of through?.results ?? []) {
  console.log(
    `  through a running gateway, ${String(r.streams).padStart(2)} stream${r.streams === 1 ? ' ' : 's'}: RTP in → WS out ${pq(r.rtpToWs)}; WS in → RTP out ${pq(r.wsToRtp)}; gateway CPU ${f(r.gatewayCpuPct, 1)} % (${f(r.idleCpuPct, 1)} % idle)`,
  );
}
console.log(`  streams per gateway process at p99 tick lateness ≤ 5 ms: twilio ${capTwilio}, native 16 kHz ${capNative}`);
console.log(`\n(${f((performance.now() - started) / 1000, 1)} s; load average now ${load()})`);
