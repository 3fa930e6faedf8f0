/**
 * Test-signal generators that write into caller buffers: sine tone (phase-continuous across
 * frames), dual tone (e.g. DTMF), silence, and seeded white noise (reproducible tests). Used for
 * comfort signals, ringback, loop tests and codec measurements; allocation-free after construction.
 *
 * Levels: `dbfs` is the peak level of the wave relative to full scale (0 dBFS = peak 32767), or
 * give `amplitude` as a linear fraction of full scale (0..1). Output is rounded and saturated.
 */

/** Full-scale peak of a PCM16 signal. */
export const FULL_SCALE = 32767;

/** Linear amplitude (fraction of full scale) of a peak level in dBFS. */
export function dbfsToAmplitude(dbfs: number): number {
  return 10 ** (dbfs / 20);
}

/** Peak level in dBFS of a linear amplitude (fraction of full scale). */
export function amplitudeToDbfs(amplitude: number): number {
  return 20 * Math.log10(amplitude);
}

/** Level: either `dbfs` or `amplitude`, not both. */
export interface LevelOptions {
  /** Peak level in dBFS (≤ 0). Default -6 dBFS when `amplitude` is not given either. */
  dbfs?: number;
  /** Peak amplitude as a fraction of full scale, 0..1. */
  amplitude?: number;
}

function resolveAmplitude(options: LevelOptions): number {
  if (options.dbfs !== undefined && options.amplitude !== undefined) {
    throw new RangeError('give either dbfs or amplitude, not both');
  }
  const amplitude = options.amplitude ?? dbfsToAmplitude(options.dbfs ?? -6);
  if (!(amplitude >= 0 && amplitude <= 1)) throw new RangeError(`amplitude ${amplitude} outside 0..1 of full scale`);
  return amplitude * FULL_SCALE;
}

function saturate(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x;
}

function checkRange(out: Int16Array, offset: number, length: number): void {
  if (offset < 0 || length < 0 || offset + length > out.length) {
    throw new RangeError(`range [${offset}, ${offset + length}) outside buffer of ${out.length}`);
  }
}

/** Options of {@link ToneGenerator}. */
export interface ToneOptions extends LevelOptions {
  /** Frequency in Hz, 0 ≤ f < sampleRate / 2. */
  frequency: number;
  /** Sample rate in Hz. */
  sampleRate: number;
  /** Starting phase in radians. Default 0 (a sine starting at zero). */
  phase?: number;
}

/** A sine tone that continues seamlessly from one `fill()` to the next. */
export class ToneGenerator {
  readonly frequency: number;
  readonly sampleRate: number;
  /** Peak in sample units. */
  readonly peak: number;
  readonly #step: number;
  readonly #startPhase: number;
  /** Phase in cycles, kept in [0, 1). */
  #phase: number;

  constructor(options: ToneOptions) {
    const { frequency, sampleRate } = options;
    if (!(sampleRate > 0)) throw new RangeError(`sample rate ${sampleRate} Hz`);
    if (!(frequency >= 0 && frequency < sampleRate / 2)) {
      throw new RangeError(`tone frequency ${frequency} Hz not below Nyquist (${sampleRate / 2} Hz)`);
    }
    this.frequency = frequency;
    this.sampleRate = sampleRate;
    this.peak = resolveAmplitude(options);
    this.#step = frequency / sampleRate;
    this.#startPhase = ((((options.phase ?? 0) / (2 * Math.PI)) % 1) + 1) % 1;
    this.#phase = this.#startPhase;
  }

  /** Current phase in radians, [0, 2π). */
  get phase(): number {
    return this.#phase * 2 * Math.PI;
  }

  /** Writes the next `length` samples into `out[offset..)`; returns `length`. */
  fill(out: Int16Array, offset = 0, length = out.length - offset): number {
    checkRange(out, offset, length);
    const peak = this.peak;
    const step = this.#step;
    let phase = this.#phase;
    for (let i = offset, end = offset + length; i < end; i++) {
      out[i] = saturate(Math.round(peak * Math.sin(2 * Math.PI * phase)));
      phase += step;
      if (phase >= 1) phase -= 1;
    }
    this.#phase = phase;
    return length;
  }

  /** Adds the next `length` samples onto `out[offset..)` (saturating); returns `length`. */
  add(out: Int16Array, offset = 0, length = out.length - offset): number {
    checkRange(out, offset, length);
    const peak = this.peak;
    const step = this.#step;
    let phase = this.#phase;
    for (let i = offset, end = offset + length; i < end; i++) {
      out[i] = saturate(out[i]! + Math.round(peak * Math.sin(2 * Math.PI * phase)));
      phase += step;
      if (phase >= 1) phase -= 1;
    }
    this.#phase = phase;
    return length;
  }

  /** Restarts at the initial phase. */
  reset(): void {
    this.#phase = this.#startPhase;
  }
}

/** Options of {@link DualToneGenerator}; the level applies to each of the two tones. */
export interface DualToneOptions extends LevelOptions {
  /** The two frequencies in Hz (e.g. [697, 1209] for DTMF "1"). */
  frequencies: readonly [number, number];
  sampleRate: number;
}

/** Two summed sine tones (DTMF, ringback 440+480 Hz, …), phase-continuous across calls. */
export class DualToneGenerator {
  readonly #a: ToneGenerator;
  readonly #b: ToneGenerator;

  constructor(options: DualToneOptions) {
    const level = { dbfs: options.dbfs, amplitude: options.amplitude };
    this.#a = new ToneGenerator({ ...level, frequency: options.frequencies[0], sampleRate: options.sampleRate });
    this.#b = new ToneGenerator({ ...level, frequency: options.frequencies[1], sampleRate: options.sampleRate });
  }

  /** Writes the next `length` samples into `out[offset..)`; returns `length`. */
  fill(out: Int16Array, offset = 0, length = out.length - offset): number {
    this.#a.fill(out, offset, length);
    return this.#b.add(out, offset, length);
  }

  /** Adds the next `length` samples onto `out[offset..)` (saturating); returns `length`. */
  add(out: Int16Array, offset = 0, length = out.length - offset): number {
    this.#a.add(out, offset, length);
    return this.#b.add(out, offset, length);
  }

  reset(): void {
    this.#a.reset();
    this.#b.reset();
  }
}

/** Zeroes `out[offset..offset+length)`; returns `length`. */
export function fillSilence(out: Int16Array, offset = 0, length = out.length - offset): number {
  checkRange(out, offset, length);
  out.fill(0, offset, offset + length);
  return length;
}

/** Options of {@link NoiseGenerator}. */
export interface NoiseOptions extends LevelOptions {
  /** PRNG seed (any 32-bit integer); equal seeds give equal noise. Default 1. */
  seed?: number;
}

/**
 * Uniform white noise in [−peak, +peak] from a seeded PRNG (mulberry32), so tests are
 * reproducible. RMS is peak/√3 (≈ 4.8 dB below the peak level).
 */
export class NoiseGenerator {
  readonly peak: number;
  readonly #seed: number;
  #state: number;

  constructor(options: NoiseOptions = {}) {
    this.peak = resolveAmplitude(options);
    this.#seed = (options.seed ?? 1) >>> 0;
    this.#state = this.#seed;
  }

  /** Next uniform number in [0, 1). */
  nextFloat(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Writes the next `length` samples into `out[offset..)`; returns `length`. */
  fill(out: Int16Array, offset = 0, length = out.length - offset): number {
    checkRange(out, offset, length);
    const peak = this.peak;
    for (let i = offset, end = offset + length; i < end; i++) {
      out[i] = Math.round(peak * (2 * this.nextFloat() - 1));
    }
    return length;
  }

  /** Adds the next `length` samples onto `out[offset..)` (saturating); returns `length`. */
  add(out: Int16Array, offset = 0, length = out.length - offset): number {
    checkRange(out, offset, length);
    const peak = this.peak;
    for (let i = offset, end = offset + length; i < end; i++) {
      out[i] = saturate(out[i]! + Math.round(peak * (2 * this.nextFloat() - 1)));
    }
    return length;
  }

  /** Restarts the sequence from the seed. */
  reset(): void {
    this.#state = this.#seed;
  }
}
