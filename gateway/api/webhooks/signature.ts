/**
 * Webhook signatures. Every webhook request carries
 *   X-Patchbay-Timestamp: <unix seconds>
 *   X-Patchbay-Signature: v1=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
 * where `body` is the exact raw request body. The `v1=` prefix names the scheme, so a future
 * scheme (or several signatures during a secret rotation, comma-separated) can be added without
 * breaking receivers. Receivers verify with `verifyWebhookSignature` (constant-time compare, and a
 * timestamp tolerance that stops replays of old requests).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Patchbay-Timestamp';
export const SIGNATURE_HEADER = 'X-Patchbay-Signature';
/** Default tolerance between the timestamp and the receiver's clock: 5 minutes. */
export const DEFAULT_TOLERANCE_SEC = 300;

export type SignatureCheck = { valid: true } | { valid: false; reason: 'malformed' | 'expired' | 'mismatch' };

function hmac(secret: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
}

/** The X-Patchbay-Signature value for a body sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string | Uint8Array): string {
  return `v1=${hmac(secret, String(timestamp), body).toString('hex')}`;
}

/**
 * Checks a webhook request and says why it fails. `signature` is the X-Patchbay-Signature header
 * (one or more comma-separated `v1=<hex>`; a bare hex digest is accepted too); `nowSec` defaults
 * to the current time.
 */
export function checkWebhookSignature(
  secret: string,
  timestamp: string | number,
  body: string | Uint8Array,
  signature: string,
  toleranceSec: number = DEFAULT_TOLERANCE_SEC,
  nowSec: number = Date.now() / 1000,
): SignatureCheck {
  const ts = String(timestamp).trim();
  if (!/^\d{1,12}$/.test(ts)) return { valid: false, reason: 'malformed' };
  const candidates = signature
    .split(',')
    .map((s) => s.trim().replace(/^v1=/, ''))
    .filter((s) => /^[0-9a-f]{64}$/i.test(s));
  if (candidates.length === 0) return { valid: false, reason: 'malformed' };
  if (Math.abs(nowSec - Number(ts)) > toleranceSec) return { valid: false, reason: 'expired' };
  const expected = hmac(secret, ts, body);
  // Every candidate is compared (no early exit), each in constant time over 32 bytes.
  let match = false;
  for (const c of candidates) match = timingSafeEqual(Buffer.from(c, 'hex'), expected) || match;
  return match ? { valid: true } : { valid: false, reason: 'mismatch' };
}

/**
 * True when `signature` is a valid signature of `body` at `timestamp` under `secret` and the
 * timestamp is within `toleranceSec` of now. Pass the raw body bytes, not re-serialized JSON.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number,
  body: string | Uint8Array,
  signature: string,
  toleranceSec: number = DEFAULT_TOLERANCE_SEC,
): boolean {
  return checkWebhookSignature(secret, timestamp, body, signature, toleranceSec).valid;
}
