/**
 * Replay protection (RFC 3711 §3.3.2): a sliding window of packet indices already authenticated.
 * An index above the highest seen is new; within `size` below it, new unless its bit is set;
 * further below, too old. `check` only looks; `commit` records, and is called after the packet
 * authenticated (a forged packet must not move the window). Bits live in a ring indexed by
 * index mod size, cleared as the window slides, so nothing is shifted or allocated per packet.
 */

export type ReplayVerdict = 'new' | 'replayed' | 'too-old';

export class ReplayWindow {
  readonly #size: number;
  readonly #bits: Uint32Array;
  #highest = -1;

  /** `size`: window width in packets, rounded up to a multiple of 32 (default 128, libsrtp's). */
  constructor(size = 128) {
    if (!(size >= 1)) throw new RangeError('replay window size must be >= 1');
    this.#size = Math.ceil(size / 32) * 32;
    this.#bits = new Uint32Array(this.#size / 32);
  }

  get size(): number {
    return this.#size;
  }

  /** Highest index committed, or -1. */
  get highest(): number {
    return this.#highest;
  }

  check(index: number): ReplayVerdict {
    if (index < 0) return 'too-old';
    const highest = this.#highest;
    if (index > highest) return 'new';
    if (highest - index >= this.#size) return 'too-old';
    const bit = index % this.#size;
    return (this.#bits[bit >>> 5]! & (1 << (bit & 31))) !== 0 ? 'replayed' : 'new';
  }

  commit(index: number): void {
    if (index < 0) return;
    const size = this.#size;
    const highest = this.#highest;
    if (index > highest) {
      if (highest < 0 || index - highest >= size) {
        this.#bits.fill(0);
      } else {
        for (let i = highest + 1; i < index; i++) {
          const bit = i % size;
          this.#bits[bit >>> 5]! &= ~(1 << (bit & 31));
        }
      }
      this.#highest = index;
    } else if (highest - index >= size) {
      return;
    }
    const bit = index % size;
    this.#bits[bit >>> 5]! |= 1 << (bit & 31);
  }

  reset(): void {
    this.#highest = -1;
    this.#bits.fill(0);
  }
}
