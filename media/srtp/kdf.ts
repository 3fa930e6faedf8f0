/**
 * SRTP key derivation (RFC 3711 §4.3) with key derivation rate 0: each session key is the
 * AES-CM keystream under the master key for the IV (label ‖ 0^48) XOR master salt, times 2^16.
 * Labels 0–2 give the SRTP encryption key, authentication key and salt; 3–5 the SRTCP ones.
 */
import { AesCounterMode } from './aes-cm.ts';
import type { SrtpSuite } from './suite.ts';

/** Key derivation labels (RFC 3711 §4.3.1, §4.3.2). */
export const SrtpLabel = {
  RTP_ENCRYPTION: 0,
  RTP_AUTH: 1,
  RTP_SALT: 2,
  RTCP_ENCRYPTION: 3,
  RTCP_AUTH: 4,
  RTCP_SALT: 5,
} as const;

/** Session keys for one of SRTP or SRTCP. */
export interface SrtpSessionKeys {
  encryptionKey: Uint8Array;
  authKey: Uint8Array;
  salt: Uint8Array;
}

/** The PRF output for `label`, `length` bytes (kdr 0, so the packet index plays no part). */
export function deriveSrtpKey(prf: AesCounterMode, masterSalt: Uint8Array, label: number, length: number): Uint8Array {
  const iv = new Uint8Array(16);
  iv.set(masterSalt.subarray(0, 14));
  iv[7] ^= label; // key_id = label ‖ r (48 zero bits), right-aligned in the 112-bit salt
  return prf.keystream(iv, new Uint8Array(length));
}

/** Derive the SRTP (`rtcp` false) or SRTCP (`rtcp` true) session keys of a master key and salt. */
export function deriveSessionKeys(suite: SrtpSuite, masterKey: Uint8Array, masterSalt: Uint8Array, rtcp: boolean): SrtpSessionKeys {
  if (masterKey.length !== suite.keyBytes) throw new RangeError(`master key must be ${suite.keyBytes} bytes, got ${masterKey.length}`);
  if (masterSalt.length !== suite.saltBytes) throw new RangeError(`master salt must be ${suite.saltBytes} bytes, got ${masterSalt.length}`);
  const prf = new AesCounterMode(masterKey, suite.ecb, 64);
  const base = rtcp ? SrtpLabel.RTCP_ENCRYPTION : SrtpLabel.RTP_ENCRYPTION;
  return {
    encryptionKey: deriveSrtpKey(prf, masterSalt, base, suite.keyBytes),
    authKey: deriveSrtpKey(prf, masterSalt, base + 1, suite.authKeyBytes),
    salt: deriveSrtpKey(prf, masterSalt, base + 2, suite.saltBytes),
  };
}
