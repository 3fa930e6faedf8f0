/**
 * RtpLeg relay load: N pairs of legs on 127.0.0.1, one media clock. Each tick leg A of every pair
 * sends a 160-byte PCMU payload; leg B relays every packet it receives straight back (payload
 * passthrough, our own SSRC/seq/timestamp) — 50 packets/s each way per pair, the passthrough
 * path of a call. Measures process CPU (process.cpuUsage, user + system) over the run and the
 * media clock's tick lateness.
 */
import { MediaClock } from '../../media/clock.ts';
import { generateInlineKey } from '../../media/srtp/index.ts';
import { RtpLeg, RtpPortPool, type RtpLegRemote, type RtpLegSrtp } from '../../gateway/rtp/index.ts';

export interface RelayResult {
  pairs: number;
  srtp: boolean;
  seconds: number;
  /** Process CPU over the run, % of one core. */
  cpuPercent: number;
  /** cpuPercent / legs. */
  cpuPercentPerLeg: number;
  /** Packets received by all legs per second (expected 2 × 50 × pairs). */
  packetsPerSecond: number;
  /** Share of the packets sent that arrived. */
  delivered: number;
  lateP50Ms: number;
  lateP99Ms: number;
  lateMaxMs: number;
  skippedTicks: number;
  sendBufferFallbacks: number;
}

const PCMU = { payloadType: 0, codec: 'PCMU' as const, clockRate: 8000, telephoneEventPt: 101 };

export async function relayRun(pairs: number, seconds: number, srtp = false, warmupSeconds = 1): Promise<RelayResult> {
  const clock = new MediaClock();
  const pool = new RtpPortPool({ bindAddress: '127.0.0.1' });
  const legs: RtpLeg[] = [];
  const payload = new Uint8Array(160).fill(0xff);
  for (let i = 0; i < pairs; i++) {
    const a = await RtpLeg.create({ clock, ports: pool, rtpTimeoutMs: 0 });
    const b = await RtpLeg.create({ clock, ports: pool, rtpTimeoutMs: 0 });
    let keys: [RtpLegSrtp, RtpLegSrtp] | [undefined, undefined] = [undefined, undefined];
    if (srtp) {
      const ka = generateInlineKey('AES_CM_128_HMAC_SHA1_80');
      const kb = generateInlineKey('AES_CM_128_HMAC_SHA1_80');
      keys = [
        { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: ka, remoteKey: kb },
        { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: kb, remoteKey: ka },
      ];
    }
    const remote = (to: RtpLeg, s: RtpLegSrtp | undefined): RtpLegRemote => ({ address: '127.0.0.1', port: to.localPort, codec: PCMU, srtp: s });
    a.connect(remote(b, keys[0]));
    b.connect(remote(a, keys[1]));
    b.on('rtp', (p) => {
      b.sendRtp(p.payload, { timestamp: p.timestamp, marker: p.marker });
    });
    let ts = 0;
    clock.subscribe(() => {
      a.sendRtp(payload, { timestamp: ts });
      ts += 160;
    });
    legs.push(a, b);
  }
  clock.start();
  await new Promise((r) => setTimeout(r, warmupSeconds * 1000));
  const rx0 = legs.reduce((n, l) => n + l.getStats().rtpPacketsReceived, 0);
  const tx0 = legs.reduce((n, l) => n + l.getStats().rtpPacketsSent, 0);
  const clock0 = clock.getStats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  const stats = legs.map((l) => l.getStats());
  const rx = stats.reduce((n, s) => n + s.rtpPacketsReceived, 0) - rx0;
  const tx = stats.reduce((n, s) => n + s.rtpPacketsSent, 0) - tx0;
  const cs = clock.getStats();
  clock.stop();
  for (const l of legs) l.close();
  await Promise.all(legs.map((l) => l.released));
  await pool.close();
  const cpuPercent = ((cpu.user + cpu.system) / 1e6 / wall) * 100;
  return {
    pairs,
    srtp,
    seconds: wall,
    cpuPercent,
    cpuPercentPerLeg: cpuPercent / (2 * pairs),
    packetsPerSecond: rx / wall,
    delivered: tx > 0 ? rx / tx : 0,
    lateP50Ms: cs.lateness.p50Ms,
    lateP99Ms: cs.lateness.p99Ms,
    lateMaxMs: cs.lateness.maxMs,
    skippedTicks: cs.skipped - clock0.skipped,
    sendBufferFallbacks: stats.reduce((n, s) => n + s.sendBufferFallbacks, 0),
  };
}
