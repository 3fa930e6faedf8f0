/**
 * The Digest computation itself (RFC 2617 §3.2.2, RFC 7616 §3.4, RFC 8760): the algorithm names,
 * their hash functions, HA1 / HA2 / response. No header syntax and no state here — both the
 * challenger (UAS) and the client (UAC) build on these functions.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Digest algorithms we implement, as spelled on the wire (matched case-insensitively). */
export type DigestAlgorithm =
  | 'MD5'
  | 'MD5-sess'
  | 'SHA-256'
  | 'SHA-256-sess'
  | 'SHA-512-256'
  | 'SHA-512-256-sess';

/** The hash function behind an algorithm; an HA1 stored for one family is useless for another. */
export type DigestHash = 'MD5' | 'SHA-256' | 'SHA-512-256';

/** The qop values we compute; `undefined` is the RFC 2069 form (no cnonce, no nc). */
export type DigestQop = 'auth' | 'auth-int';

/** Every algorithm we know, strongest first. */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = [
  'SHA-512-256',
  'SHA-512-256-sess',
  'SHA-256',
  'SHA-256-sess',
  'MD5',
  'MD5-sess',
];

/** Node's names. SHA-512/256 is its own function (distinct IV), not a truncated SHA-512. */
const NODE_HASH: Record<DigestHash, string> = {
  MD5: 'md5',
  'SHA-256': 'sha256',
  'SHA-512-256': 'sha512-256',
};

const BY_LOWER = new Map(DIGEST_ALGORITHMS.map((a) => [a.toLowerCase(), a]));

/**
 * The algorithm named by an `algorithm=` token: absent means MD5 (RFC 2617 §3.2.1); an unknown
 * token gives `undefined` (that challenge must be ignored).
 */
export function toDigestAlgorithm(token: string | undefined): DigestAlgorithm | undefined {
  if (token === undefined || token === '') return 'MD5';
  return BY_LOWER.get(token.toLowerCase());
}

/** The hash family of an algorithm ('SHA-256-sess' → 'SHA-256'). */
export function digestHash(algorithm: DigestAlgorithm): DigestHash {
  return algorithm.replace(/-sess$/, '') as DigestHash;
}

/** Whether HA1 is re-keyed with nonce and cnonce (the `-sess` variants). */
export function isSessionAlgorithm(algorithm: DigestAlgorithm): boolean {
  return algorithm.endsWith('-sess');
}

/** Higher is stronger; used by the client to choose among several challenges. */
export function algorithmStrength(algorithm: DigestAlgorithm): number {
  return DIGEST_ALGORITHMS.length - DIGEST_ALGORITHMS.indexOf(algorithm);
}

/** Lower-case hex digest of `data` (strings are hashed as UTF-8). */
export function hashHex(hash: DigestHash, data: string | Uint8Array): string {
  return createHash(NODE_HASH[hash]).update(data).digest('hex');
}

/** The base HA1 = H(username:realm:password), before any `-sess` re-keying. */
export function computeHA1(
  hash: DigestHash,
  username: string,
  realm: string,
  password: string,
): string {
  return hashHex(hash, `${username}:${realm}:${password}`);
}

/** nc as sent on the wire: exactly 8 lower-case hex digits. */
export function formatNonceCount(nc: number): string {
  return nc.toString(16).padStart(8, '0');
}

/** Everything the response depends on. */
export interface DigestResponseInput {
  algorithm: DigestAlgorithm;
  /** Base HA1 (`computeHA1` or a stored one for the algorithm's hash family). */
  ha1: string;
  nonce: string;
  method: string;
  /** The `uri` parameter exactly as sent. */
  uri: string;
  /** Omitted for RFC 2069 clients; then cnonce and nc are unused (unless `-sess`). */
  qop?: DigestQop;
  cnonce?: string;
  nc?: number;
  /** Message body, for qop=auth-int only. Default: empty. */
  body?: string | Uint8Array;
}

/** The `response` value: KD(HA1, nonce:nc:cnonce:qop:HA2), or KD(HA1, nonce:HA2) without qop. */
export function computeDigestResponse(input: DigestResponseInput): string {
  const hash = digestHash(input.algorithm);
  let ha1 = input.ha1.toLowerCase();
  if (isSessionAlgorithm(input.algorithm)) {
    ha1 = hashHex(hash, `${ha1}:${input.nonce}:${input.cnonce ?? ''}`);
  }
  const a2 =
    input.qop === 'auth-int'
      ? `${input.method}:${input.uri}:${hashHex(hash, input.body ?? '')}`
      : `${input.method}:${input.uri}`;
  const ha2 = hashHex(hash, a2);
  if (input.qop === undefined) return hashHex(hash, `${ha1}:${input.nonce}:${ha2}`);
  const nc = formatNonceCount(input.nc ?? 1);
  return hashHex(hash, `${ha1}:${input.nonce}:${nc}:${input.cnonce ?? ''}:${input.qop}:${ha2}`);
}

/** Constant-time comparison of two hex digests (case-insensitive). */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}
