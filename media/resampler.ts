/**
 * Streaming mono PCM16 sample-rate conversion with the Speex resampler (SpeexDSP's, as Asterisk and
 * FreeSWITCH use; WASM build from `@echogarden/speex-resampler-wasm`). One Resampler per direction
 * per leg: its filter state carries across calls, so 20 ms frames join without clicks, and a 20 ms
 * frame in gives exactly 20 ms out for every pair of supported rates (no drift, no leading gap: the
 * filter delay, `inputLatency`, comes out as the first few near-zero samples).
 *
 * The WASM module compiles asynchronously, once per thread:
 *
 *     await initResampler();                       // at startup
 *     const down = new Resampler({ from: 48000, to: 8000 });
 *     const n = down.process(frame48k, out8k);      // per frame, no allocation
 *     down.close();
 */

/** Rates a Resampler converts between. */
export const RESAMPLER_RATES: readonly number[] = [8000, 12000, 16000, 24000, 32000, 44100, 48000];

/** SPEEX_RESAMPLER_QUALITY_VOIP: a good trade for telephony (Speex's default is 4, FreeSWITCH uses 2). */
export const RESAMPLER_DEFAULT_QUALITY = 3;

export type ResamplerErrorCode = 'bad-rate' | 'bad-quality' | 'not-initialized' | 'closed' | 'internal';

/** A resampler failure a caller can act on by `code`. */
export class ResamplerError extends Error {
  override readonly name = 'ResamplerError';
  constructor(
    readonly code: ResamplerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ResamplerOptions {
  /** Input rate (Hz), one of RESAMPLER_RATES. */
  from: number;
  /** Output rate (Hz), one of RESAMPLER_RATES. */
  to: number;
  /** Speex quality 0 (fastest) – 10 (best). Default RESAMPLER_DEFAULT_QUALITY (3). */
  quality?: number;
}

/** The parts of the emscripten module we call. */
interface SpeexModule {
  HEAP16: Int16Array;
  HEAPU32: Uint32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _speex_resampler_init(channels: number, inRate: number, outRate: number, quality: number, errPtr: number): number;
  _speex_resampler_process_int(st: number, channel: number, inPtr: number, inLenPtr: number, outPtr: number, outLenPtr: number): number;
  _speex_resampler_get_input_latency(st: number): number;
  _speex_resampler_get_output_latency(st: number): number;
  _speex_resampler_reset_mem(st: number): number;
  _speex_resampler_destroy(st: number): void;
}

let speex: SpeexModule | undefined;
let loading: Promise<void> | undefined;

/** A 1-instruction module using a SIMD opcode: validates only where WASM SIMD is supported. */
const SIMD_PROBE = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11);

/**
 * Loads and compiles the Speex WASM module (SIMD build where supported). Call once before creating
 * Resamplers; later calls return the same promise. Safe to call from any thread.
 */
export function initResampler(): Promise<void> {
  loading ??= (async () => {
    // A string variable, not a literal: the package ships no type declarations.
    const specifier: string = WebAssembly.validate(SIMD_PROBE)
      ? '@echogarden/speex-resampler-wasm/simd'
      : '@echogarden/speex-resampler-wasm';
    const factory = (await import(specifier)).default as () => Promise<SpeexModule>;
    speex = await factory();
  })();
  loading.catch(() => {
    loading = undefined; // let a later call retry
  });
  return loading;
}

/** Whether initResampler() has finished, so `new Resampler()` works synchronously. */
export function resamplerReady(): boolean {
  return speex !== undefined;
}

/** Frees native state of Resamplers dropped without close(). */
const orphans = new FinalizationRegistry<() => void>((free) => free());

function freeAll(m: SpeexModule, st: number, buf: { lens: number; inPtr: number; outPtr: number }): void {
  m._speex_resampler_destroy(st);
  m._free(buf.lens);
  if (buf.inPtr) m._free(buf.inPtr);
  if (buf.outPtr) m._free(buf.outPtr);
}

/** A streaming mono PCM16 converter from one rate to another. */
export class Resampler {
  readonly from: number;
  readonly to: number;
  readonly quality: number;
  readonly #m: SpeexModule;
  #st: number;
  /** WASM memory: `lens` = [inLen u32][outLen u32][err i32]; input and output sample buffers. */
  readonly #buf: { lens: number; inPtr: number; outPtr: number };
  #inCap = 0;
  #outCap = 0;

  /** Requires `await initResampler()` first (else ResamplerError('not-initialized')). */
  constructor(options: ResamplerOptions) {
    const { from, to } = options;
    const quality = options.quality ?? RESAMPLER_DEFAULT_QUALITY;
    for (const [name, rate] of [['from', from], ['to', to]] as const) {
      if (!RESAMPLER_RATES.includes(rate)) {
        throw new ResamplerError('bad-rate', `resampler ${name} rate must be one of ${RESAMPLER_RATES.join(', ')} Hz, not ${rate}`);
      }
    }
    if (!Number.isInteger(quality) || quality < 0 || quality > 10) {
      throw new ResamplerError('bad-quality', `resampler quality must be an integer 0–10, not ${quality}`);
    }
    if (speex === undefined) {
      throw new ResamplerError('not-initialized', 'call `await initResampler()` before creating a Resampler');
    }
    this.from = from;
    this.to = to;
    this.quality = quality;
    const m = (this.#m = speex);
    const buf = (this.#buf = { lens: m._malloc(12), inPtr: 0, outPtr: 0 });
    const st = m._speex_resampler_init(1, from, to, quality, buf.lens + 8);
    if (st === 0) {
      const err = m.HEAPU32[(buf.lens + 8) >> 2];
      m._free(buf.lens);
      throw new ResamplerError('internal', `speex_resampler_init(${from} → ${to}) failed with ${err}`);
    }
    this.#st = st;
    this.#reserve(from / 50); // a 20 ms frame; grows on demand
    orphans.register(this, () => freeAll(m, st, buf), this);
  }

  /**
   * Most samples `inputSamples` of input can produce: size `out` for process() with this. (Whole
   * 20 ms frames always give exactly `inputSamples × to / from`.)
   */
  maxOutput(inputSamples: number): number {
    return Math.ceil((inputSamples * this.to) / this.from) + 1;
  }

  /**
   * Resamples all of `input` into `out`, continuing from the previous call; returns the samples
   * written. Throws RangeError when `out` is too small for what came out (excess is dropped).
   */
  process(input: Int16Array, out: Int16Array): number {
    const st = this.#live();
    const m = this.#m;
    if (input.length > this.#inCap) this.#reserve(input.length);
    const buf = this.#buf;
    let heap = m.HEAP16;
    heap.set(input, buf.inPtr >> 1);
    const u32 = m.HEAPU32;
    const lens = buf.lens >> 2;
    u32[lens] = input.length;
    u32[lens + 1] = this.#outCap;
    const rc = m._speex_resampler_process_int(st, 0, buf.inPtr, buf.lens, buf.outPtr, buf.lens + 4);
    if (rc !== 0) throw new ResamplerError('internal', `speex_resampler_process_int failed with ${rc}`);
    const consumed = m.HEAPU32[lens]!;
    const produced = m.HEAPU32[lens + 1]!;
    if (consumed !== input.length) {
      throw new ResamplerError('internal', `speex consumed ${consumed} of ${input.length} samples`);
    }
    heap = m.HEAP16;
    const src = buf.outPtr >> 1;
    const n = Math.min(produced, out.length);
    for (let i = 0; i < n; i++) out[i] = heap[src + i]!;
    if (produced > out.length) {
      throw new RangeError(`resampler output holds ${out.length} samples but ${produced} came out (size it with maxOutput())`);
    }
    return produced;
  }

  /** Filter delay in input samples (at `from`): how far output lags input. */
  get inputLatency(): number {
    return this.#m._speex_resampler_get_input_latency(this.#live());
  }

  /** Filter delay in output samples (at `to`). */
  get outputLatency(): number {
    return this.#m._speex_resampler_get_output_latency(this.#live());
  }

  /** Clears the filter history (e.g. after a stream discontinuity). */
  reset(): void {
    this.#m._speex_resampler_reset_mem(this.#live());
  }

  get closed(): boolean {
    return this.#st === 0;
  }

  /** Frees the Speex state and buffers (idempotent). */
  close(): void {
    if (this.#st === 0) return;
    orphans.unregister(this);
    freeAll(this.#m, this.#st, this.#buf);
    this.#st = 0;
  }

  /** Grows the WASM input/output buffers to hold `inputSamples` and its output. */
  #reserve(inputSamples: number): void {
    const m = this.#m;
    const buf = this.#buf;
    if (buf.inPtr) m._free(buf.inPtr);
    if (buf.outPtr) m._free(buf.outPtr);
    this.#inCap = inputSamples;
    this.#outCap = this.maxOutput(inputSamples) + 16;
    buf.inPtr = m._malloc(this.#inCap * 2);
    buf.outPtr = m._malloc(this.#outCap * 2);
    if (buf.inPtr === 0 || buf.outPtr === 0) throw new ResamplerError('internal', 'out of WASM memory');
  }

  #live(): number {
    if (this.#st === 0) throw new ResamplerError('closed', 'Resampler is closed');
    return this.#st;
  }
}
