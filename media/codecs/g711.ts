/**
 * ITU-T G.711 μ-law (PCMU) and A-law (PCMA) by lookup table, bit-exact with the ITU-T reference
 * (G.191 STL `ulaw_compress`/`alaw_compress`/`*_expand`, which WebRTC and spandsp also match).
 *
 * The laws only look at the top 14 (μ) / 13 (A) bits of a 16-bit sample, so the encode tables are
 * indexed by the reduced sample (16 KiB + 8 KiB, cache-resident); decode tables have 256 entries.
 * All tables are built once at module load. The array functions write into caller buffers and
 * allocate nothing.
 *
 * Note on negative samples: the ITU reference takes the magnitude of a negative sample as its one's
 * complement (`~x`, i.e. |x| − 1). The classic Sun `g711.c` μ-law (and Asterisk, npm alawmulaw)
 * use `-x` instead, so they pick the neighbouring code for the 127 negative inputs that sit exactly
 * on a decision boundary; the classic Sun A-law (`-x - 8`) moves 7 inputs per boundary and
 * mis-encodes −1…−7. We follow the ITU reference, as Chrome's WebRTC and spandsp/FreeSWITCH do.
 * g711.test.ts pins these facts.
 */
import type { AudioDecoder, AudioEncoder } from './types.ts';
import { FadeConcealer } from './fade-plc.ts';

/** μ-law code for each 14-bit sample (index = (x >> 2) & 0x3fff). */
const ULAW_ENCODE = new Uint8Array(1 << 14);
/** A-law code for each 13-bit sample (index = (x >> 3) & 0x1fff). */
const ALAW_ENCODE = new Uint8Array(1 << 13);
/** Linear value of each μ-law code word. */
const ULAW_DECODE = new Int16Array(256);
/** Linear value of each A-law code word. */
const ALAW_DECODE = new Int16Array(256);

/** Index of the highest set bit (value > 0). */
function topBit(value: number): number {
  return 31 - Math.clz32(value);
}

function buildTables(): void {
  for (let v = -8192; v < 8192; v++) {
    // μ-law: magnitude in 14-bit units plus the bias 33 (0x84 / 4), clipped; segment = which power
    // of two it falls in above 32; four mantissa bits follow the leading one.
    const magnitude = v < 0 ? ~v : v;
    const biased = Math.min(magnitude + 33, 0x1fff);
    const segment = topBit(biased) - 5;
    const mantissa = (biased >> (segment + 1)) & 0x0f;
    const code = ~((segment << 4) | mantissa) & 0x7f;
    ULAW_ENCODE[v & 0x3fff] = v >= 0 ? code | 0x80 : code;
  }
  for (let v = -4096; v < 4096; v++) {
    // A-law: 13-bit magnitude; segment 0 and 1 share the same step, then one segment per octave.
    const magnitude = v < 0 ? ~v : v;
    const segment = magnitude < 32 ? 0 : topBit(magnitude) - 4;
    const mantissa = segment === 0 ? magnitude >> 1 : (magnitude >> segment) & 0x0f;
    ALAW_ENCODE[v & 0x1fff] = ((segment << 4) | mantissa) ^ (v >= 0 ? 0xd5 : 0x55);
  }
  for (let code = 0; code < 256; code++) {
    const u = ~code & 0xff;
    const t = (((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 0x07);
    ULAW_DECODE[code] = u & 0x80 ? 0x84 - t : t - 0x84;

    const a = code ^ 0x55;
    const mant = a & 0x0f;
    const seg = (a >> 4) & 0x07;
    const magnitude = seg === 0 ? (mant << 4) + 8 : ((mant << 4) + 0x108) << (seg - 1);
    ALAW_DECODE[code] = a & 0x80 ? magnitude : -magnitude;
  }
}
buildTables();

/** Encodes one sample to μ-law. */
export function ulawEncodeSample(sample: number): number {
  return ULAW_ENCODE[(sample >> 2) & 0x3fff]!;
}

/** Decodes one μ-law code word. */
export function ulawDecodeSample(code: number): number {
  return ULAW_DECODE[code & 0xff]!;
}

/** Encodes one sample to A-law. */
export function alawEncodeSample(sample: number): number {
  return ALAW_ENCODE[(sample >> 3) & 0x1fff]!;
}

/** Decodes one A-law code word. */
export function alawDecodeSample(code: number): number {
  return ALAW_DECODE[code & 0xff]!;
}

function checkRoom(what: string, need: number, have: number): void {
  if (need > have) throw new RangeError(`${what}: output holds ${have}, ${need} needed`);
}

/**
 * μ-law encodes `pcm[0..length)` into `out[0..length)`; returns `length`.
 * Throws RangeError when `out` is too small.
 */
export function ulawEncode(pcm: Int16Array, out: Uint8Array, length = pcm.length): number {
  checkRoom('ulawEncode', length, out.length);
  const table = ULAW_ENCODE;
  for (let i = 0; i < length; i++) out[i] = table[(pcm[i]! >> 2) & 0x3fff]!;
  return length;
}

/** μ-law decodes `codes[0..length)` into `out`; returns `length`. Throws RangeError when `out` is too small. */
export function ulawDecode(codes: Uint8Array, out: Int16Array, length = codes.length): number {
  checkRoom('ulawDecode', length, out.length);
  const table = ULAW_DECODE;
  for (let i = 0; i < length; i++) out[i] = table[codes[i]!]!;
  return length;
}

/**
 * A-law encodes `pcm[0..length)` into `out[0..length)`; returns `length`.
 * Throws RangeError when `out` is too small.
 */
export function alawEncode(pcm: Int16Array, out: Uint8Array, length = pcm.length): number {
  checkRoom('alawEncode', length, out.length);
  const table = ALAW_ENCODE;
  for (let i = 0; i < length; i++) out[i] = table[(pcm[i]! >> 3) & 0x1fff]!;
  return length;
}

/** A-law decodes `codes[0..length)` into `out`; returns `length`. Throws RangeError when `out` is too small. */
export function alawDecode(codes: Uint8Array, out: Int16Array, length = codes.length): number {
  checkRoom('alawDecode', length, out.length);
  const table = ALAW_DECODE;
  for (let i = 0; i < length; i++) out[i] = table[codes[i]!]!;
  return length;
}

/** G.711 runs at 8 kHz; RTP clock rate is the same. */
export const G711_SAMPLE_RATE = 8000;

/** PCMU (μ-law) encoder: one byte per sample, stateless. */
export class PcmuEncoder implements AudioEncoder {
  readonly codec = 'PCMU' as const;
  readonly sampleRate = G711_SAMPLE_RATE;
  encode(pcm: Int16Array, out: Uint8Array): number {
    return ulawEncode(pcm, out);
  }
}

/** PCMA (A-law) encoder: one byte per sample, stateless. */
export class PcmaEncoder implements AudioEncoder {
  readonly codec = 'PCMA' as const;
  readonly sampleRate = G711_SAMPLE_RATE;
  encode(pcm: Int16Array, out: Uint8Array): number {
    return alawEncode(pcm, out);
  }
}

/** PCMU decoder; conceal() repeats the last frame fading to silence over ~3 frames. */
export class PcmuDecoder implements AudioDecoder {
  readonly codec = 'PCMU' as const;
  readonly sampleRate = G711_SAMPLE_RATE;
  readonly #plc = new FadeConcealer(160);
  decode(payload: Uint8Array, out: Int16Array): number {
    const n = ulawDecode(payload, out);
    this.#plc.remember(out, n);
    return n;
  }
  conceal(out: Int16Array, samples: number): number {
    return this.#plc.conceal(out, samples);
  }
}

/** PCMA decoder; conceal() repeats the last frame fading to silence over ~3 frames. */
export class PcmaDecoder implements AudioDecoder {
  readonly codec = 'PCMA' as const;
  readonly sampleRate = G711_SAMPLE_RATE;
  readonly #plc = new FadeConcealer(160);
  decode(payload: Uint8Array, out: Int16Array): number {
    const n = alawDecode(payload, out);
    this.#plc.remember(out, n);
    return n;
  }
  conceal(out: Int16Array, samples: number): number {
    return this.#plc.conceal(out, samples);
  }
}
