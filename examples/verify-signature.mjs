import { createHmac, timingSafeEqual } from 'node:crypto';

/** True when a webhook request carries a valid X-Patchbay-Signature made within the last 5 minutes. */
export function verifyPatchbaySignature(secret, headers, rawBody) {
  const ts = String(headers['x-patchbay-timestamp'] ?? '');
  if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${ts}.`).update(rawBody).digest('hex')}`);
  const given = String(headers['x-patchbay-signature'] ?? '').split(',').map((s) => Buffer.from(s.trim()));
  return given.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected));
}
