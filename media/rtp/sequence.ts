/**
 * Unwrapping RTP's modular counters into plain numbers: the 16-bit sequence number and the 32-bit
 * timestamp become monotonic "extended" values, judged against the highest value seen so far (a
 * step of less than half the range either way is taken as the short way round, so reordering
 * across a wrap is handled). Extended values are JS numbers: integers stay exact to 2^53, i.e.
 * ~5,900 years of 48 kHz timestamps, so no bigint is needed. RFC 3550 A.1 receiver statistics
 * live in `./receiver-stats.ts`.
 */

/** Signed distance a → b for 16-bit sequence numbers, in −32768..32767. */
export function seqDelta(a: number, b: number): number {
  return (((b - a) & 0xffff) ^ 0x8000) - 0x8000;
}

/** True when sequence number `b` comes after `a` (modulo 2^16). */
export function isSeqNewer(b: number, a: number): boolean {
  return seqDelta(a, b) > 0;
}

/** Signed distance a → b for 32-bit timestamps, in −2^31..2^31−1. */
export function timestampDelta(a: number, b: number): number {
  return (b - a) | 0;
}

/**
 * 16-bit sequence number → extended sequence number. The first value maps to itself; a packet
 * older than the first may map below zero.
 */
export class SequenceUnwrapper {
  #highest = 0;
  #started = false;

  /** Extended value of `seq` (0–65535); advances the reference when `seq` is the newest yet. */
  unwrap(seq: number): number {
    if (!this.#started) {
      this.#started = true;
      this.#highest = seq & 0xffff;
      return this.#highest;
    }
    const ext = this.#highest + seqDelta(this.#highest, seq);
    if (ext > this.#highest) this.#highest = ext;
    return ext;
  }

  /** Extended value `seq` would get, without moving the reference (NaN before the first). */
  peek(seq: number): number {
    return this.#started ? this.#highest + seqDelta(this.#highest, seq) : NaN;
  }

  /** Highest extended value so far (NaN before the first). */
  get highest(): number {
    return this.#started ? this.#highest : NaN;
  }

  /** Forget everything; the next value maps to itself again. */
  reset(): void {
    this.#started = false;
    this.#highest = 0;
  }
}

/**
 * 32-bit RTP timestamp → extended timestamp (exact for millennia at 48 kHz). A jump of 2^31 or
 * more forward looks like a step backward: that is inherent to modular timestamps.
 */
export class TimestampUnwrapper {
  #highest = 0;
  #started = false;

  unwrap(ts: number): number {
    if (!this.#started) {
      this.#started = true;
      this.#highest = ts >>> 0;
      return this.#highest;
    }
    const ext = this.#highest + timestampDelta(this.#highest, ts);
    if (ext > this.#highest) this.#highest = ext;
    return ext;
  }

  peek(ts: number): number {
    return this.#started ? this.#highest + timestampDelta(this.#highest, ts) : NaN;
  }

  get highest(): number {
    return this.#started ? this.#highest : NaN;
  }

  reset(): void {
    this.#started = false;
    this.#highest = 0;
  }
}
