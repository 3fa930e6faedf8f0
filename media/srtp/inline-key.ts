/**
 * SDES inline keying material (RFC 4568 §6.1): base64 of master key ‖ master salt, as carried in
 * `a=crypto:<tag> <suite> inline:<key||salt>`. Split into the parts an `SrtpContext` takes, or
 * made fresh.
 */
import { randomBytes } from 'node:crypto';
import { srtpSuite, type SrtpSuiteName } from './suite.ts';

export interface SrtpMasterKey {
  masterKey: Uint8Array;
  masterSalt: Uint8Array;
}

/** Decode `inline` key‖salt for `suite`; throws RangeError when it is not base64 of the right length. */
export function parseInlineKey(suite: SrtpSuiteName, inline: string): SrtpMasterKey {
  const s = srtpSuite(suite);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(inline)) throw new RangeError('SDES inline key is not base64');
  const raw = Buffer.from(inline, 'base64');
  if (raw.length !== s.keyBytes + s.saltBytes) {
    throw new RangeError(`SDES inline key for ${suite} must be ${s.keyBytes + s.saltBytes} bytes, got ${raw.length}`);
  }
  return { masterKey: new Uint8Array(raw.subarray(0, s.keyBytes)), masterSalt: new Uint8Array(raw.subarray(s.keyBytes)) };
}

/** A fresh random inline key for `suite` (base64 of key ‖ salt). */
export function generateInlineKey(suite: SrtpSuiteName): string {
  const s = srtpSuite(suite);
  return randomBytes(s.keyBytes + s.saltBytes).toString('base64');
}
