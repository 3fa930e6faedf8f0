/**
 * A token bucket: `rate` tokens per second, holding at most `burst`. `take()` spends one token
 * when there is one; otherwise it says how long until one will be there. Time comes from `now()`
 * (milliseconds), so tests drive it without waiting.
 */
export type Take = { ok: true } | { ok: false; retryAfterMs: number };

export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    private readonly now: () => number,
  ) {
    this.#tokens = burst;
    this.#last = now();
  }

  take(): Take {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: ((1 - this.#tokens) / this.rate) * 1000 };
  }

  /** True when the bucket is back to full, i.e. forgetting it changes nothing. */
  isFull(): boolean {
    this.#refill();
    return this.#tokens >= this.burst;
  }

  #refill(): void {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#last) / 1000) * this.rate);
    this.#last = t;
  }
}
