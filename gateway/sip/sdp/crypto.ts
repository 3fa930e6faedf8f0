/**
 * SDES (RFC 4568) a=crypto values: parse and format `tag suite key-params [session-params]`, the
 * key/salt sizes of the suites we know, and fresh inline keys for an offer or answer.
 */
import { randomBytes } from 'node:crypto';
import type { SdesKey, SdpCrypto } from './types.ts';

/** Master key + salt lengths in bytes (RFC 4568 §6.2, RFC 6188, RFC 7714). */
export const SDES_SUITES: Readonly<Record<string, { keyBytes: number; saltBytes: number }>> = {
  AES_CM_128_HMAC_SHA1_80: { keyBytes: 16, saltBytes: 14 },
  AES_CM_128_HMAC_SHA1_32: { keyBytes: 16, saltBytes: 14 },
  AES_192_CM_HMAC_SHA1_80: { keyBytes: 24, saltBytes: 14 },
  AES_192_CM_HMAC_SHA1_32: { keyBytes: 24, saltBytes: 14 },
  AES_256_CM_HMAC_SHA1_80: { keyBytes: 32, saltBytes: 14 },
  AES_256_CM_HMAC_SHA1_32: { keyBytes: 32, saltBytes: 14 },
  AEAD_AES_128_GCM: { keyBytes: 16, saltBytes: 12 },
  AEAD_AES_256_GCM: { keyBytes: 32, saltBytes: 12 },
};

/** Parses the value of an a=crypto line (after 'crypto:'); `undefined` if malformed. */
export function parseCrypto(value: string): SdpCrypto | undefined {
  const parts = value.trim().split(/\s+/);
  if (parts.length < 3) return undefined;
  const [tagText, suite, keyParams, ...sessionParams] = parts as [string, string, string, ...string[]];
  if (!/^\d{1,9}$/.test(tagText)) return undefined;
  const keys: SdesKey[] = [];
  for (const kp of keyParams.split(';')) {
    const colon = kp.indexOf(':');
    if (colon <= 0) return undefined;
    const [keySalt, ...rest] = kp.slice(colon + 1).split('|');
    if (!keySalt) return undefined;
    const key: SdesKey = { method: kp.slice(0, colon), keySalt };
    for (const item of rest) {
      const mki = /^(\d+):(\d+)$/.exec(item);
      if (mki) key.mki = { value: Number(mki[1]), length: Number(mki[2]) };
      else key.lifetime = item;
    }
    keys.push(key);
  }
  return { tag: Number(tagText), suite, keys, sessionParams };
}

/** The value of an a=crypto line (without 'crypto:'). */
export function formatCrypto(crypto: SdpCrypto): string {
  const keys = crypto.keys
    .map((k) => {
      let s = `${k.method}:${k.keySalt}`;
      if (k.lifetime !== undefined) s += `|${k.lifetime}`;
      if (k.mki) s += `|${k.mki.value}:${k.mki.length}`;
      return s;
    })
    .join(';');
  return [String(crypto.tag), crypto.suite, keys, ...crypto.sessionParams].join(' ');
}

/** A fresh random inline key for `suite` (master key ‖ salt, base64). Throws for unknown suites. */
export function generateSdesKey(suite: string): string {
  const sizes = SDES_SUITES[suite];
  if (!sizes) throw new RangeError(`unknown SRTP crypto suite ${suite}`);
  return randomBytes(sizes.keyBytes + sizes.saltBytes).toString('base64');
}

/** Whether an inline key has the right length for its suite (decoded bytes = key + salt). */
export function isValidSdesKey(suite: string, keySalt: string): boolean {
  const sizes = SDES_SUITES[suite];
  if (!sizes || !/^[A-Za-z0-9+/]+={0,2}$/.test(keySalt)) return false;
  return Buffer.from(keySalt, 'base64').length === sizes.keyBytes + sizes.saltBytes;
}
