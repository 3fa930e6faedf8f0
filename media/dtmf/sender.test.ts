import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtmfSender, type DtmfPacket } from './sender.ts';
import { TelephoneEventError, parseTelephoneEvent } from './rfc4733.ts';

/** Run the sender from `fromMs` to `toMs` in steps of `stepMs`; collect packets with the tick time. */
function run(sender: DtmfSender, fromMs: number, toMs: number, stepMs: number): (DtmfPacket & { atMs: number })[] {
  const out: (DtmfPacket & { atMs: number })[] = [];
  for (let t = fromMs; t <= toMs; t += stepMs) for (const p of sender.tick(t)) out.push({ ...p, atMs: t });
  return out;
}

const brief = (ps: (DtmfPacket & { atMs: number })[]) =>
  ps.map((p) => [p.atMs, p.key, p.marker ? 'M' : '-', p.timestamp, p.duration, p.end ? 'E' : '-']);

test("one digit at 8 kHz, 1 ms ticks: start, one 50 ms report, three end reports, exact bytes", () => {
  const s = new DtmfSender();
  s.insert('5');
  const ps = run(s, 0, 400, 1);
  assert.deepEqual(brief(ps), [
    [0, '5', 'M', 0, 0, '-'],
    [50, '5', '-', 0, 400, '-'],
    [100, '5', '-', 0, 800, 'E'],
    [100, '5', '-', 0, 800, 'E'],
    [100, '5', '-', 0, 800, 'E'],
  ]);
  assert.deepEqual([...ps[0]!.payload], [0x05, 0x0a, 0x00, 0x00]);
  assert.deepEqual([...ps[1]!.payload], [0x05, 0x0a, 0x01, 0x90]);
  assert.deepEqual([...ps[2]!.payload], [0x05, 0x8a, 0x03, 0x20]);
  assert.notEqual(ps[2]!.payload, ps[3]!.payload, 'each packet owns its payload');
  assert.equal(s.busy, false);
  assert.deepEqual(s.getStats(), { digitsStarted: 1, digitsEnded: 1, packets: 5, segments: 0 });
});

test('driven by the 20 ms media tick: reports land on ticks, durations are the time elapsed', () => {
  const s = new DtmfSender();
  s.insert('19');
  const ps = run(s, 0, 600, 20);
  assert.deepEqual(brief(ps), [
    [0, '1', 'M', 0, 0, '-'],
    [60, '1', '-', 0, 480, '-'], // due at 50, sent at the 60 ms tick
    [100, '1', '-', 0, 800, 'E'],
    [100, '1', '-', 0, 800, 'E'],
    [100, '1', '-', 0, 800, 'E'],
    // gap 50 ms -> may start at 150, first tick at 160
    [160, '9', 'M', 1280, 0, '-'],
    [220, '9', '-', 1280, 480, '-'],
    [260, '9', '-', 1280, 800, 'E'],
    [260, '9', '-', 1280, 800, 'E'],
    [260, '9', '-', 1280, 800, 'E'],
  ]);
});

test('48 kHz clock, custom duration, interval, gap and volume', () => {
  const s = new DtmfSender({ clockRate: 48000, durationMs: 70, packetIntervalMs: 20, interDigitGapMs: 80, volume: 6, endPackets: 2 });
  s.insert('#a');
  const ps = run(s, 0, 400, 10);
  assert.deepEqual(brief(ps), [
    [0, '#', 'M', 0, 0, '-'],
    [20, '#', '-', 0, 960, '-'],
    [40, '#', '-', 0, 1920, '-'],
    [60, '#', '-', 0, 2880, '-'],
    [70, '#', '-', 0, 3360, 'E'],
    [70, '#', '-', 0, 3360, 'E'],
    [150, 'A', 'M', 7200, 0, '-'],
    [170, 'A', '-', 7200, 960, '-'],
    [190, 'A', '-', 7200, 1920, '-'],
    [210, 'A', '-', 7200, 2880, '-'],
    [220, 'A', '-', 7200, 3360, 'E'],
    [220, 'A', '-', 7200, 3360, 'E'],
  ]);
  // 3360 = 0x0d20; volume 6 with E = 0x86
  assert.deepEqual([...ps[4]!.payload], [0x0b, 0x86, 0x0d, 0x20]);
});

test('durations below 40 ms are raised to 40 ms; per-digit overrides apply', () => {
  const s = new DtmfSender({ durationMs: 10 });
  assert.equal(s.durationMs, 40);
  s.insert('1');
  s.insert('2', { durationMs: 200, volume: 30 });
  const ends = run(s, 0, 1000, 5).filter((p) => p.end);
  assert.deepEqual(ends.map((p) => [p.key, p.duration, p.volume, p.timestamp]), [
    ['1', 320, 10, 0], ['1', 320, 10, 0], ['1', 320, 10, 0],
    ['2', 1600, 30, 720], ['2', 1600, 30, 720], ['2', 1600, 30, 720],
  ]);
});

test('long press beyond 65535 units at 8 kHz is segmented with new timestamps (RFC 4733 §2.5.1.3)', () => {
  const s = new DtmfSender({ durationMs: 9000 });
  s.insert('0');
  const ps = run(s, 0, 9500, 20);
  const markers = ps.filter((p) => p.marker);
  assert.equal(markers.length, 1, 'marker only on the very first packet');
  const timestamps = [...new Set(ps.map((p) => p.timestamp))];
  assert.deepEqual(timestamps, [0, 65535]);
  // The first segment closes at exactly 65535 without E; the second carries the rest: 72000 - 65535.
  const first = ps.filter((p) => p.timestamp === 0);
  assert.equal(first.at(-1)!.duration, 65535);
  assert.equal(first.some((p) => p.end), false);
  const second = ps.filter((p) => p.timestamp === 65535);
  // Boundary at 8191.875 ms; the first tick after it (8200 ms) closes segment one and opens
  // segment two at once; the next report stays on the 50 ms grid (due 8250, sent at 8260).
  assert.deepEqual(second.slice(0, 2).map((p) => [p.atMs, p.duration, p.marker]), [
    [8200, 65, false],
    [8260, 545, false],
  ]);
  assert.deepEqual(first.slice(-1).map((p) => p.atMs), [8200]);
  assert.deepEqual(second.filter((p) => p.end).map((p) => p.duration), [6465, 6465, 6465]);
  // Durations never decrease within a segment.
  for (const seg of [first, second]) {
    for (let i = 1; i < seg.length; i++) assert.ok(seg[i]!.duration >= seg[i - 1]!.duration);
  }
  assert.equal(s.getStats().segments, 1);
});

test('long press at 48 kHz: 3 s = 144000 units in three segments', () => {
  const s = new DtmfSender({ clockRate: 48000, durationMs: 3000 });
  s.insert('*');
  const ps = run(s, 0, 3200, 20);
  const segs = [...new Set(ps.map((p) => p.timestamp))];
  assert.deepEqual(segs, [0, 65535, 131070]);
  assert.deepEqual(ps.filter((p) => p.end).map((p) => [p.timestamp, p.duration]), [
    [131070, 12930], [131070, 12930], [131070, 12930],
  ]);
  assert.equal(65535 * 2 + 12930, 144000);
});

test('timestamps wrap modulo 2^32 for a caller clock far from 0', () => {
  const s = new DtmfSender();
  const t0 = 2 ** 32 / 8; // ms at which the unit count reaches 2^32
  s.insert('7');
  const ps = run(s, t0 - 1, t0 + 200, 1);
  assert.equal(ps[0]!.timestamp, 2 ** 32 - 8);
  assert.equal(ps.at(-1)!.timestamp, 2 ** 32 - 8);
});

test('pauses, clear() mid-digit, nextDueMs', () => {
  const s = new DtmfSender({ pauseMs: 500 });
  assert.equal(s.nextDueMs, undefined);
  s.insert('1,2');
  assert.equal(s.pending, '1,2');
  assert.equal(s.nextDueMs, 0); // due now
  s.tick(0);
  assert.equal(s.nextDueMs, 50);
  const ps = run(s, 1, 1000, 1);
  // '1' ends at 100, gap to 150, pause of 500 starts at 150 -> '2' at 650
  assert.deepEqual(ps.filter((p) => p.marker).map((p) => [p.key, p.atMs]), [['2', 650]]);

  const c = new DtmfSender();
  c.insert('34');
  run(c, 0, 30, 10);
  c.clear();
  const rest = run(c, 40, 500, 10);
  assert.deepEqual(brief(rest), [
    [40, '3', '-', 0, 240, 'E'],
    [40, '3', '-', 0, 240, 'E'],
    [40, '3', '-', 0, 240, 'E'],
  ]);
  assert.equal(c.busy, false);
});

test('flash and input validation', () => {
  const s = new DtmfSender();
  s.insertFlash();
  const ps = run(s, 0, 600, 20);
  assert.equal(ps[0]!.key, 'flash');
  assert.deepEqual(parseTelephoneEvent(ps.at(-1)!.payload), { event: 16, end: true, reserved: false, volume: 10, duration: 4000 });
  assert.throws(() => s.insert('12X'), TelephoneEventError);
  assert.equal(s.pending, '', 'nothing queued when a character is bad');
  assert.throws(() => s.insert('1', { volume: 64 }), RangeError);
  assert.throws(() => new DtmfSender({ clockRate: 0 }), RangeError);
  assert.throws(() => new DtmfSender({ packetIntervalMs: 0 }), RangeError);
  assert.equal(s.tick(10_000).length, 0);
});
