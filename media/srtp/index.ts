/**
 * Public face of media/srtp: SRTP and SRTCP (RFC 3711) for the SDES suites
 * AES_CM_128_HMAC_SHA1_80 and _32 — key derivation, AES counter mode on a long-lived cipher,
 * HMAC-SHA1, rollover counter estimation and replay windows — transforming packets in place.
 * Pure: no sockets, no timers.
 */
export * from './suite.ts';
export * from './srtp-context.ts';
export * from './inline-key.ts';
export { AesCounterMode } from './aes-cm.ts';
export { deriveSessionKeys, deriveSrtpKey, SrtpLabel, type SrtpSessionKeys } from './kdf.ts';
export { HmacSha1, CreateHmacSha1, CopyHashHmacSha1, type Sha1Mac } from './hmac-sha1.ts';
export { ReplayWindow, type ReplayVerdict } from './replay-window.ts';
export { estimateRoc, packetIndex, updateRollover, type RolloverState } from './packet-index.ts';
