/**
 * ITU-T G.722 wideband codec at 64 kbit/s: 16 kHz PCM16 in, one byte per two samples out
 * (160 bytes per 20 ms). The 24-tap QMF splits the signal into a 0–4 kHz band coded with 6-bit
 * ADPCM and a 4–8 kHz band coded with 2-bit ADPCM (see g722-band.ts); each byte is
 * `(high 2 bits << 6) | low 6 bits`. Encoder and decoder keep their state across frames, so a
 * stream encoded frame by frame is identical to the same audio encoded in one block.
 *
 * RTP/SDP: G.722 is `a=rtpmap:9 G722/8000` — RFC 3551 keeps the 8000 Hz *clock rate* for
 * historical reasons although the audio is sampled at 16 kHz, so RTP timestamps advance by 160
 * per 20 ms (half the sample count). `sampleRate` here is the real PCM rate, 16000; use
 * {@link G722_RTP_CLOCK_RATE} for timestamps.
 *
 * Bit-exact with spandsp's G.722 (itself checked against the ITU test sequences) on the signals in
 * g722.test.ts; the reference's 16-bit input is scaled as spandsp does (one bit above the
 * standard's 14-bit interface). Only the 64 kbit/s mode is implemented (no 56/48 kbit/s).
 */
import type { AudioDecoder, AudioEncoder } from './types.ts';
import { FadeConcealer } from './fade-plc.ts';
import { decodeHigh, decodeLow, encodeHigh, encodeLow, G722Band, sat16 } from './g722-band.ts';

/** PCM sample rate of G.722 (Hz). */
export const G722_SAMPLE_RATE = 16000;
/** RTP clock rate written in SDP for G.722 (RFC 3551 §4.5.2). */
export const G722_RTP_CLOCK_RATE = 8000;
/** Static RTP payload type of G.722. */
export const G722_PAYLOAD_TYPE = 9;

/** QMF coefficients h0, h2, …, h22 (even taps) of the 24-tap filter; the odd taps are these reversed. */
const H_EVEN = Int32Array.of(3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11);
/** h1, h3, …, h23. */
const H_ODD = Int32Array.of(-11, 53, -156, 362, -805, 3876, 951, -210, 32, 12, -11, 3);

/**
 * A 12-deep delay line stored twice over so the newest-first window is always contiguous:
 * `buf[pos..pos+12)` holds the newest sample first.
 */
class DelayLine {
  readonly buf = new Int32Array(24);
  pos = 0;
  push(x: number): void {
    this.pos = this.pos === 0 ? 11 : this.pos - 1;
    this.buf[this.pos] = x;
    this.buf[this.pos + 12] = x;
  }
  /** Σ taps[i]·x(n−i). */
  dot(taps: Int32Array): number {
    const buf = this.buf;
    const p = this.pos;
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += taps[i]! * buf[p + i]!;
    return sum;
  }
  reset(): void {
    this.buf.fill(0);
    this.pos = 0;
  }
}

/** G.722 64 kbit/s encoder. */
export class G722Encoder implements AudioEncoder {
  readonly codec = 'G722' as const;
  readonly sampleRate = G722_SAMPLE_RATE;
  readonly #low = new G722Band('low');
  readonly #high = new G722Band('high');
  /** Older (x(2n−1), odd taps) and newer (x(2n), even taps) input sample of each pair. */
  readonly #older = new DelayLine();
  readonly #newer = new DelayLine();

  /**
   * Encodes an even number of 16 kHz samples into `pcm.length / 2` bytes; returns the byte count.
   * Throws RangeError for an odd-length frame or a too-small `out`.
   */
  encode(pcm: Int16Array, out: Uint8Array): number {
    const n = pcm.length;
    if (n & 1) throw new RangeError(`G.722 encodes sample pairs; got ${n} samples`);
    const bytes = n >> 1;
    if (bytes > out.length) throw new RangeError(`G.722 encode: out holds ${out.length} bytes, ${bytes} needed`);
    const low = this.#low;
    const high = this.#high;
    const older = this.#older;
    const newer = this.#newer;
    for (let j = 0, k = 0; k < bytes; k++) {
      // Transmit QMF: keep every other output of the two polyphase branches.
      older.push(pcm[j++]!);
      newer.push(pcm[j++]!);
      const xa = newer.dot(H_EVEN);
      const xb = older.dot(H_ODD);
      // QMF DC gain is 4096, two branches summed, 15-bit ADPCM input: shift by 12 + 1 + 1.
      const xlow = (xa + xb) >> 14;
      const xhigh = (xa - xb) >> 14;
      const ilow = encodeLow(low, xlow);
      const ihigh = encodeHigh(high, xhigh);
      out[k] = (ihigh << 6) | ilow;
    }
    return bytes;
  }

  /** Returns the encoder to its initial state (new stream). */
  reset(): void {
    this.#low.reset();
    this.#high.reset();
    this.#older.reset();
    this.#newer.reset();
  }
}

/** G.722 64 kbit/s decoder; conceal() repeats the last frame fading to silence over ~3 frames. */
export class G722Decoder implements AudioDecoder {
  readonly codec = 'G722' as const;
  readonly sampleRate = G722_SAMPLE_RATE;
  readonly #low = new G722Band('low');
  readonly #high = new G722Band('high');
  /** Receive QMF inputs: rL − rH (even taps, first output) and rL + rH (odd taps, second output). */
  readonly #difference = new DelayLine();
  readonly #sum = new DelayLine();
  readonly #plc = new FadeConcealer(320);

  /**
   * Decodes `payload` (one byte per sample pair) into `2 × payload.length` samples of `out`;
   * returns the sample count. Throws RangeError when `out` is too small.
   */
  decode(payload: Uint8Array, out: Int16Array): number {
    const bytes = payload.length;
    const samples = bytes * 2;
    if (samples > out.length) throw new RangeError(`G.722 decode: out holds ${out.length} samples, ${samples} needed`);
    const low = this.#low;
    const high = this.#high;
    const difference = this.#difference;
    const sum = this.#sum;
    for (let k = 0, j = 0; k < bytes; k++) {
      const code = payload[k]!;
      const rlow = decodeLow(low, code & 0x3f);
      const rhigh = decodeHigh(high, code >> 6);

      // Receive QMF: DC gain 4096, less one bit for the 15-bit sub-band signals.
      difference.push(rlow - rhigh);
      sum.push(rlow + rhigh);
      out[j++] = sat16(difference.dot(H_EVEN) >> 11);
      out[j++] = sat16(sum.dot(H_ODD) >> 11);
    }
    this.#plc.remember(out, samples);
    return samples;
  }

  conceal(out: Int16Array, samples: number): number {
    return this.#plc.conceal(out, samples);
  }

  /** Returns the decoder to its initial state (new stream). */
  reset(): void {
    this.#low.reset();
    this.#high.reset();
    this.#difference.reset();
    this.#sum.reset();
    this.#plc.reset();
  }
}
