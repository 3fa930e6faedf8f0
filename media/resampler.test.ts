/**
 * Resampler tests: tone frequency and amplitude through 8 → 48 → 8 kHz, frame-by-frame equals
 * one-shot, no drift over odd chunks, every rate pair, quality, anti-aliasing, errors, lifecycle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESAMPLER_RATES, Resampler, ResamplerError, initResampler, resamplerReady } from './resampler.ts';
import { goertzelPower, rms } from './testing/signal.ts';

function tone(rate: number, hz: number, seconds: number, amplitude = 10000): Int16Array {
  return new Int16Array(Math.round(rate * seconds)).map((_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)));
}

/** Feeds `input` through `r` in chunks (a size, or a function of the chunk index); returns all output. */
function feed(r: Resampler, input: Int16Array, chunk: number | ((k: number) => number)): Int16Array {
  const all = new Int16Array(r.maxOutput(input.length) + 64);
  const tmp = new Int16Array(r.maxOutput(input.length));
  let written = 0;
  for (let i = 0, k = 0; i < input.length; k++) {
    const size = Math.min(typeof chunk === 'number' ? chunk : chunk(k), input.length - i);
    const n = r.process(input.subarray(i, i + size), tmp);
    all.set(tmp.subarray(0, n), written);
    written += n;
    i += size;
  }
  return all.subarray(0, written);
}

/** Amplitude of the `hz` component (Goertzel reads A² for A·sin). */
const amplitude = (x: Int16Array, rate: number, hz: number) => Math.sqrt(goertzelPower(x, rate, hz));

// Runs first: nothing has initialised the module in this process yet.
test('creating a Resampler before initResampler() is a clear error', () => {
  assert.equal(resamplerReady(), false);
  assert.throws(() => new Resampler({ from: 8000, to: 48000 }), (e: unknown) => e instanceof ResamplerError && e.code === 'not-initialized' && /initResampler/.test(e.message));
});

/** A test that runs once the module is ready (each awaits the same one-time init). */
function rtest(name: string, fn: () => void): void {
  test(name, async () => {
    await initResampler();
    fn();
  });
}

test('initResampler() is idempotent', async () => {
  await Promise.all([initResampler(), initResampler()]);
  assert.equal(resamplerReady(), true);
});

rtest('a 1 kHz tone through 8 → 48 → 8 kHz keeps its frequency and amplitude', () => {
  const x = tone(8000, 1000, 1);
  const up = feed(new Resampler({ from: 8000, to: 48000 }), x, 160);
  assert.equal(up.length, 48000);
  const mid48 = up.subarray(4800, 43200);
  assert.ok(Math.abs(amplitude(mid48, 48000, 1000) - 10000) < 50, `48 kHz amplitude ${amplitude(mid48, 48000, 1000)}`);
  const down = feed(new Resampler({ from: 48000, to: 8000 }), up, 960);
  assert.equal(down.length, 8000);
  const mid = down.subarray(800, 7200); // skip the filter start-up (latency 2 × 24 samples at 8 kHz)
  // Measured at quality 3: amplitude 10000.0, RMS ratio 1.0000, every other bin < 0.1.
  assert.ok(Math.abs(amplitude(mid, 8000, 1000) - 10000) < 50, `amplitude ${amplitude(mid, 8000, 1000)}`);
  for (const other of [500, 1500, 2000, 3000]) assert.ok(amplitude(mid, 8000, other) < 10, `${other} Hz leaked`);
  assert.ok(Math.abs(rms(mid) / rms(x, 800, 7200) - 1) < 0.005);
  // The delay is the filter's: up and down add their latencies, and the tone lines up after it.
  const delay = 48 / 6 + 24; // 8→48 output latency (144 @48k = 24 @8k) + 48→8 output latency (24)
  let err = 0;
  for (let i = 800; i < 7200; i++) err = Math.max(err, Math.abs(down[i]! - x[i - delay]!));
  assert.ok(err <= 2, `max deviation from the delayed input ${err}`); // measured 0 at quality 3
});

rtest('frame-by-frame output equals one-shot output (state carries across frames: no boundary clicks)', () => {
  const x = tone(16000, 1234, 2, 12000);
  for (const [from, to] of [[16000, 8000], [16000, 48000], [16000, 24000]]) {
    const whole = feed(new Resampler({ from, to }), x, x.length);
    const frames = feed(new Resampler({ from, to }), x, from / 50);
    const odd = feed(new Resampler({ from, to }), x, (k) => [37, 113, 1, 320, 7][k % 5]!);
    assert.equal(frames.length, whole.length);
    assert.equal(odd.length, whole.length);
    assert.deepEqual(frames, whole, `${from}→${to} by 20 ms frames`);
    assert.deepEqual(odd, whole, `${from}→${to} by odd chunks`);
  }
});

rtest('output counts add up over many odd-sized chunks: no drift', () => {
  for (const [from, to] of [[8000, 48000], [48000, 8000], [16000, 24000], [44100, 8000], [8000, 44100]] as const) {
    const r = new Resampler({ from, to });
    const out = new Int16Array(r.maxOutput(2000));
    let seed = 1;
    let inTotal = 0;
    let outTotal = 0;
    for (let k = 0; k < 2000; k++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const size = 1 + (seed % 1500);
      outTotal += r.process(new Int16Array(size), out);
      inTotal += size;
    }
    const expected = (inTotal * to) / from;
    assert.ok(Math.abs(outTotal - expected) <= 1, `${from}→${to}: ${outTotal} out for ${inTotal} in (expected ${expected})`);
  }
});

rtest('every rate pair: each 20 ms frame gives exactly 20 ms, and a 1 kHz tone survives', () => {
  for (const from of RESAMPLER_RATES) {
    for (const to of RESAMPLER_RATES) {
      const r = new Resampler({ from, to });
      const x = tone(from, 1000, 0.5);
      const n = from / 50;
      const out = new Int16Array(to / 50);
      const all = new Int16Array(to / 2);
      for (let f = 0; f * n < x.length; f++) {
        assert.equal(r.process(x.subarray(f * n, (f + 1) * n), out), to / 50, `${from}→${to} frame ${f}`);
        all.set(out, f * (to / 50));
      }
      const a = amplitude(all.subarray(to / 10), to, 1000);
      assert.ok(Math.abs(a - 10000) < 100, `${from}→${to}: 1 kHz amplitude ${a.toFixed(1)}`);
      r.close();
    }
  }
});

rtest('quality trades passband for speed: 3.4 kHz at 48 → 8 kHz', () => {
  const x = tone(48000, 3400, 1);
  const level = (quality: number) => amplitude(feed(new Resampler({ from: 48000, to: 8000, quality }), x, 960).subarray(800), 8000, 3400);
  // Measured: quality 0 → 4600, 3 → 8865, 10 → 10000.
  const q0 = level(0);
  const q3 = level(3);
  const q10 = level(10);
  assert.ok(q0 < 6000 && q3 > 8000 && q3 < 9500 && q10 > 9900, `${q0} ${q3} ${q10}`);
});

rtest('downsampling removes what the new rate cannot hold (no aliasing)', () => {
  // 5 kHz at 48 kHz would alias to 3 kHz at 8 kHz; the anti-alias filter must remove it.
  const out = feed(new Resampler({ from: 48000, to: 8000 }), tone(48000, 5000, 1), 960).subarray(800);
  assert.ok(rms(out) < 5, `residual ${rms(out)}`); // measured 0.0 at quality 3 (51 at quality 0)
});

rtest('bad rates and qualities are ResamplerErrors naming the problem', () => {
  const is = (code: string, pattern: RegExp) => (e: unknown) => e instanceof ResamplerError && e.code === code && pattern.test(e.message);
  assert.throws(() => new Resampler({ from: 11025, to: 8000 }), is('bad-rate', /from rate .* not 11025/));
  assert.throws(() => new Resampler({ from: 8000, to: 0 }), is('bad-rate', /to rate .* not 0/));
  assert.throws(() => new Resampler({ from: 8000, to: Number.NaN }), is('bad-rate', /NaN/));
  assert.throws(() => new Resampler({ from: 8000, to: 16000, quality: 11 }), is('bad-quality', /0–10/));
  assert.throws(() => new Resampler({ from: 8000, to: 16000, quality: 2.5 }), is('bad-quality', /2\.5/));
});

rtest('small output buffer is a RangeError; close() is idempotent and final', () => {
  const r = new Resampler({ from: 8000, to: 48000 });
  assert.equal(r.maxOutput(160), 961);
  assert.throws(() => r.process(new Int16Array(160), new Int16Array(100)), RangeError);
  assert.equal(r.inputLatency, 24);
  r.reset();
  assert.equal(r.process(new Int16Array(160), new Int16Array(960)), 960);
  r.close();
  r.close();
  assert.equal(r.closed, true);
  assert.throws(() => r.process(new Int16Array(160), new Int16Array(960)), (e: unknown) => e instanceof ResamplerError && e.code === 'closed');
});

rtest('large inputs grow the buffers', () => {
  const r = new Resampler({ from: 48000, to: 16000 });
  const x = tone(48000, 440, 3);
  const out = new Int16Array(r.maxOutput(x.length));
  assert.equal(r.process(x, out), 48000);
  assert.ok(Math.abs(amplitude(out.subarray(1600, 48000), 16000, 440) - 10000) < 50);
});
