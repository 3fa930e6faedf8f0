/** Tests of the analysis helpers other media tests rely on, on signals with known answers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bestLag,
  correlation,
  goertzelPower,
  rms,
  rmsDbfs,
  segmentalSnrDb,
  snrDb,
  toneCorrelation,
} from './signal.ts';
import { loadSpeech } from './speech.ts';

/** Deterministic pseudo-noise without depending on tone.ts. */
function noise(n: number, seed: number, peak = 10000): Int16Array {
  const x = new Int16Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = Math.round(((s >>> 8) / 0x1000000 - 0.5) * 2 * peak);
  }
  return x;
}

function sine(n: number, rate: number, f: number, a: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(a * Math.sin((2 * Math.PI * f * i) / rate)));
}

test('snrDb: exact ratio, identity, lag and skip', () => {
  const ref = Int16Array.from({ length: 100 }, (_, i) => (i % 2 ? 1000 : -1000));
  const test = ref.map((v, i) => v + (i % 2 ? 10 : -10));
  assert.ok(Math.abs(snrDb(ref, test) - 40) < 1e-9); // 1000²/10² = 10⁴
  assert.equal(snrDb(ref, ref), Infinity);
  assert.equal(snrDb(new Int16Array(10), new Int16Array(10)), 0);
  const delayed = new Int16Array(105);
  delayed.set(ref, 5);
  assert.equal(snrDb(ref, delayed, { lag: 5 }), Infinity);
  assert.ok(snrDb(ref, delayed) < 0);
  const glitch = ref.slice();
  glitch[0] = 0;
  assert.equal(snrDb(ref, glitch, { skip: 1 }), Infinity);
});

test('segmentalSnrDb: per-frame clamp, silence skipped, NaN when all silent', () => {
  const ref = new Int16Array(300);
  const test = new Int16Array(300);
  for (let i = 0; i < 100; i++) {
    ref[i] = i % 2 ? 1000 : -1000; // frame 0: error 100 → 20 dB
    test[i] = ref[i]! * 0.9;
    ref[100 + i] = i % 2 ? 1000 : -1000; // frame 1: error 1 → 60 dB, clamped to 35
    test[100 + i] = ref[100 + i]! + 1;
    test[200 + i] = 500; // frame 2: silent reference → skipped
  }
  assert.ok(Math.abs(segmentalSnrDb(ref, test, { frame: 100 }) - (20 + 35) / 2) < 1e-9);
  assert.ok(Math.abs(segmentalSnrDb(ref, test, { frame: 100, ceilingDb: 100 }) - 40) < 1e-9);
  assert.ok(Number.isNaN(segmentalSnrDb(new Int16Array(400), new Int16Array(400))));
});

test('correlation: ±1 for affine copies, 0 for constants, lag aligns', () => {
  const x = noise(1000, 1);
  assert.ok(Math.abs(correlation(x, x.map((v) => -v)) + 1) < 1e-12);
  assert.ok(Math.abs(correlation(x, x.map((v) => Math.round(v / 2) + 5)) - 1) < 1e-4);
  assert.equal(correlation(x, new Int16Array(1000).fill(3)), 0);
  assert.ok(Math.abs(correlation(x, noise(1000, 2))) < 0.1);
  const shifted = new Int16Array(1020);
  shifted.set(x, 20);
  assert.ok(Math.abs(correlation(x, shifted, 20) - 1) < 1e-12);
});

test('bestLag finds delays and advances', () => {
  const x = noise(4000, 3);
  const delayed = new Int16Array(4000);
  delayed.set(x.subarray(0, 3983), 17); // test[i + 17] = ref[i]
  assert.equal(bestLag(x, delayed, 40), 17);
  assert.equal(bestLag(x, x.subarray(9), 40), -9); // test[i - 9] = ref[i]
  assert.equal(bestLag(x, x, 40), 0);
  assert.ok(correlation(x, delayed, bestLag(x, delayed, 10)) < 0.1, 'outside the search range: no match');
});

test('toneCorrelation and goertzelPower measure one frequency', () => {
  const tone = sine(8000, 8000, 1000, 12000);
  assert.ok(toneCorrelation(tone, 8000, 1000) > 0.9999);
  assert.ok(toneCorrelation(tone, 8000, 1100) < 0.01);
  assert.ok(toneCorrelation(noise(8000, 4), 8000, 1000) < 0.05);
  assert.equal(toneCorrelation(new Int16Array(100), 8000, 1000), 0);
  assert.ok(Math.abs(Math.sqrt(goertzelPower(tone, 8000, 1000)) / 12000 - 1) < 1e-4);
  assert.ok(goertzelPower(tone, 8000, 1500) < 1e-6 * 12000 ** 2);
  // A mixture: each component reads its own amplitude.
  const mix = tone.map((v, i) => v + Math.round(3000 * Math.cos((2 * Math.PI * 2500 * i) / 8000)));
  assert.ok(Math.abs(Math.sqrt(goertzelPower(mix, 8000, 2500)) / 3000 - 1) < 1e-3);
  assert.ok(Math.abs(Math.sqrt(goertzelPower(mix, 8000, 1000)) / 12000 - 1) < 1e-3);
});

test('rms and rmsDbfs', () => {
  assert.equal(rms(Int16Array.from([3, -4, 3, -4])), Math.sqrt(12.5));
  assert.equal(rms(Int16Array.from([9, 1000, -1000, 9]), 1, 3), 1000);
  assert.equal(rms(new Int16Array(0)), 0);
  assert.ok(Math.abs(rmsDbfs(sine(8000, 8000, 1000, 32768)) + 3.0103) < 0.001);
  assert.equal(rmsDbfs(new Int16Array(5)), -Infinity);
});

test('loadSpeech returns the fixtures as fresh copies', () => {
  const lengths = { 8000: 75709, 16000: 151417, 48000: 454252 } as const;
  for (const rate of [8000, 16000, 48000] as const) {
    const a = loadSpeech(rate);
    assert.equal(a.length, lengths[rate]);
    // normalised to -3 dBFS peak by sox
    const peak = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(peak > 22000 && peak < 23500, `peak ${peak}`);
    a.fill(0);
    assert.notEqual(loadSpeech(rate)[lengths[rate] >> 1], undefined);
    assert.ok(rms(loadSpeech(rate)) > 1000, 'cached copy untouched by the caller');
  }
  assert.throws(() => loadSpeech(12000), /no speech fixture at 12000 Hz/);
});
