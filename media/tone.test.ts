/** Generator tests: exact samples, level, frequency, phase continuity, seeded noise statistics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  amplitudeToDbfs,
  dbfsToAmplitude,
  DualToneGenerator,
  fillSilence,
  NoiseGenerator,
  ToneGenerator,
} from './tone.ts';
import { correlation, goertzelPower, rms, toneCorrelation } from './testing/signal.ts';

test('tone samples equal round(A·sin(2πfn/rate)) within one LSB', () => {
  const exact = new Int16Array(16);
  new ToneGenerator({ frequency: 1000, sampleRate: 8000, amplitude: 0.5 }).fill(exact);
  for (let n = 0; n < 16; n++) {
    // phase steps by exactly 1/8 cycle: bit-identical with the closed form
    assert.equal(exact[n], Math.round(0.5 * 32767 * Math.sin((2 * Math.PI * n) / 8)) | 0); // | 0: no -0
  }
  assert.deepEqual([...exact.subarray(0, 4)], [0, 11585, 16384, 11585]);

  const long = new Int16Array(8000 * 10);
  new ToneGenerator({ frequency: 441, sampleRate: 8000, dbfs: -1 }).fill(long);
  const peak = dbfsToAmplitude(-1) * 32767;
  let worst = 0;
  for (let n = 0; n < long.length; n++) {
    worst = Math.max(worst, Math.abs(long[n]! - Math.round(peak * Math.sin((2 * Math.PI * 441 * n) / 8000))));
  }
  assert.ok(worst <= 1, `drifted by ${worst} LSB after 10 s`);
});

test('level and frequency are what was asked for', () => {
  const x = new Int16Array(8000);
  const gen = new ToneGenerator({ frequency: 440, sampleRate: 8000, dbfs: -6 });
  gen.fill(x);
  assert.ok(Math.abs(gen.peak - 16422.40) < 0.01);
  const amplitude = Math.sqrt(goertzelPower(x, 8000, 440));
  assert.ok(Math.abs(amplitude / gen.peak - 1) < 0.001, `amplitude ${amplitude}`);
  assert.ok(toneCorrelation(x, 8000, 440) > 0.99999);
  assert.ok(goertzelPower(x, 8000, 500) < 1e-4 * goertzelPower(x, 8000, 440));
  assert.equal(Math.max(...x), 16422);
  assert.ok(Math.abs(rms(x) - gen.peak / Math.SQRT2) < 1);
});

test('phase continues across fill() calls: 50 × 20 ms equals one 1 s block', () => {
  const block = new Int16Array(16000);
  new ToneGenerator({ frequency: 1234.5, sampleRate: 16000, dbfs: -3 }).fill(block);
  const framed = new Int16Array(16000);
  const gen = new ToneGenerator({ frequency: 1234.5, sampleRate: 16000, dbfs: -3 });
  for (let f = 0; f < 50; f++) assert.equal(gen.fill(framed, f * 320, 320), 320);
  assert.deepEqual(framed, block);
  gen.reset();
  const again = new Int16Array(320);
  gen.fill(again);
  assert.deepEqual(again, block.subarray(0, 320));
});

test('start phase and the phase getter', () => {
  const gen = new ToneGenerator({ frequency: 2000, sampleRate: 8000, amplitude: 1, phase: Math.PI / 2 });
  const x = new Int16Array(4);
  gen.fill(x);
  assert.deepEqual([...x], [32767, 0, -32767, 0]);
  assert.ok(Math.abs(gen.phase - Math.PI / 2) < 1e-12, 'four quarter cycles later: back to π/2');
});

test('levels convert both ways and bad options are refused', () => {
  assert.ok(Math.abs(dbfsToAmplitude(-6) - 0.501187) < 1e-6);
  assert.ok(Math.abs(amplitudeToDbfs(0.5) + 6.0206) < 1e-4);
  assert.equal(dbfsToAmplitude(0), 1);
  assert.throws(() => new ToneGenerator({ frequency: 440, sampleRate: 8000, dbfs: -6, amplitude: 0.5 }), RangeError);
  assert.throws(() => new ToneGenerator({ frequency: 440, sampleRate: 8000, amplitude: 1.5 }), RangeError);
  assert.throws(() => new ToneGenerator({ frequency: 4000, sampleRate: 8000 }), RangeError);
  assert.throws(() => new ToneGenerator({ frequency: 440, sampleRate: 8000 }).fill(new Int16Array(10), 8, 5), RangeError);
  assert.equal(new ToneGenerator({ frequency: 440, sampleRate: 8000 }).peak, dbfsToAmplitude(-6) * 32767); // default -6 dBFS
});

test('dual tone carries both frequencies at the requested level each', () => {
  const x = new Int16Array(8000);
  const dtmf1 = new DualToneGenerator({ frequencies: [697, 1209], sampleRate: 8000, dbfs: -10 });
  dtmf1.fill(x, 0, 4000);
  dtmf1.fill(x, 4000, 4000);
  const peak = dbfsToAmplitude(-10) * 32767;
  for (const f of [697, 1209]) {
    const a = Math.sqrt(goertzelPower(x, 8000, f));
    assert.ok(Math.abs(a / peak - 1) < 0.002, `${f} Hz at ${a}`);
  }
  for (const f of [770, 852, 941, 1336, 1477]) {
    assert.ok(Math.sqrt(goertzelPower(x, 8000, f)) < 0.01 * peak, `${f} Hz must be absent`);
  }
  const reference = new Int16Array(8000);
  new ToneGenerator({ frequency: 697, sampleRate: 8000, dbfs: -10 }).fill(reference);
  new ToneGenerator({ frequency: 1209, sampleRate: 8000, dbfs: -10 }).add(reference);
  assert.deepEqual(x, reference);
});

test('add() mixes onto existing audio with saturation; fillSilence() zeroes a range', () => {
  const x = new Int16Array(8).fill(30000);
  new ToneGenerator({ frequency: 2000, sampleRate: 8000, amplitude: 0.5, phase: Math.PI / 2 }).add(x);
  // Math.round(-16383.5) is -16383 (half rounds up), so the trough adds -16383.
  assert.deepEqual([...x], [32767, 30000, 30000 - 16383, 30000, 32767, 30000, 30000 - 16383, 30000]);
  const y = Int16Array.from([1, 2, 3, 4, 5, 6]);
  assert.equal(fillSilence(y, 2, 3), 3);
  assert.deepEqual([...y], [1, 2, 0, 0, 0, 6]);
  assert.throws(() => fillSilence(y, 4, 3), RangeError);
});

test('seeded white noise: reproducible, zero-mean, flat, RMS = peak/√3', () => {
  const a = new Int16Array(48000);
  const b = new Int16Array(48000);
  const c = new Int16Array(48000);
  new NoiseGenerator({ seed: 42, dbfs: -6 }).fill(a);
  const gen = new NoiseGenerator({ seed: 42, dbfs: -6 });
  for (let i = 0; i < 48000; i += 960) gen.fill(b, i, 960);
  new NoiseGenerator({ seed: 43, dbfs: -6 }).fill(c);
  assert.deepEqual(a, b, 'same seed, same noise, whatever the framing');
  assert.ok(Math.abs(correlation(a, c)) < 0.02, 'another seed is independent');
  assert.deepEqual([...a.subarray(0, 4)], [3321, -1698, 11577, 5575]); // pinned: a PRNG change shows up here

  const peak = dbfsToAmplitude(-6) * 32767;
  let sum = 0;
  let max = 0;
  for (const v of a) {
    sum += v;
    max = Math.max(max, Math.abs(v));
  }
  assert.ok(Math.abs(sum / a.length) < 0.01 * peak, `mean ${sum / a.length}`);
  assert.ok(max <= Math.round(peak) && max > 0.99 * peak, `max ${max}`);
  assert.ok(Math.abs(rms(a) / (peak / Math.sqrt(3)) - 1) < 0.01, `rms ${rms(a)}`);
  for (const lag of [1, 2, 5, 10]) assert.ok(Math.abs(correlation(a, a, lag)) < 0.02, `autocorrelation at ${lag}`);
  // Flat: equal power (within noise) in low and high bands.
  const low = goertzelPower(a, 48000, 1000) + goertzelPower(a, 48000, 2000) + goertzelPower(a, 48000, 3000);
  const high = goertzelPower(a, 48000, 17000) + goertzelPower(a, 48000, 19000) + goertzelPower(a, 48000, 21000);
  assert.ok(low / high > 0.2 && low / high < 5, `spectral tilt ${low / high}`);

  gen.reset();
  const restart = new Int16Array(960);
  gen.fill(restart);
  assert.deepEqual(restart, a.subarray(0, 960));
  const f = new NoiseGenerator({ seed: 7 }).nextFloat();
  assert.ok(f >= 0 && f < 1);
});
