import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlayoutDelayEstimator } from './jitter-buffer-delay.ts';

const opts = { minDelayMs: 20, maxDelayMs: 300, initialDelayMs: 60, halfLifeMs: 1000, windowMs: 2000, marginMs: 5 };

test('starts at the initial delay and decays from the first packet', () => {
  const e = new PlayoutDelayEstimator(opts);
  assert.equal(e.targetMs(0), 60);
  assert.equal(e.hasBase, false);
  assert.equal(e.observe(100, 1000), 0);
  assert.equal(e.baseTransitMs, 100);
  assert.equal(e.targetMs(1000), 60);
  assert.equal(e.targetMs(2000), 55 / 2 + 5); // one half-life
  assert.equal(e.targetMs(10_000), 20); // floor
});

test('a deviation raises the target at once; the max clamps it', () => {
  const e = new PlayoutDelayEstimator({ ...opts, initialDelayMs: 20 });
  e.observe(10, 0);
  assert.equal(e.observe(90, 20), 80);
  assert.equal(e.targetMs(20), 85);
  assert.equal(e.targetMs(1020), 45);
  assert.equal(e.observe(510, 1040), 500);
  assert.equal(e.targetMs(1040), 300);
});

test('the base is the minimum over a sliding window: it falls at once and rises as old buckets expire', () => {
  const e = new PlayoutDelayEstimator(opts); // 4 buckets of 500 ms
  e.observe(50, 0);
  e.observe(40, 600);
  assert.equal(e.baseTransitMs, 40);
  e.observe(70, 1200);
  e.observe(70, 1700);
  assert.equal(e.baseTransitMs, 40);
  assert.equal(e.observe(70, 2100), 30); // bucket 0 (50) gone, bucket 1 (40) still in
  e.observe(70, 2600); // bucket 1 now expired
  assert.equal(e.baseTransitMs, 70);
  e.resetTransit();
  assert.equal(e.hasBase, false);
  e.observe(5, 3000);
  assert.equal(e.baseTransitMs, 5);
});
