/**
 * RTP benchmark (`npm run bench -- rtp`): RtpLeg pairs relaying PCMU at 50 packets/s each way on
 * one media clock for N = 10, 50, 100, 200 (and 100 with SDES-SRTP) — CPU per leg and tick
 * lateness — then SRTP protect+unprotect per packet against a cipher-per-packet transform and
 * werift's. Prints figures; never fails on time. `RTP_BENCH_SECONDS` shortens the runs.
 */
import { cpus, loadavg } from 'node:os';
import { relayRun, type RelayResult } from './relay.ts';
import { srtpBench } from './srtp.ts';

const seconds = Number(process.env.RTP_BENCH_SECONDS ?? 10);
console.log('RTP benchmark — RtpLeg pairs on 127.0.0.1, PCMU 160-byte payloads, 50 packets/s each way per pair');
console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`CPU = process.cpuUsage (user + system) over ${seconds} s after 1 s warm-up, % of one core; lateness = media clock tick lateness\n`);

const fmt = (v: number, d = 1) => v.toFixed(d);
const rows: RelayResult[] = [];
const header = ['pairs', 'legs', 'srtp', 'CPU %', 'CPU %/leg', 'µs CPU/pkt', 'pkts/s rx', 'delivered', 'late p50 ms', 'late p99 ms', 'max ms', 'skipped', 'fallbacks'];
console.log(header.join('\t'));
for (const [pairs, srtp] of [[10, false], [50, false], [100, false], [200, false], [100, true]] as const) {
  const r = await relayRun(pairs, seconds, srtp);
  rows.push(r);
  const perPacketUs = (r.cpuPercent / 100 / r.packetsPerSecond) * 1e6;
  console.log(
    [r.pairs, r.pairs * 2, r.srtp ? 'yes' : 'no', fmt(r.cpuPercent), fmt(r.cpuPercentPerLeg, 3), fmt(perPacketUs), fmt(r.packetsPerSecond, 0),
      `${fmt(r.delivered * 100, 2)}%`, fmt(r.lateP50Ms, 2), fmt(r.lateP99Ms, 2), fmt(r.lateMaxMs, 1), r.skippedTicks, r.sendBufferFallbacks].join('\t'),
  );
}
const best = rows.filter((r) => !r.srtp && r.delivered > 0.99).sort((a, b) => a.cpuPercentPerLeg - b.cpuPercentPerLeg)[0];
if (best) {
  console.log(`\n→ plain RTP relay: ≈${fmt(100 / (best.cpuPercentPerLeg * 2), 0)} passthrough pairs (2 legs, 50 pkt/s each way) per core at the N = ${best.pairs} cost`);
}

console.log('\nSRTP AES_CM_128_HMAC_SHA1_80, 172-byte RTP packet, CPU ns per operation (best of 5 interleaved rounds)');
for (const r of srtpBench()) console.log(`${r.name.padEnd(52)} ${fmt(r.ns, 0).padStart(8)} ns`);
