/**
 * The playout-delay estimate behind the jitter buffer: how late packets arrive compared with the
 * fastest recent one, and so how much delay playout needs.
 *
 * Each packet's transit is `arrival − media time` (the media time counts from the stream's first
 * packet, so transit includes an unknown constant offset; only differences matter). The base
 * transit B is the minimum over a sliding window (four buckets), so it follows clock drift: down
 * at once when the sender runs fast, up within one window when it runs slow. A packet's deviation
 * `transit − B` is how much later than the fastest recent packet it came. The target delay is
 * the peak deviation, decaying exponentially with a half-life, plus a small safety margin (the
 * decayed peak sits a little under the largest deviations that keep coming), clamped to
 * [min, max]: one spike raises the target at once and it relaxes back over a few half-lives.
 * It starts at the initial delay and decays from there. Allocation-free.
 */

const BUCKETS = 4;

export interface PlayoutDelayOptions {
  /** Lowest target delay (ms). */
  minDelayMs: number;
  /** Highest target delay (ms). */
  maxDelayMs: number;
  /** Target before any deviation has been seen; decays like a peak (ms). */
  initialDelayMs: number;
  /** Half-life of the peak deviation (ms). */
  halfLifeMs: number;
  /** Span of the sliding minimum that defines the base transit (ms). */
  windowMs: number;
  /** Added to the decayed peak before clamping (ms). */
  marginMs: number;
}

export class PlayoutDelayEstimator {
  readonly #opts: PlayoutDelayOptions;
  readonly #bucketMs: number;
  readonly #bucketId = new Float64Array(BUCKETS);
  readonly #bucketMin = new Float64Array(BUCKETS);
  #base = 0;
  #haveBase = false;
  #peak = 0;
  #peakAt = 0;
  #peakArmed = false;

  constructor(opts: PlayoutDelayOptions) {
    if (!(opts.minDelayMs >= 0 && opts.maxDelayMs >= opts.minDelayMs)) throw new RangeError('need 0 <= minDelayMs <= maxDelayMs');
    if (!(opts.halfLifeMs > 0 && opts.windowMs > 0)) throw new RangeError('halfLifeMs and windowMs must be positive');
    this.#opts = opts;
    this.#bucketMs = opts.windowMs / BUCKETS;
    this.resetTransit();
    this.resetPeak();
  }

  /** Base transit B (ms): the smallest transit in the window; 0 before any packet. */
  get baseTransitMs(): number {
    return this.#base;
  }

  /**
   * Account for one packet's transit (ms) seen at `arrivalMs`; returns its deviation from the
   * base (≥ 0) after the base has taken this packet into account.
   */
  observe(transitMs: number, arrivalMs: number): number {
    const id = Math.floor(arrivalMs / this.#bucketMs);
    const slot = ((id % BUCKETS) + BUCKETS) % BUCKETS;
    if (this.#bucketId[slot] !== id) {
      this.#bucketId[slot] = id;
      this.#bucketMin[slot] = transitMs;
    } else if (transitMs < this.#bucketMin[slot]!) {
      this.#bucketMin[slot] = transitMs;
    }
    let base = Infinity;
    for (let i = 0; i < BUCKETS; i++) {
      const bid = this.#bucketId[i]!;
      if (bid <= id && bid > id - BUCKETS && this.#bucketMin[i]! < base) base = this.#bucketMin[i]!;
    }
    this.#base = base;
    this.#haveBase = true;
    const dev = transitMs - base;
    if (!this.#peakArmed) {
      // The initial delay starts decaying from the first packet.
      this.#peakArmed = true;
      this.#peakAt = arrivalMs;
    }
    if (dev > this.peakAt(arrivalMs)) {
      this.#peak = dev;
      this.#peakAt = arrivalMs;
    }
    return dev;
  }

  /** The decayed peak deviation at `nowMs` (ms). */
  peakAt(nowMs: number): number {
    const dt = nowMs - this.#peakAt;
    if (!this.#peakArmed || dt <= 0) return this.#peak;
    return this.#peak * Math.pow(2, -dt / this.#opts.halfLifeMs);
  }

  /** Target playout delay at `nowMs` (ms), within [minDelayMs, maxDelayMs]. */
  targetMs(nowMs: number): number {
    const p = this.peakAt(nowMs) + this.#opts.marginMs;
    const { minDelayMs, maxDelayMs } = this.#opts;
    return p < minDelayMs ? minDelayMs : p > maxDelayMs ? maxDelayMs : p;
  }

  /** True once a packet has been observed since the last `resetTransit`. */
  get hasBase(): boolean {
    return this.#haveBase;
  }

  /** Forget the base transit (the media-time origin changed). */
  resetTransit(): void {
    this.#bucketId.fill(-Infinity);
    this.#bucketMin.fill(Infinity);
    this.#base = 0;
    this.#haveBase = false;
  }

  /** Forget the peak: back to the initial delay, decaying from the next packet. */
  resetPeak(): void {
    this.#peak = Math.max(0, this.#opts.initialDelayMs - this.#opts.marginMs);
    this.#peakAt = 0;
    this.#peakArmed = false;
  }
}
