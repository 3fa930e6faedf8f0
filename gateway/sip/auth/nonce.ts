/**
 * Self-validating server nonces: `base64url(issuedAt(6) ‖ random(10) ‖ HMAC-SHA256(secret,
 * issuedAt ‖ random ‖ realm)[0..16))`. The server keeps no table of issued nonces: the signature
 * proves we issued it (for this realm), the timestamp tells whether it is still fresh.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a nonce turned out to be. */
export type NonceCheck =
  | { status: 'valid'; issuedAt: number }
  /** Ours, but older than the lifetime: answer `stale=true` if the digest itself is right. */
  | { status: 'expired'; issuedAt: number }
  /** Not ours: malformed, tampered with, from another realm or another secret. */
  | { status: 'invalid' };

export interface NonceIssuerOptions {
  /** HMAC key. Several gateway nodes sharing it accept each other's nonces. */
  secret: Uint8Array;
  /** How long a nonce stays fresh, ms. */
  lifetimeMs: number;
  /** Clock, ms since the epoch. Default: `Date.now`. */
  now?: () => number;
}

const TS_BYTES = 6;
const RANDOM_BYTES = 10;
const MAC_BYTES = 16;
const TOTAL = TS_BYTES + RANDOM_BYTES + MAC_BYTES;

export class NonceIssuer {
  readonly #secret: Uint8Array;
  readonly #lifetimeMs: number;
  readonly #now: () => number;

  constructor(options: NonceIssuerOptions) {
    this.#secret = options.secret;
    this.#lifetimeMs = options.lifetimeMs;
    this.#now = options.now ?? Date.now;
  }

  /** A fresh nonce for `realm`. */
  issue(realm: string): string {
    const body = Buffer.alloc(TS_BYTES + RANDOM_BYTES);
    body.writeUIntBE(Math.floor(this.#now()), 0, TS_BYTES);
    randomBytes(RANDOM_BYTES).copy(body, TS_BYTES);
    return Buffer.concat([body, this.#mac(body, realm)]).toString('base64url');
  }

  /** Whether `nonce` is one of ours for `realm`, and whether it is still fresh. */
  check(nonce: string, realm: string): NonceCheck {
    if (!/^[A-Za-z0-9_-]+$/.test(nonce)) return { status: 'invalid' };
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== TOTAL) return { status: 'invalid' };
    const body = raw.subarray(0, TS_BYTES + RANDOM_BYTES);
    if (!timingSafeEqual(raw.subarray(TS_BYTES + RANDOM_BYTES), this.#mac(body, realm))) {
      return { status: 'invalid' };
    }
    const issuedAt = body.readUIntBE(0, TS_BYTES);
    const expired = this.#now() - issuedAt > this.#lifetimeMs;
    return { status: expired ? 'expired' : 'valid', issuedAt };
  }

  #mac(body: Buffer, realm: string): Buffer {
    return createHmac('sha256', this.#secret)
      .update(body)
      .update(realm, 'utf8')
      .digest()
      .subarray(0, MAC_BYTES);
  }
}
