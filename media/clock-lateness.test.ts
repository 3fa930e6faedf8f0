import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatenessTracker } from './clock-lateness.ts';

test('percentiles over the window, max over all time, fixed buckets', () => {
  const t = new LatenessTracker(100);
  assert.deepEqual({ ...t.snapshot(), histogram: [] }, { count: 0, lastMs: 0, maxMs: 0, p50Ms: 0, p99Ms: 0, histogram: [] });
  for (let i = 1; i <= 100; i++) t.record(i / 10); // 0.1 .. 10 ms
  let s = t.snapshot();
  assert.equal(s.count, 100);
  assert.equal(s.lastMs, 10);
  assert.equal(s.maxMs, 10);
  assert.equal(s.p50Ms, 5);
  assert.equal(s.p99Ms, 9.9);
  const counts = Object.fromEntries(s.histogram.map((b) => [String(b.leMs), b.count]));
  assert.deepEqual(counts, { '0.1': 1, '0.25': 1, '0.5': 3, '1': 5, '2': 10, '5': 30, '10': 50, '20': 0, '50': 0, '100': 0, Infinity: 0 });

  // The window rolls: 100 more small values push the big ones out of the percentiles, not the max.
  for (let i = 0; i < 100; i++) t.record(0.2);
  s = t.snapshot();
  assert.equal(s.p99Ms, 0.2);
  assert.equal(s.maxMs, 10);
  t.record(500);
  assert.equal(t.snapshot().histogram.at(-1)!.count, 1);
  t.reset();
  assert.equal(t.snapshot().count, 0);
});
