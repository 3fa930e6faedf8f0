/**
 * L16: uncompressed 16-bit linear PCM as carried by RTP (RFC 3551 §4.5.11): two's complement,
 * network byte order (big-endian), any sample rate (`L16/8000`, `L16/16000`, `L16/48000` …).
 * The encoder/decoder classes handle mono streams; the byte-order helpers also serve WAV, raw
 * files and bot WebSocket legs (little-endian).
 */
import type { AudioDecoder, AudioEncoder } from './types.ts';
import { FadeConcealer } from './fade-plc.ts';

function checkRoom(what: string, need: number, have: number): void {
  if (need > have) throw new RangeError(`${what}: output holds ${have}, ${need} needed`);
}

/**
 * Writes `pcm[0..length)` as big-endian bytes into `out` (2·length bytes); returns bytes written.
 * Throws RangeError when `out` is too small.
 */
export function int16ToBigEndian(pcm: Int16Array, out: Uint8Array, length = pcm.length): number {
  checkRoom('int16ToBigEndian', length * 2, out.length);
  for (let i = 0, p = 0; i < length; i++, p += 2) {
    const s = pcm[i]!;
    out[p] = (s >> 8) & 0xff;
    out[p + 1] = s & 0xff;
  }
  return length * 2;
}

/**
 * Reads big-endian samples from `bytes` into `out`; an odd trailing byte is ignored. Returns the
 * number of samples written. Throws RangeError when `out` is too small.
 */
export function bigEndianToInt16(bytes: Uint8Array, out: Int16Array, byteLength = bytes.length): number {
  const samples = byteLength >> 1;
  checkRoom('bigEndianToInt16', samples, out.length);
  for (let i = 0, p = 0; i < samples; i++, p += 2) out[i] = (bytes[p]! << 8) | bytes[p + 1]!; // store wraps to int16
  return samples;
}

/** Little-endian counterpart of {@link int16ToBigEndian} (WAV, raw PCM files, bot streams). */
export function int16ToLittleEndian(pcm: Int16Array, out: Uint8Array, length = pcm.length): number {
  checkRoom('int16ToLittleEndian', length * 2, out.length);
  for (let i = 0, p = 0; i < length; i++, p += 2) {
    const s = pcm[i]!;
    out[p] = s & 0xff;
    out[p + 1] = (s >> 8) & 0xff;
  }
  return length * 2;
}

/** Little-endian counterpart of {@link bigEndianToInt16}; works at any byte offset (no alignment needed). */
export function littleEndianToInt16(bytes: Uint8Array, out: Int16Array, byteLength = bytes.length): number {
  const samples = byteLength >> 1;
  checkRoom('littleEndianToInt16', samples, out.length);
  for (let i = 0, p = 0; i < samples; i++, p += 2) out[i] = bytes[p]! | (bytes[p + 1]! << 8);
  return samples;
}

function checkRate(sampleRate: number): void {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`L16 sample rate ${sampleRate} Hz`);
}

/** L16 encoder for one mono stream at `sampleRate` (RTP clock rate = sample rate). */
export class L16Encoder implements AudioEncoder {
  readonly codec = 'L16' as const;
  readonly sampleRate: number;
  /** @param sampleRate PCM and RTP clock rate in Hz (e.g. 8000, 16000, 44100, 48000). */
  constructor(sampleRate: number) {
    checkRate(sampleRate);
    this.sampleRate = sampleRate;
  }
  /** Writes 2 bytes per sample, big-endian; returns bytes written. Throws RangeError when `out` is too small. */
  encode(pcm: Int16Array, out: Uint8Array): number {
    return int16ToBigEndian(pcm, out);
  }
}

/** L16 decoder for one mono stream; conceal() repeats the last frame fading to silence over ~3 frames. */
export class L16Decoder implements AudioDecoder {
  readonly codec = 'L16' as const;
  readonly sampleRate: number;
  readonly #plc: FadeConcealer;
  constructor(sampleRate: number) {
    checkRate(sampleRate);
    this.sampleRate = sampleRate;
    this.#plc = new FadeConcealer(Math.ceil(sampleRate / 50));
  }
  /** Decodes a payload of big-endian samples (odd trailing byte ignored); returns samples written. */
  decode(payload: Uint8Array, out: Int16Array): number {
    const n = bigEndianToInt16(payload, out);
    this.#plc.remember(out, n);
    return n;
  }
  conceal(out: Int16Array, samples: number): number {
    return this.#plc.conceal(out, samples);
  }
}
