/**
 * The SRTP crypto suites we speak (RFC 4568 §6.2, the SDES names): AES counter mode with a
 * 128-bit key and HMAC-SHA1 authentication, tagged with 80 or 32 bits on SRTP. SRTCP always
 * carries the 80-bit tag (RFC 4568 §6.2.2: the _32 suite shortens the SRTP tag only).
 */

/** SDES suite names this module implements. */
export type SrtpSuiteName = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

export interface SrtpSuite {
  readonly name: SrtpSuiteName;
  /** Master (and session) encryption key length in bytes. */
  readonly keyBytes: number;
  /** Master (and session) salt length in bytes. */
  readonly saltBytes: number;
  /** Session authentication key length in bytes (HMAC-SHA1: 160 bits). */
  readonly authKeyBytes: number;
  /** Authentication tag appended to SRTP packets, bytes. */
  readonly rtpTagBytes: number;
  /** Authentication tag appended to SRTCP packets, bytes. */
  readonly rtcpTagBytes: number;
  /** OpenSSL name of the block cipher used in counter mode (via ECB). */
  readonly ecb: string;
}

export const SRTP_SUITES: Readonly<Record<SrtpSuiteName, SrtpSuite>> = {
  AES_CM_128_HMAC_SHA1_80: {
    name: 'AES_CM_128_HMAC_SHA1_80', keyBytes: 16, saltBytes: 14, authKeyBytes: 20, rtpTagBytes: 10, rtcpTagBytes: 10, ecb: 'aes-128-ecb',
  },
  AES_CM_128_HMAC_SHA1_32: {
    name: 'AES_CM_128_HMAC_SHA1_32', keyBytes: 16, saltBytes: 14, authKeyBytes: 20, rtpTagBytes: 4, rtcpTagBytes: 10, ecb: 'aes-128-ecb',
  },
};

/** True when `name` is a suite this module implements. */
export function isSrtpSuiteName(name: string): name is SrtpSuiteName {
  return Object.hasOwn(SRTP_SUITES, name);
}

/** The suite called `name`; throws RangeError for one we do not implement. */
export function srtpSuite(name: string): SrtpSuite {
  if (!isSrtpSuiteName(name)) throw new RangeError(`unsupported SRTP crypto suite ${name}`);
  return SRTP_SUITES[name];
}

/** Bytes an SRTP packet grows by when protected with `suite` (the tag; no MKI). */
export function srtpOverhead(suite: SrtpSuite): number {
  return suite.rtpTagBytes;
}

/** Bytes an SRTCP packet grows by: the E flag + 31-bit index word and the tag. */
export function srtcpOverhead(suite: SrtpSuite): number {
  return 4 + suite.rtcpTagBytes;
}
