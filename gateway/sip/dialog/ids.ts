/**
 * Fresh identifiers a UA mints (RFC 3261 §8.1.1.4, §8.1.1.7, §19.3): tags, Call-IDs and Via
 * branches with the z9hG4bK magic cookie, all from the crypto RNG.
 */
import { randomBytes } from 'node:crypto';

/** A From/To tag: 16 hex digits (64 random bits, well above the 32 bits §19.3 asks for). */
export function newTag(): string {
  return randomBytes(8).toString('hex');
}

/** A Call-ID: 32 hex digits, optionally `@host`. */
export function newCallId(host?: string): string {
  const id = randomBytes(16).toString('hex');
  return host ? `${id}@${host}` : id;
}

/** A Via branch starting with the RFC 3261 magic cookie. */
export function newBranch(): string {
  return `z9hG4bK${randomBytes(10).toString('hex')}`;
}
