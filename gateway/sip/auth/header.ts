/**
 * Typed Digest headers on top of the message layer's auth syntax (`parseAuthChallenge`,
 * `parseAuthorization`, and their formatters): WWW-Authenticate / Proxy-Authenticate challenges and
 * Authorization / Proxy-Authorization credentials (RFC 3261 §25.1, RFC 7616 §3.3–3.4). This is the
 * one place in auth/ that turns header values into Digest fields and back; values that do not
 * parse, or lack a required field, come back as `undefined` / are skipped, never thrown.
 */
import {
  formatAuthChallenge,
  formatAuthorization,
  parseAuthChallenge,
  parseAuthorization,
  type SipAuthValue,
} from '../message/index.ts';

/** A Digest challenge as received or to be sent. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** Token as sent; absent means MD5. */
  algorithm?: string;
  /** qop-options, lower-cased; absent for RFC 2069 servers. */
  qop?: string[];
  opaque?: string;
  stale?: boolean;
  domain?: string;
}

/** Digest credentials as received or to be sent. */
export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  cnonce?: string;
  opaque?: string;
  /** The chosen qop (one value), lower-cased. */
  qop?: string;
  /** Nonce count (sent as 8 hex digits). */
  nc?: number;
}

/** The Digest parameters of a value, or `undefined` if it does not parse or is another scheme. */
function digestParams(value: string, parse: (v: string) => SipAuthValue): Record<string, string> | undefined {
  let parsed: SipAuthValue;
  try {
    parsed = parse(value);
  } catch {
    return undefined;
  }
  return parsed.scheme.toLowerCase() === 'digest' && parsed.token68 === undefined ? parsed.params : undefined;
}

/** The challenge in a WWW-Authenticate / Proxy-Authenticate value, if it is a usable Digest one. */
export function parseDigestChallenge(value: string): DigestChallenge | undefined {
  const p = digestParams(value, parseAuthChallenge);
  if (!p || p.realm === undefined || p.nonce === undefined) return undefined;
  const c: DigestChallenge = { realm: p.realm, nonce: p.nonce };
  if (p.algorithm !== undefined) c.algorithm = p.algorithm;
  if (p.qop !== undefined) {
    c.qop = p.qop
      .split(',')
      .map((q) => q.trim().toLowerCase())
      .filter((q) => q !== '');
  }
  if (p.opaque !== undefined) c.opaque = p.opaque;
  if (p.stale !== undefined) c.stale = p.stale.toLowerCase() === 'true';
  if (p.domain !== undefined) c.domain = p.domain;
  return c;
}

/** A challenge header value: `Digest realm="…", nonce="…", algorithm=…, qop="auth", …`. */
export function formatDigestChallenge(c: DigestChallenge): string {
  const params: Record<string, string> = { realm: c.realm };
  if (c.domain !== undefined) params.domain = c.domain;
  params.nonce = c.nonce;
  if (c.opaque !== undefined) params.opaque = c.opaque;
  if (c.stale !== undefined) params.stale = c.stale ? 'true' : 'false';
  if (c.algorithm !== undefined) params.algorithm = c.algorithm;
  if (c.qop !== undefined && c.qop.length > 0) params.qop = c.qop.join(',');
  return formatAuthChallenge({ scheme: 'Digest', params });
}

/**
 * The Digest credentials in an Authorization / Proxy-Authorization value, or `undefined` when it
 * does not parse, is another scheme, lacks username / realm / nonce / uri / response, or has an
 * nc that is not 1–8 hex digits.
 */
export function parseDigestCredentials(value: string): DigestCredentials | undefined {
  const p = digestParams(value, parseAuthorization);
  if (
    !p ||
    p.username === undefined ||
    p.realm === undefined ||
    p.nonce === undefined ||
    p.uri === undefined ||
    p.response === undefined
  ) {
    return undefined;
  }
  const c: DigestCredentials = {
    username: p.username,
    realm: p.realm,
    nonce: p.nonce,
    uri: p.uri,
    response: p.response,
  };
  if (p.algorithm !== undefined) c.algorithm = p.algorithm;
  if (p.cnonce !== undefined) c.cnonce = p.cnonce;
  if (p.opaque !== undefined) c.opaque = p.opaque;
  if (p.qop !== undefined) c.qop = p.qop.toLowerCase();
  if (p.nc !== undefined) {
    if (!/^[0-9a-fA-F]{1,8}$/.test(p.nc)) return undefined;
    c.nc = parseInt(p.nc, 16);
  }
  return c;
}

/**
 * A credentials header value in RFC 3261's order; algorithm, qop and nc are tokens (never
 * quoted, RFC 7616 §3.4), everything else a quoted-string.
 */
export function formatDigestCredentials(c: DigestCredentials): string {
  const params: Record<string, string> = {
    username: c.username,
    realm: c.realm,
    nonce: c.nonce,
    uri: c.uri,
    response: c.response,
  };
  if (c.algorithm !== undefined) params.algorithm = c.algorithm;
  if (c.cnonce !== undefined) params.cnonce = c.cnonce;
  if (c.opaque !== undefined) params.opaque = c.opaque;
  if (c.qop !== undefined) params.qop = c.qop;
  if (c.nc !== undefined) params.nc = c.nc.toString(16).padStart(8, '0');
  return formatAuthorization({ scheme: 'Digest', params });
}
