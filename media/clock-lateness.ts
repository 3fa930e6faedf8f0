/**
 * Lateness bookkeeping for the media clock: how far behind its target time each tick ran. Keeps
 * the last value, the maximum, a window of recent values for p50/p99 and a fixed-bucket histogram.
 * Recording allocates nothing; reading a snapshot sorts a copy of the window (operator path).
 */

/** Upper bounds (ms, inclusive) of the histogram buckets; the last one catches everything. */
export const LATENESS_BUCKETS_MS: readonly number[] = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, Infinity];

export interface LatenessSnapshot {
  /** Ticks recorded. */
  count: number;
  /** Lateness of the most recent tick (ms). */
  lastMs: number;
  /** Largest lateness ever recorded (ms). */
  maxMs: number;
  /** Median over the window (ms). */
  p50Ms: number;
  /** 99th percentile over the window (ms). */
  p99Ms: number;
  /** How many ticks fell in each bucket, `leMs` being the bucket's upper bound. */
  histogram: Array<{ leMs: number; count: number }>;
}

export class LatenessTracker {
  readonly #window: Float64Array;
  readonly #buckets = new Float64Array(LATENESS_BUCKETS_MS.length);
  #count = 0;
  #last = 0;
  #max = 0;

  /** `window`: how many recent ticks the percentiles cover. */
  constructor(window = 500) {
    if (!(window >= 1)) throw new RangeError('window must be >= 1');
    this.#window = new Float64Array(Math.floor(window));
  }

  record(lateMs: number): void {
    this.#window[this.#count % this.#window.length] = lateMs;
    this.#count++;
    this.#last = lateMs;
    if (lateMs > this.#max) this.#max = lateMs;
    let b = 0;
    while (lateMs > LATENESS_BUCKETS_MS[b]!) b++;
    this.#buckets[b]!++;
  }

  snapshot(): LatenessSnapshot {
    const n = Math.min(this.#count, this.#window.length);
    const sorted = this.#window.slice(0, n).sort();
    const pick = (q: number): number => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!);
    return {
      count: this.#count,
      lastMs: this.#last,
      maxMs: this.#max,
      p50Ms: pick(0.5),
      p99Ms: pick(0.99),
      histogram: LATENESS_BUCKETS_MS.map((leMs, i) => ({ leMs, count: this.#buckets[i]! })),
    };
  }

  reset(): void {
    this.#window.fill(0);
    this.#buckets.fill(0);
    this.#count = 0;
    this.#last = 0;
    this.#max = 0;
  }
}
