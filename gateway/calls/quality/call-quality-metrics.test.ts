/**
 * End to end through a real Call and Bridge: fake SIP and WebRTC legs send PCMU with known gaps
 * on a hand-cranked clock, the call ends, and CallRegistry puts each network leg's jitter, loss
 * ratio and MOS into GatewayMetrics' histograms. The test reads them back from the registry's
 * Prometheus text; the same figures appear in the CDR under `quality`.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initResampler, MediaClock } from '../../../media/index.ts';
import { ManualClockDriver } from '../../../media/clock-manual.ts';
import { GatewayMetrics } from '../../observability/index.ts';
import { Call } from '../call.ts';
import type { CallDetailRecord } from '../cdr.ts';
import { CallRegistry } from '../registry.ts';
import { FakeCallLeg } from '../testing/fake-call-leg.ts';
import { estimateQuality } from './mos.ts';

before(async () => {
  await initResampler();
});

const tick = () => new Promise<void>((r) => setImmediate(r));
const SILENCE = new Uint8Array(160).fill(0xff); // 20 ms of μ-law silence

/** Lines of the registry's text exposition for `name` (exact metric name) and leg kind. */
async function series(metrics: GatewayMetrics, name: string, legKind: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await metrics.registry.metrics()).split('\n')) {
    if (!line.startsWith(name) || !line.includes(`leg_kind="${legKind}"`)) continue;
    const [key, value] = [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))];
    out.set(key.replace(`,leg_kind="${legKind}"`, '').replace(`{leg_kind="${legKind}"}`, ''), value);
  }
  return out;
}

/** An answered PCMU call between fake legs of the given kinds, in the registry. */
async function answeredCall(id: string, aKind: string, bKind: string, registry: CallRegistry, driver: ManualClockDriver, clock: MediaClock) {
  const a = new FakeCallLeg({ id: `${id}-a`, kind: aKind, codecs: ['PCMU'] });
  const b = new FakeCallLeg({ id: `${id}-b`, kind: bKind, codecs: ['PCMU'] });
  const call = new Call({ id, a, from: '1001', to: '1002', direction: 'inbound', clock, timers: driver });
  let cdr: CallDetailRecord | undefined;
  call.on('ended', (r) => (cdr = r));
  registry.add(call);
  call.connect(b);
  b.ringing();
  await tick();
  b.answered();
  await tick();
  await tick();
  assert.equal(call.state, 'answered');
  return { a, b, call, cdr: () => cdr };
}

/**
 * 100 frames from each leg in 20 ms steps with steady timestamps (no jitter); `aSkips` frames of
 * a's are not sent (lost on the wire).
 */
async function talk(driver: ManualClockDriver, a: FakeCallLeg, b: FakeCallLeg, aSkips: (i: number) => boolean) {
  for (let i = 0; i < 100; i++) {
    if (!aSkips(i)) a.mediaLeg!.receive(SILENCE, { seq: 1000 + i, ts: 5000 + 160 * i, ssrc: 0xa });
    b.mediaLeg!.receive(SILENCE, { seq: 7000 + i, ts: 90_000 + 160 * i, ssrc: 0xb });
    driver.advance(20);
    if (i % 10 === 0) await tick();
  }
  await tick();
}

describe('call quality metrics', () => {
  test('at call end each network leg observes jitter, loss ratio and MOS; other legs do not', async () => {
    const driver = new ManualClockDriver();
    const clock = new MediaClock({ driver, spinMs: 0 });
    clock.start();
    const metrics = new GatewayMetrics();
    const registry = new CallRegistry({ metrics });

    // Before any call the series exist at zero.
    assert.equal((await series(metrics, 'patchbay_call_mos_count', 'sip')).get('patchbay_call_mos_count'), 0);

    // Call 1: the SIP caller loses every 10th packet toward us (10 of 100); the WebRTC callee none.
    const one = await answeredCall('q1', 'sip', 'webrtc', registry, driver, clock);
    await talk(driver, one.a, one.b, (i) => i % 10 === 5);
    one.a.bye();
    const cdr = one.cdr()!;
    assert.ok(cdr);
    assert.equal(cdr.legs.a.packetsReceived, 90);
    assert.equal(cdr.legs.a.packetsLost, 10);
    assert.deepEqual(cdr.legs.a.quality, {
      jitterMs: 0,
      lossRatio: 0.1,
      mos: Math.round(estimateQuality({ codec: 'PCMU', jitterMs: 0, lossRatio: 0.1 }).mos * 100) / 100,
    });
    assert.ok(cdr.legs.a.quality!.mos > 3.3 && cdr.legs.a.quality!.mos < 3.5, String(cdr.legs.a.quality!.mos));
    // Flawless: only the fixed 10 ms of processing latency in Id keeps it off the 4.41 ceiling.
    assert.deepEqual(cdr.legs.b!.quality, { jitterMs: 0, lossRatio: 0, mos: 4.4 });

    const sipLoss = await series(metrics, 'patchbay_call_packet_loss_ratio', 'sip');
    assert.equal(sipLoss.get('patchbay_call_packet_loss_ratio_count'), 1);
    assert.equal(sipLoss.get('patchbay_call_packet_loss_ratio_sum'), 0.1);
    assert.equal(sipLoss.get('patchbay_call_packet_loss_ratio_bucket{le="0.05"}'), 0);
    assert.equal(sipLoss.get('patchbay_call_packet_loss_ratio_bucket{le="0.1"}'), 1);
    const sipMos = await series(metrics, 'patchbay_call_mos', 'sip');
    assert.equal(sipMos.get('patchbay_call_mos_sum'), cdr.legs.a.quality!.mos);
    assert.equal(sipMos.get('patchbay_call_mos_bucket{le="3"}'), 0);
    assert.equal(sipMos.get('patchbay_call_mos_bucket{le="3.5"}'), 1);
    const sipJitter = await series(metrics, 'patchbay_call_jitter_ms', 'sip');
    assert.equal(sipJitter.get('patchbay_call_jitter_ms_bucket{le="1"}'), 1);
    assert.equal(sipJitter.get('patchbay_call_jitter_ms_sum'), 0);
    const webrtcLoss = await series(metrics, 'patchbay_call_packet_loss_ratio', 'webrtc');
    assert.equal(webrtcLoss.get('patchbay_call_packet_loss_ratio_bucket{le="0"}'), 1);
    const webrtcMos = await series(metrics, 'patchbay_call_mos', 'webrtc');
    assert.equal(webrtcMos.get('patchbay_call_mos_bucket{le="4.3"}'), 0);
    assert.equal(webrtcMos.get('patchbay_call_mos_bucket{le="4.4"}'), 1);

    // Call 2: a clean SIP caller against an in-process extension: only the SIP leg counts.
    const two = await answeredCall('q2', 'sip', 'extension:echo', registry, driver, clock);
    await talk(driver, two.a, two.b, () => false);
    two.call.hangup();
    assert.equal(two.cdr()!.legs.b!.quality, null);
    assert.equal((await series(metrics, 'patchbay_call_mos_count', 'sip')).get('patchbay_call_mos_count'), 2);
    assert.equal((await series(metrics, 'patchbay_call_mos_count', 'webrtc')).get('patchbay_call_mos_count'), 1);
    assert.ok(!(await metrics.registry.metrics()).includes('leg_kind="extension'), 'no series for extension legs');
    assert.equal(registry.size, 0);
    clock.stop();
  });
});
