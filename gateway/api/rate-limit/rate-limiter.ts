/**
 * RateLimiter: one token bucket per caller key, refilled at `requestsPerSecond` with a burst of one
 * second's worth; idle (full) buckets are swept once `maxBuckets` is reached. Rejections are
 * counted. Shared by the Hono middleware (rate-limit.ts) and the `/ws/*` upgrade handler, so one
 * instance can limit both.
 */
import type { Counter } from 'prom-client';
import { TokenBucket } from './token-bucket.ts';

export interface RateLimitOptions {
  /** Sustained requests per second per caller (`rate_limit.requests_per_second`). Required. */
  requestsPerSecond: number;
  /** Counter of rejections (patchbay_rate_limit_rejections_total). Default: none. */
  rejections?: Counter<string>;
  /** Clock in milliseconds. Default: `performance.now`. */
  now?: () => number;
  /** Buckets kept before full (idle) ones are swept. Default: 10 000. */
  maxBuckets?: number;
}

/** Allowed, or refused with the Retry-After to send (whole seconds, at least 1). */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #rejections: Counter<string> | undefined;
  readonly #now: () => number;
  readonly #maxBuckets: number;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor({ requestsPerSecond, rejections, now = () => performance.now(), maxBuckets = 10_000 }: RateLimitOptions) {
    this.#rate = requestsPerSecond;
    this.#burst = Math.max(1, requestsPerSecond);
    this.#rejections = rejections;
    this.#now = now;
    this.#maxBuckets = maxBuckets;
  }

  /** Spends one request of `key`'s bucket (a principal, or `ip:<address>`). */
  take(key: string): RateDecision {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.#maxBuckets) this.#sweep();
      bucket = new TokenBucket(this.#rate, this.#burst, this.#now);
      this.#buckets.set(key, bucket);
    }
    const take = bucket.take();
    if (take.ok) return take;
    this.#rejections?.inc();
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(take.retryAfterMs / 1000)) };
  }

  #sweep(): void {
    for (const [key, bucket] of this.#buckets) if (bucket.isFull()) this.#buckets.delete(key);
  }
}
