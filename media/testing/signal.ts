/**
 * Signal-analysis helpers for media tests: SNR, segmental SNR, cross-correlation alignment, and
 * single-frequency measurements (tone correlation, Goertzel power). Pure functions on Int16Array
 * (or any numeric array); they allocate nothing but a few numbers, so they also suit benchmarks.
 *
 * Conventions: `ref` is the original, `test` the processed signal; `lag` means `test[i + lag]`
 * corresponds to `ref[i]` (a codec that delays by 22 samples has lag 22).
 */

/** Anything indexable holding samples. */
export type Samples = ArrayLike<number>;

/** Overlap of `ref` with `test` shifted by `lag`: ref indices [start, end). */
function overlap(refLength: number, testLength: number, lag: number): [number, number] {
  const start = Math.max(0, -lag);
  const end = Math.min(refLength, testLength - lag);
  return [start, Math.max(start, end)];
}

/** Options shared by the comparison helpers. */
export interface CompareOptions {
  /** `test[i + lag]` is compared with `ref[i]`. Default 0. */
  lag?: number;
  /** Ignore this many samples at the start of the overlap (e.g. codec warm-up). Default 0. */
  skip?: number;
}

/**
 * Signal-to-noise ratio in dB of `test` against `ref` over their (lag-aligned) overlap:
 * 10·log10(Σref² / Σ(ref − test)²). Identical signals give +Infinity.
 */
export function snrDb(ref: Samples, test: Samples, options: CompareOptions = {}): number {
  const lag = options.lag ?? 0;
  const [start0, end] = overlap(ref.length, test.length, lag);
  const start = Math.min(end, start0 + (options.skip ?? 0));
  let signal = 0;
  let noise = 0;
  for (let i = start; i < end; i++) {
    const r = ref[i]!;
    const e = r - test[i + lag]!;
    signal += r * r;
    noise += e * e;
  }
  if (noise === 0) return signal === 0 ? 0 : Infinity;
  return 10 * Math.log10(signal / noise);
}

/** Options for {@link segmentalSnrDb}. */
export interface SegmentalSnrOptions extends CompareOptions {
  /** Segment length in samples. Default 320 (20 ms at 16 kHz). */
  frame?: number;
  /**
   * Segments whose reference RMS is below this level (dBFS, full scale 32768) are silence and are
   * left out. Default -50.
   */
  silenceDbfs?: number;
  /** Per-segment SNR is clamped to [floor, ceiling] dB so one silent or perfect frame can't dominate. Default [-10, 35]. */
  floorDb?: number;
  ceilingDb?: number;
}

/**
 * Segmental SNR in dB: the mean over active segments of each segment's SNR, clamped to
 * [-10, 35] dB (the usual speech-coding convention). Returns NaN when no segment is active.
 */
export function segmentalSnrDb(ref: Samples, test: Samples, options: SegmentalSnrOptions = {}): number {
  const lag = options.lag ?? 0;
  const frame = options.frame ?? 320;
  const floor = options.floorDb ?? -10;
  const ceiling = options.ceilingDb ?? 35;
  const threshold = 32768 * 10 ** ((options.silenceDbfs ?? -50) / 20);
  const minEnergy = threshold * threshold * frame;
  const [start0, end] = overlap(ref.length, test.length, lag);
  const start = Math.min(end, start0 + (options.skip ?? 0));
  let sum = 0;
  let count = 0;
  for (let s = start; s + frame <= end; s += frame) {
    let signal = 0;
    let noise = 0;
    for (let i = s; i < s + frame; i++) {
      const r = ref[i]!;
      const e = r - test[i + lag]!;
      signal += r * r;
      noise += e * e;
    }
    if (signal < minEnergy) continue;
    const snr = noise === 0 ? ceiling : 10 * Math.log10(signal / noise);
    sum += Math.min(ceiling, Math.max(floor, snr));
    count++;
  }
  return count === 0 ? NaN : sum / count;
}

/**
 * Normalised cross-correlation (Pearson, means removed) of `ref[i]` with `test[i + lag]` over the
 * overlap; in [-1, 1], 0 when either side is constant.
 */
export function correlation(ref: Samples, test: Samples, lag = 0): number {
  const [start, end] = overlap(ref.length, test.length, lag);
  const n = end - start;
  if (n <= 0) return 0;
  let sa = 0;
  let sb = 0;
  for (let i = start; i < end; i++) {
    sa += ref[i]!;
    sb += test[i + lag]!;
  }
  const ma = sa / n;
  const mb = sb / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = start; i < end; i++) {
    const a = ref[i]! - ma;
    const b = test[i + lag]! - mb;
    ab += a * b;
    aa += a * a;
    bb += b * b;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/**
 * The lag in [-maxLag, maxLag] that maximises the correlation of `ref[i]` with `test[i + lag]`
 * (see {@link correlation}); ties go to the smallest |lag|. O(n·maxLag): pass a few thousand
 * samples of a long signal, not all of it.
 */
export function bestLag(ref: Samples, test: Samples, maxLag: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let d = 0; d <= maxLag; d++) {
    for (const lag of d === 0 ? [0] : [d, -d]) {
      const c = correlation(ref, test, lag);
      if (c > bestValue) {
        bestValue = c;
        best = lag;
      }
    }
  }
  return best;
}

/** Root-mean-square of `samples[start..end)`. */
export function rms(samples: Samples, start = 0, end = samples.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += samples[i]! * samples[i]!;
  return end > start ? Math.sqrt(sum / (end - start)) : 0;
}

/** RMS level in dBFS (full scale 32768; a full-scale sine reads -3.01 dBFS). -Infinity for silence. */
export function rmsDbfs(samples: Samples, start = 0, end = samples.length): number {
  return 20 * Math.log10(rms(samples, start, end) / 32768);
}

/**
 * How much of the signal is a sinusoid at `frequency`: |⟨x, e^{jωn}⟩| normalised so that a pure
 * tone at that frequency gives ≈1 and white noise ≈0 (precisely, the share of RMS amplitude in
 * that frequency bin). Use a window of whole cycles or at least ~50 cycles for a clean reading.
 */
export function toneCorrelation(samples: Samples, sampleRate: number, frequency: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const w = (2 * Math.PI * frequency) / sampleRate;
  let c = 0;
  let s = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[i]!;
    c += x * Math.cos(w * i);
    s += x * Math.sin(w * i);
    energy += x * x;
  }
  if (energy === 0) return 0;
  return Math.sqrt((2 * (c * c + s * s)) / n / energy);
}

/**
 * Goertzel power at `frequency`: returns the amplitude-squared of that component in sample units
 * (a tone `A·sin(ωn)` reads ≈A²), computed with the Goertzel recurrence over all samples.
 */
export function goertzelPower(samples: Samples, sampleRate: number, frequency: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = samples[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (4 * power) / (n * n);
}
