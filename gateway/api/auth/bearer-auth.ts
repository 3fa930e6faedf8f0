/**
 * Bearer auth for the bot API (`/v1/*`, `/ws/*`): `Authorization: Bearer <auth.api_key>`.
 * The presented token and the key are compared as SHA-256 digests with `timingSafeEqual`, so
 * neither the key's bytes nor its length leak through timing. Failure → 401 `{"message": …}` with
 * `WWW-Authenticate: Bearer`. On success `c.get('principal')` names the caller for the rate limiter.
 * `bearerFailure` and `principalOf` are the same check for callers outside Hono (WebSocket upgrades).
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

/** The rate-limit key of a caller holding `apiKey`: a digest prefix, stable per key, never the key itself (it ends up in logs). */
export function principalOf(apiKey: string): string {
  return `key:${digest(apiKey).toString('hex').slice(0, 12)}`;
}

/** Why an `Authorization` header value does not carry `apiKey` (the 401 message), or undefined when it does. */
export function bearerFailure(header: string | undefined, apiKey: string): string | undefined {
  if (!header) return 'Missing Authorization header';
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!m || !tokensEqual(m[1]!, apiKey)) return 'Invalid API key';
  return undefined;
}

export function bearerAuth({ apiKey }: BearerAuthOptions) {
  const principal = principalOf(apiKey);
  const challenge = { 'WWW-Authenticate': 'Bearer' };
  return createMiddleware<AuthEnv>(async (c, next) => {
    const failure = bearerFailure(c.req.header('Authorization'), apiKey);
    if (failure) throw new ApiError(401, failure, { headers: challenge });
    c.set('principal', principal);
    await next();
  });
}
