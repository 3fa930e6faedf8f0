/**
 * Bearer auth for the bot API (`/v1/*`, `/ws/*`): `Authorization: Bearer <auth.api_key>`.
 * The presented token and the key are compared as SHA-256 digests with `timingSafeEqual`, so
 * neither the key's bytes nor its length leak through timing. Failure → 401 `{"message": …}` with
 * `WWW-Authenticate: Bearer`. On success `c.get('principal')` names the caller for the rate limiter.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { ApiError } from '../errors/api-error.ts';

export type AuthEnv = { Variables: { principal?: string } };

export interface BearerAuthOptions {
  /** The API key (`auth.api_key`). Required; without a key, don't mount this middleware. */
  apiKey: string;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** True when `presented` equals `expected`, compared in constant time over equal-length digests. */
export function tokensEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

export function bearerAuth({ apiKey }: BearerAuthOptions) {
  // The principal is a digest prefix: stable per key, never the key itself (it ends up in logs).
  const principal = `key:${digest(apiKey).toString('hex').slice(0, 12)}`;
  const challenge = { 'WWW-Authenticate': 'Bearer' };
  return createMiddleware<AuthEnv>(async (c, next) => {
    const header = c.req.header('Authorization');
    if (!header) throw new ApiError(401, 'Missing Authorization header', { headers: challenge });
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!m || !tokensEqual(m[1]!, apiKey)) throw new ApiError(401, 'Invalid API key', { headers: challenge });
    c.set('principal', principal);
    await next();
  });
}
