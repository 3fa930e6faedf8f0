/** Call quality verdicts at Twilio's thresholds, from getStats-shaped reports. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QualityMonitor, describeWarning, estimateMos, sampleFromStats, THRESHOLDS } from './quality.ts';

function report(o: { rtt?: number; jitter?: number; received?: number; lost?: number; level?: number }) {
  return new Map<string, Record<string, unknown> & { type: string; id: string }>([
    ['T', { id: 'T', type: 'transport', selectedCandidatePairId: 'CP' }],
    ['CP', { id: 'CP', type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: o.rtt }],
    ['IN', { id: 'IN', type: 'inbound-rtp', kind: 'audio', jitter: o.jitter, packetsReceived: o.received, packetsLost: o.lost, codecId: 'C' }],
    ['C', { id: 'C', type: 'codec', mimeType: 'audio/opus' }],
    ['MS', { id: 'MS', type: 'media-source', kind: 'audio', audioLevel: o.level }],
  ]);
}

test('sampleFromStats reads rtt, jitter, packets, input level and codec', () => {
  const s = sampleFromStats(report({ rtt: 0.05, jitter: 0.004, received: 100, lost: 2, level: 0.3 }));
  assert.deepEqual(s, { rttMs: 50, jitterMs: 4, packetsReceived: 100, packetsLost: 2, codec: 'opus', inputLevel: 0.3 });
});

test('a good call: no warnings, four bars', () => {
  const m = new QualityMonitor();
  let v;
  for (let i = 0; i < 6; i++) v = m.add(sampleFromStats(report({ rtt: 0.02, jitter: 0.002, received: 50 * i, lost: 0, level: 0.3 + (i % 2) * 0.1 })));
  assert.deepEqual(v!.warnings, []);
  assert.equal(v!.bars, 4);
  assert.ok(v!.mos! > 4.3);
});

test('thresholds: rtt > 400 ms, jitter > 30 ms, loss > 3 % over the 5-sample average', () => {
  const judge = (rtt: number, jitter: number, lossPerSecond: number) => {
    const m = new QualityMonitor();
    let received = 0;
    let lost = 0;
    let v;
    for (let i = 0; i < THRESHOLDS.window + 1; i++) {
      received += 50 - lossPerSecond;
      lost += lossPerSecond;
      v = m.add({ rttMs: rtt, jitterMs: jitter, packetsReceived: received, packetsLost: lost, inputLevel: 0.5 });
    }
    return v!;
  };
  assert.deepEqual(judge(400, 30, 1).warnings, [], 'at the thresholds (loss 2 %): no warning');
  assert.deepEqual(judge(401, 5, 0).warnings, ['high-rtt']);
  assert.deepEqual(judge(20, 31, 0).warnings, ['high-jitter']);
  assert.deepEqual(judge(20, 5, 2).warnings, ['high-packet-loss'], '4 % loss');
  const bad = judge(450, 40, 5);
  assert.deepEqual(bad.warnings, ['high-rtt', 'high-jitter', 'high-packet-loss']);
  assert.ok(bad.bars <= 2);
  assert.match(describeWarning('high-packet-loss', bad), /Packet loss 10\.0 %/);
});

test('one spike does not warn; a warning clears when the average recovers', () => {
  const m = new QualityMonitor();
  for (let i = 0; i < 4; i++) m.add({ rttMs: 50 });
  assert.deepEqual(m.add({ rttMs: 900 }).warnings, [], 'average 220 ms');
  for (let i = 0; i < 3; i++) m.add({ rttMs: 900 });
  assert.deepEqual(m.verdict().warnings, ['high-rtt']);
  for (let i = 0; i < 4; i++) m.add({ rttMs: 20 });
  assert.deepEqual(m.verdict().warnings, []);
});

test('silent microphone: 10 quiet, flat samples; a steady tone or a muted call does not warn', () => {
  const silent = new QualityMonitor();
  for (let i = 0; i < 9; i++) silent.add({ inputLevel: 0 });
  assert.deepEqual(silent.verdict().warnings, []);
  assert.deepEqual(silent.add({ inputLevel: 0.0001 }).warnings, ['silent-microphone']);
  assert.deepEqual(silent.add({ inputLevel: 0.2 }).warnings, [], 'speech again');

  const tone = new QualityMonitor();
  for (let i = 0; i < 12; i++) tone.add({ inputLevel: 0.5 });
  assert.deepEqual(tone.verdict().warnings, []);

  const muted = new QualityMonitor();
  for (let i = 0; i < 12; i++) muted.add({ inputLevel: 0 }, true);
  assert.deepEqual(muted.verdict().warnings, []);
});

test('MOS: the E-model estimate falls with latency and loss', () => {
  assert.ok(estimateMos(20, 2, 0) > 4.3);
  assert.ok(estimateMos(500, 40, 0) < estimateMos(100, 10, 0));
  assert.ok(estimateMos(50, 5, 10) < 3.8);
});
