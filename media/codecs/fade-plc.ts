/**
 * Repeat-and-fade packet-loss concealment for codecs without a native PLC (G.711, G.722, L16):
 * a lost frame is replaced by the last good frame played again, faded linearly to silence over
 * about three frames, then silence. Good enough to bridge a single lost packet without a click
 * storm; a real pitch-based PLC (G.711 Appendix I) can replace it behind the same two calls.
 *
 * Used by the decoders: `remember()` after every good frame, `conceal()` for every missing one.
 * Allocates only when a frame longer than any seen before arrives.
 */

/** Frames over which the repeated audio fades from full level to silence. */
export const PLC_FADE_FRAMES = 3;

export class FadeConcealer {
  /** Copy of the last good frame (first `#length` samples valid). */
  #last: Int16Array;
  #length = 0;
  /** Read position inside the last frame for the next concealed sample. */
  #pos = 0;
  /** Concealed samples produced since the last good frame. */
  #faded = 0;

  /** @param capacity initial history size in samples (grows on demand). Default 960 (20 ms at 48 kHz). */
  constructor(capacity = 960) {
    this.#last = new Int16Array(capacity);
  }

  /** Records a good frame: `pcm[0..length)` becomes the frame to repeat; resets the fade. */
  remember(pcm: Int16Array, length = pcm.length): void {
    if (length <= 0) return;
    if (length > this.#last.length) this.#last = new Int16Array(length);
    this.#last.set(length === pcm.length ? pcm : pcm.subarray(0, length));
    this.#length = length;
    this.#pos = 0;
    this.#faded = 0;
  }

  /**
   * Writes `samples` concealment samples into `out`; returns `samples`. Consecutive calls continue
   * the same fade; with no good frame yet (or after the fade) the output is silence.
   * Throws RangeError when `out` is shorter than `samples`.
   */
  conceal(out: Int16Array, samples: number): number {
    if (samples > out.length) {
      throw new RangeError(`conceal: out holds ${out.length} samples, ${samples} requested`);
    }
    const n = this.#length;
    const fadeLength = n * PLC_FADE_FRAMES;
    let i = 0;
    if (n > 0) {
      const last = this.#last;
      let pos = this.#pos;
      let faded = this.#faded;
      for (; i < samples && faded < fadeLength; i++, faded++) {
        out[i] = Math.round((last[pos]! * (fadeLength - faded)) / fadeLength);
        if (++pos === n) pos = 0;
      }
      this.#pos = pos;
      this.#faded = faded;
    }
    out.fill(0, i, samples);
    return samples;
  }

  /** Forgets the history (e.g. on a new RTP stream / SSRC change). */
  reset(): void {
    this.#length = 0;
    this.#pos = 0;
    this.#faded = 0;
  }
}
