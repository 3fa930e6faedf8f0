import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSeqNewer, seqDelta, SequenceUnwrapper, timestampDelta, TimestampUnwrapper } from './sequence.ts';

test('signed 16-bit and 32-bit distances', () => {
  assert.equal(seqDelta(65535, 0), 1);
  assert.equal(seqDelta(0, 65535), -1);
  assert.equal(seqDelta(0, 32767), 32767);
  assert.equal(seqDelta(0, 32768), -32768);
  assert.equal(seqDelta(100, 90), -10);
  assert.equal(isSeqNewer(2, 65530), true);
  assert.equal(isSeqNewer(65530, 2), false);
  assert.equal(timestampDelta(0xffffff00, 0x100), 0x200);
  assert.equal(timestampDelta(0x100, 0xffffff00), -0x200);
  assert.equal(timestampDelta(0, 0x7fffffff), 0x7fffffff);
});

test('sequence numbers unwrap across 65535 → 0 with reordering around the wrap', () => {
  const u = new SequenceUnwrapper();
  assert.ok(Number.isNaN(u.highest));
  const got = [65533, 65534, 0, 65535, 1, 2, 65535, 3].map((s) => u.unwrap(s));
  assert.deepEqual(got, [65533, 65534, 65536, 65535, 65537, 65538, 65535, 65539]);
  assert.equal(u.highest, 65539);
  assert.equal(u.peek(4), 65540);
  assert.equal(u.highest, 65539);
  u.reset();
  assert.equal(u.unwrap(7), 7);
  assert.equal(u.unwrap(5), 5); // older than the first: below it, not a wrap
});

test('many wraps with jitter stay exact', () => {
  const u = new SequenceUnwrapper();
  let truth = 40000;
  u.unwrap(truth);
  for (let i = 0; i < 300_000; i++) {
    truth += 3;
    const late = i % 17 === 5 ? truth - 40 : truth; // an old one now and then
    assert.equal(u.unwrap(late & 0xffff), late);
  }
  assert.equal(u.highest, truth);
});

test('32-bit timestamps unwrap over days at 48 kHz without losing precision', () => {
  const u = new TimestampUnwrapper();
  const start = 0xffff_0000;
  u.unwrap(start);
  const step = 960 * 50 * 60; // one minute of 48 kHz per step
  let truth = start;
  for (let minute = 0; minute < 60 * 24 * 7; minute++) {
    truth += step;
    assert.equal(u.unwrap(truth % 2 ** 32), truth);
  }
  assert.ok(truth > 2 ** 34, 'several wraps');
  // A reordered packet one frame back, after the wrap.
  assert.equal(u.unwrap((truth - 960) % 2 ** 32), truth - 960);
  assert.equal(u.highest, truth);
});
