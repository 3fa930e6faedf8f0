/**
 * Rate limit for the bot API: one token bucket per caller — the authenticated principal (set by
 * bearerAuth) or, without auth, the client IP — refilled at `rate_limit.requests_per_second` with a
 * burst of one second's worth. An empty bucket → 429 `{"message": "Too many requests"}` with
 * Retry-After (whole seconds, at least 1), counted in patchbay_rate_limit_rejections_total.
 */
import { createMiddleware } from 'hono/factory';
import type { Counter } from 'prom-client';
import { ApiError } from '../errors/api-error.ts';
import type { AuthEnv } from '../auth/bearer-auth.ts';
import { TokenBucket } from './token-bucket.ts';
import { clientAddress } from './client-address.ts';

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

export function rateLimit({ requestsPerSecond: rate, rejections, now = () => performance.now(), maxBuckets = 10_000 }: RateLimitOptions) {
  const burst = Math.max(1, rate);
  const buckets = new Map<string, TokenBucket>();
  const sweep = () => {
    for (const [key, bucket] of buckets) if (bucket.isFull()) buckets.delete(key);
  };
  return createMiddleware<AuthEnv>(async (c, next) => {
    const key = c.get('principal') ?? `ip:${clientAddress(c)}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      if (buckets.size >= maxBuckets) sweep();
      bucket = new TokenBucket(rate, burst, now);
      buckets.set(key, bucket);
    }
    const take = bucket.take();
    if (!take.ok) {
      rejections?.inc();
      const seconds = Math.max(1, Math.ceil(take.retryAfterMs / 1000));
      throw new ApiError(429, 'Too many requests', { headers: { 'Retry-After': String(seconds) } });
    }
    await next();
  });
}
