import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpReceiverStats } from './receiver-stats.ts';
import { parseRtcp, serializeRtcp } from './rtcp.ts';

test('probation, then expected / lost / fraction lost per interval (RFC 3550 A.1, A.3)', () => {
  const s = new RtpReceiverStats(8000);
  const lostSeqs = new Set([1010, 1020, 1030, 1040, 1050]);
  const valid: boolean[] = [];
  for (let seq = 1000; seq < 1100; seq++) {
    if (!lostSeqs.has(seq)) valid.push(s.update(seq, seq * 160, seq * 20));
  }
  assert.deepEqual(valid.slice(0, 3), [false, true, true]); // first packet is on probation
  // Counting starts at 1001: expected 1001..1099 = 99, received 94.
  assert.equal(s.expected, 99);
  assert.equal(s.received, 94);
  assert.equal(s.lost, 5);
  assert.equal(s.extendedHighestSeq, 1099);
  assert.equal(s.takeFractionLost(), Math.floor((5 * 256) / 99)); // 12
  assert.equal(s.takeFractionLost(), 0); // new interval, nothing happened
  for (let seq = 1100; seq < 1110; seq++) if (seq !== 1105) s.update(seq, seq * 160, seq * 20);
  assert.equal(s.takeFractionLost(), Math.floor((1 * 256) / 10)); // 25
  assert.equal(s.lost, 6);
});

test('cycles count across the 16-bit wrap; duplicates make loss negative', () => {
  const s = new RtpReceiverStats(8000);
  for (let i = 0; i < 20; i++) s.update((65530 + i) & 0xffff, i * 160, i * 20);
  assert.equal(s.extendedHighestSeq, 65536 + 13);
  assert.equal(s.expected, 19);
  assert.equal(s.lost, 0);
  s.update(5, 0, 400);
  s.update(6, 0, 400);
  assert.equal(s.lost, -2);
  const block = s.reportBlock(0xabc, 1000);
  assert.equal(block.cumulativeLost, -2);
  assert.equal(block.fractionLost, 0);
  assert.equal(block.highestSequence, 65536 + 13);
});

test('a big jump is ignored once, and two sequential packets there restart the count', () => {
  const s = new RtpReceiverStats(8000);
  for (let seq = 100; seq < 110; seq++) s.update(seq, 0, 0);
  assert.equal(s.expected, 9);
  assert.equal(s.update(20000, 0, 0), false);
  assert.equal(s.expected, 9);
  assert.equal(s.update(20001, 0, 0), true);
  assert.equal(s.expected, 1);
  assert.equal(s.received, 1);
  assert.equal(s.extendedHighestSeq, 20001);
  // A packet a little behind (misordered) still counts.
  assert.equal(s.update(19990, 0, 0), true);
});

test('interarrival jitter follows J += (|D| − J)/16 (RFC 3550 A.8)', () => {
  const s = new RtpReceiverStats(8000);
  // Every packet 20 ms apart in media time; odd ones arrive 10 ms (80 units) late.
  let expected = 0;
  for (let i = 0; i < 40; i++) {
    s.update(i, (0xffffff00 + i * 160) >>> 0, i * 20 + (i % 2 ? 10 : 0)); // timestamps wrap too
    if (i > 0) expected += (80 - expected) / 16;
    assert.ok(Math.abs(s.jitter - expected) < 1e-9, `i=${i}`);
  }
  assert.ok(Math.abs(s.jitterMs - (expected * 1000) / 8000) < 1e-9);
  // Constant transit: jitter decays toward zero and never goes negative.
  const t = new RtpReceiverStats(48000);
  for (let i = 0; i < 50; i++) t.update(i, i * 960, 1000 + i * 20);
  assert.equal(t.jitter, 0);
});

test('report block carries LSR/DLSR of the last SR and survives RTCP encoding', () => {
  const s = new RtpReceiverStats(8000);
  for (let seq = 0; seq < 10; seq++) s.update(seq, seq * 160, seq * 20);
  assert.equal(s.reportBlock(1, 100).delaySinceLastSr, 0);
  s.onSenderReport(0x12345678, 1000);
  const b = s.reportBlock(0xdeadbeef, 1500);
  assert.equal(b.lastSr, 0x12345678);
  assert.equal(b.delaySinceLastSr, 32768);
  const rr = parseRtcp(serializeRtcp([{ kind: 'rr', ssrc: 1, reports: [b] }])).packets[0];
  assert.ok(rr && rr.kind === 'rr');
  assert.deepEqual(rr.reports[0], b);
  s.reset();
  assert.equal(s.expected, 0);
  assert.equal(s.jitter, 0);
});
