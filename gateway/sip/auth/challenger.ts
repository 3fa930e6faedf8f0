/**
 * UAS side of Digest: `DigestChallenger` builds 401/407 challenges (one header per algorithm, most
 * preferred first, RFC 8760 §2.4) and verifies the Authorization / Proxy-Authorization of a
 * request. Nonces are signed and time-stamped (nonce.ts), nonce-counts are tracked against replay
 * (nonce-counts.ts), passwords or stored HA1s come from an async lookup.
 */
import { randomBytes } from 'node:crypto';
import type { SipHeader, SipRequest } from '../message/types.ts';
import {
  computeDigestResponse,
  computeHA1,
  digestHash,
  digestsEqual,
  toDigestAlgorithm,
  type DigestAlgorithm,
  type DigestHash,
  type DigestQop,
} from './digest.ts';
import { formatDigestChallenge, parseDigestCredentials, type DigestCredentials } from './header.ts';
import { NonceCountTracker } from './nonce-counts.ts';
import { NonceIssuer } from './nonce.ts';

/**
 * What the lookup knows about a user: the password itself, or HA1 = H(user:realm:password)
 * stored per hash family (an MD5 HA1 cannot answer a SHA-256 response).
 */
export type DigestSecret = string | { ha1: Partial<Record<DigestHash, string>> };

/** Finds the secret of `username` in `realm`; `undefined` for an unknown user. */
export type DigestSecretLookup = (
  username: string,
  realm: string,
) => Promise<DigestSecret | undefined> | DigestSecret | undefined;

export interface DigestChallengerOptions {
  /** Our realm (typically the SIP domain). */
  realm: string;
  /** Password / HA1 lookup. */
  lookup: DigestSecretLookup;
  /** 'www' → 401 + WWW-Authenticate / Authorization (registrar, UAS); 'proxy' → 407 + Proxy-*. Default 'www'. */
  mode?: 'www' | 'proxy';
  /** Algorithms offered, most preferred first. Default ['SHA-256', 'MD5'] (RFC 8760). */
  algorithms?: DigestAlgorithm[];
  /** Nonce HMAC key. Share it between nodes that must accept each other's nonces. Default: 32 random bytes. */
  secret?: Uint8Array | string;
  /** How long a nonce is fresh, ms; later uses get stale=true. Default 300 000 (5 min). */
  nonceLifetimeMs?: number;
  /** Nonces tracked for nonce-count replay protection. Default 10 000. */
  maxTrackedNonces?: number;
  /** Also accept qop=auth-int (the request body is hashed). Challenges still offer qop="auth". Default true. */
  allowAuthInt?: boolean;
  /** Reject RFC 2069 responses (no qop) instead of accepting them within the nonce lifetime. Default false. */
  requireQop?: boolean;
  /** Opaque value sent in challenges and required back unchanged. Default: none. */
  opaque?: string;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** A 401/407 ready to send: status, reason phrase and the challenge headers. */
export interface DigestChallengeResponse {
  status: 401 | 407;
  reason: 'Unauthorized' | 'Proxy Authentication Required';
  headers: SipHeader[];
}

/** Why a request was not accepted. */
export type DigestRejectReason =
  /** No credentials for our realm: the normal first request. */
  | 'missing'
  /** Credentials that do not parse, or qop without cnonce/nc, or an unknown qop. */
  | 'malformed'
  /** An algorithm we did not offer (or have no HA1 for). */
  | 'algorithm'
  /** A nonce we did not issue (tampered, other realm, other secret) or a wrong opaque. */
  | 'bad-nonce'
  /** Our nonce, right digest, but past its lifetime (or forgotten by the replay tracker). */
  | 'stale'
  /** A nonce-count not above the last one seen for that nonce. */
  | 'replay'
  /** RFC 2069 response while `requireQop` is set. */
  | 'qop-required'
  /** The `uri` parameter is not the Request-URI. */
  | 'uri-mismatch'
  | 'unknown-user'
  | 'wrong-password';

/** The verdict on a request. */
export type DigestVerdict =
  | { kind: 'ok'; username: string; realm: string; algorithm: DigestAlgorithm }
  /** Send `response` (401/407); `stale` tells the client to retry without asking the user. */
  | {
      kind: 'challenge';
      stale: boolean;
      reason: DigestRejectReason;
      response: DigestChallengeResponse;
    }
  /** Credentials were checked and are wrong: answer 403 (or challenge again, by policy). */
  | { kind: 'forbidden'; reason: DigestRejectReason; username: string };

export class DigestChallenger {
  readonly #realm: string;
  readonly #lookup: DigestSecretLookup;
  readonly #proxy: boolean;
  readonly #algorithms: DigestAlgorithm[];
  readonly #nonces: NonceIssuer;
  readonly #counts: NonceCountTracker;
  readonly #lifetimeMs: number;
  readonly #allowAuthInt: boolean;
  readonly #requireQop: boolean;
  readonly #opaque: string | undefined;
  readonly #now: () => number;
  #verifications = 0;

  constructor(options: DigestChallengerOptions) {
    this.#realm = options.realm;
    this.#lookup = options.lookup;
    this.#proxy = options.mode === 'proxy';
    this.#algorithms = options.algorithms?.length ? [...options.algorithms] : ['SHA-256', 'MD5'];
    this.#lifetimeMs = options.nonceLifetimeMs ?? 300_000;
    this.#now = options.now ?? Date.now;
    const secret =
      typeof options.secret === 'string'
        ? Buffer.from(options.secret, 'utf8')
        : (options.secret ?? randomBytes(32));
    this.#nonces = new NonceIssuer({ secret, lifetimeMs: this.#lifetimeMs, now: this.#now });
    this.#counts = new NonceCountTracker(options.maxTrackedNonces);
    this.#allowAuthInt = options.allowAuthInt ?? true;
    this.#requireQop = options.requireQop ?? false;
    this.#opaque = options.opaque;
  }

  get realm(): string {
    return this.#realm;
  }

  /** A fresh challenge: one header per offered algorithm, sharing one nonce. */
  challenge(stale = false, algorithms: DigestAlgorithm[] = this.#algorithms): DigestChallengeResponse {
    const nonce = this.#nonces.issue(this.#realm);
    const name = this.#proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const headers = algorithms.map((algorithm) => ({
      name,
      value: formatDigestChallenge({
        realm: this.#realm,
        nonce,
        algorithm,
        qop: ['auth'],
        ...(this.#opaque !== undefined ? { opaque: this.#opaque } : {}),
        ...(stale ? { stale: true } : {}),
      }),
    }));
    return this.#proxy
      ? { status: 407, reason: 'Proxy Authentication Required', headers }
      : { status: 401, reason: 'Unauthorized', headers };
  }

  /** Checks the request's credentials for our realm. */
  async verify(request: SipRequest): Promise<DigestVerdict> {
    if (++this.#verifications % 1024 === 0) this.#counts.prune(this.#now() - this.#lifetimeMs);

    const headerName = this.#proxy ? 'proxy-authorization' : 'authorization';
    let creds: DigestCredentials | undefined;
    let sawMalformed = false;
    for (const h of request.headers) {
      if (h.name.toLowerCase() !== headerName) continue;
      const c = parseDigestCredentials(h.value);
      if (c === undefined) sawMalformed = /^\s*digest\b/i.test(h.value) || sawMalformed;
      else if (c.realm === this.#realm) {
        creds = c;
        break;
      }
    }
    if (!creds) return this.#reject(sawMalformed ? 'malformed' : 'missing');

    const algorithm = toDigestAlgorithm(creds.algorithm);
    if (!algorithm || !this.#algorithms.includes(algorithm)) return this.#reject('algorithm');

    const nonce = this.#nonces.check(creds.nonce, this.#realm);
    if (nonce.status === 'invalid') return this.#reject('bad-nonce');
    if (this.#opaque !== undefined && creds.opaque !== this.#opaque) return this.#reject('bad-nonce');

    let qop: DigestQop | undefined;
    if (creds.qop === undefined) {
      if (this.#requireQop) return this.#reject('qop-required');
    } else if (creds.qop === 'auth' || (creds.qop === 'auth-int' && this.#allowAuthInt)) {
      qop = creds.qop;
      if (creds.cnonce === undefined || creds.nc === undefined || creds.nc < 1) {
        return this.#reject('malformed');
      }
    } else {
      return this.#reject('malformed');
    }

    if (creds.uri !== request.uri) {
      return { kind: 'forbidden', reason: 'uri-mismatch', username: creds.username };
    }

    const secret = await this.#lookup(creds.username, this.#realm);
    if (secret === undefined) {
      return { kind: 'forbidden', reason: 'unknown-user', username: creds.username };
    }
    const hash = digestHash(algorithm);
    const ha1 =
      typeof secret === 'string'
        ? computeHA1(hash, creds.username, this.#realm, secret)
        : secret.ha1[hash];
    if (ha1 === undefined) {
      // No stored HA1 of this hash family: re-challenge with the algorithms we can check.
      const usable = this.#algorithms.filter((a) => typeof secret !== 'string' && secret.ha1[digestHash(a)] !== undefined);
      return this.#reject('algorithm', false, usable.length ? usable : undefined);
    }

    const expected = computeDigestResponse({
      algorithm,
      ha1,
      nonce: creds.nonce,
      method: request.method,
      uri: creds.uri,
      qop,
      cnonce: creds.cnonce,
      nc: creds.nc,
      body: request.body,
    });
    if (!digestsEqual(expected, creds.response)) {
      return { kind: 'forbidden', reason: 'wrong-password', username: creds.username };
    }

    // The client knows the password; from here on a rejection carries stale=true.
    if (nonce.status === 'expired') return this.#reject('stale', true);
    if (qop !== undefined) {
      const counted = this.#counts.accept(creds.nonce, nonce.issuedAt, creds.nc!);
      if (counted === 'replay') return this.#reject('replay', true);
      if (counted === 'forgotten') return this.#reject('stale', true);
    }
    return { kind: 'ok', username: creds.username, realm: this.#realm, algorithm };
  }

  #reject(reason: DigestRejectReason, stale = false, algorithms?: DigestAlgorithm[]): DigestVerdict {
    return { kind: 'challenge', stale, reason, response: this.challenge(stale, algorithms) };
  }
}
