/**
 * PayloadViews: views of the first n bytes of one output buffer, made once per length and then
 * reused, so handing an encoded frame of variable size (Opus VBR) to `sendRtp` allocates nothing
 * in steady state.
 */
export class PayloadViews {
  readonly buffer: Uint8Array;
  readonly #views: (Uint8Array | undefined)[];

  constructor(size = 1500) {
    this.buffer = new Uint8Array(size);
    this.#views = new Array<Uint8Array | undefined>(size + 1).fill(undefined);
  }

  /** The first `length` bytes of `buffer`. */
  view(length: number): Uint8Array {
    let v = this.#views[length];
    if (v === undefined) {
      v = this.buffer.subarray(0, length);
      this.#views[length] = v;
    }
    return v;
  }
}
