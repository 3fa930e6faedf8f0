/**
 * Rate limit for the bot API: one token bucket per caller — the authenticated principal (set by
 * bearerAuth) or, without auth, the client IP — refilled at `rate_limit.requests_per_second` with a
 * burst of one second's worth (RateLimiter). An empty bucket → 429 `{"message": "Too many requests"}`
 * with Retry-After (whole seconds, at least 1), counted in patchbay_rate_limit_rejections_total.
 * Pass `{ limiter }` to share buckets with another entry point (the `/ws/*` upgrades).
 */
import { createMiddleware } from 'hono/factory';
import { ApiError } from '../errors/api-error.ts';
import type { AuthEnv } from '../auth/bearer-auth.ts';
import { RateLimiter, type RateLimitOptions } from './rate-limiter.ts';
import { clientAddress } from './client-address.ts';

export type { RateLimitOptions } from './rate-limiter.ts';

export function rateLimit(options: RateLimitOptions | { limiter: RateLimiter }) {
  const limiter = 'limiter' in options ? options.limiter : new RateLimiter(options);
  return createMiddleware<AuthEnv>(async (c, next) => {
    const decision = limiter.take(c.get('principal') ?? `ip:${clientAddress(c)}`);
    if (!decision.ok) {
      throw new ApiError(429, 'Too many requests', { headers: { 'Retry-After': String(decision.retryAfterSeconds) } });
    }
    await next();
  });
}
