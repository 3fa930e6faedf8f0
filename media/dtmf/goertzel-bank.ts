/**
 * A bank of Goertzel filters run over fixed-size blocks of a PCM16 stream: after each block it
 * holds, per frequency, the tone power and the complex DFT value, plus the block's mean power.
 * Frames of any size are fed in; blocks are cut by sample count, not by frame boundaries.
 * The DTMF detector's front end; no allocation per sample or block.
 */

export class GoertzelBank {
  /** Samples per analysis block. */
  readonly blockSize: number;
  /**
   * After a block completes: power of the component at each frequency, in sample units squared
   * as A²/2 for a tone A·sin(ωn + φ) (the same scale as `meanPower`).
   */
  readonly power: Float64Array;
  /** After a block completes: DFT value Σ x[n]·e^{jω(N−1−n)} at each frequency (re, im). */
  readonly re: Float64Array;
  readonly im: Float64Array;
  /** After a block completes: Σx²/N of that block. */
  meanPower = 0;
  /** True when the last `feed` completed a block (results above are fresh). */
  blockReady = false;

  readonly #coef: Float64Array;
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;
  readonly #s1: Float64Array;
  readonly #s2: Float64Array;
  #energy = 0;
  #fill = 0;

  constructor(frequencies: readonly number[], sampleRate: number, blockSize: number) {
    if (!Number.isInteger(blockSize) || blockSize < 2) throw new RangeError(`blockSize ${blockSize} must be an integer >= 2`);
    const k = frequencies.length;
    this.blockSize = blockSize;
    this.power = new Float64Array(k);
    this.re = new Float64Array(k);
    this.im = new Float64Array(k);
    this.#coef = new Float64Array(k);
    this.#cos = new Float64Array(k);
    this.#sin = new Float64Array(k);
    this.#s1 = new Float64Array(k);
    this.#s2 = new Float64Array(k);
    frequencies.forEach((f, i) => {
      const w = (2 * Math.PI * f) / sampleRate;
      this.#cos[i] = Math.cos(w);
      this.#sin[i] = Math.sin(w);
      this.#coef[i] = 2 * Math.cos(w);
    });
  }

  /** Samples already in the block being filled. */
  get fill(): number {
    return this.#fill;
  }

  /**
   * Run `frame[start..]` through the filters until the current block is full or the frame ends;
   * returns the index of the first sample not consumed. `blockReady` says whether a block completed.
   */
  feed(frame: Int16Array, start: number): number {
    this.blockReady = false;
    const coef = this.#coef;
    const s1 = this.#s1;
    const s2 = this.#s2;
    const k = coef.length;
    const stop = Math.min(frame.length, start + (this.blockSize - this.#fill));
    // Filter by filter over the chunk: the recurrence state stays in registers.
    for (let j = 0; j < k; j++) {
      const c = coef[j]!;
      let a = s1[j]!;
      let b = s2[j]!;
      for (let i = start; i < stop; i++) {
        const s0 = frame[i]! + c * a - b;
        b = a;
        a = s0;
      }
      s1[j] = a;
      s2[j] = b;
    }
    let energy = this.#energy;
    for (let i = start; i < stop; i++) energy += frame[i]! * frame[i]!;
    this.#energy = energy;
    this.#fill += stop - start;
    if (this.#fill === this.blockSize) this.#complete();
    return stop;
  }

  #complete(): void {
    const n = this.blockSize;
    const scale = 2 / (n * n); // |X|² of a tone A is (A·N/2)²; report A²/2
    for (let j = 0; j < this.#coef.length; j++) {
      const a = this.#s1[j]!;
      const b = this.#s2[j]!;
      // y[N−1] = s1 − e^{−jω}·s2
      const re = a - this.#cos[j]! * b;
      const im = this.#sin[j]! * b;
      this.re[j] = re;
      this.im[j] = im;
      this.power[j] = (re * re + im * im) * scale;
      this.#s1[j] = 0;
      this.#s2[j] = 0;
    }
    this.meanPower = this.#energy / n;
    this.#energy = 0;
    this.#fill = 0;
    this.blockReady = true;
  }
}
