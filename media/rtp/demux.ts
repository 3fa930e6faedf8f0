/**
 * Telling packets apart on a shared port: RTP vs RTCP when muxed (RFC 5761 §4: the second byte of
 * RTCP, 192–223, is where RTP's marker + payload type 64–95 would be, a range RTP must not use),
 * and the first-byte ranges of RFC 7983 for STUN / DTLS / RTP on one WebRTC 5-tuple.
 */

export type PacketClass = 'rtp' | 'rtcp' | 'stun' | 'dtls' | 'unknown';

/** True when `buf` looks like RTCP (version 2, packet type 192–223). */
export function isRtcp(buf: Uint8Array): boolean {
  if (buf.length < 4 || buf[0]! >> 6 !== 2) return false;
  const pt = buf[1]!;
  return pt >= 192 && pt <= 223;
}

/** True when `buf` looks like RTP (version 2, at least a fixed header, not an RTCP type). */
export function isRtp(buf: Uint8Array): boolean {
  return buf.length >= 12 && buf[0]! >> 6 === 2 && !isRtcp(buf);
}

/** Classify a datagram arriving on a muxed port (RFC 7983 first-byte ranges, then RFC 5761). */
export function classifyPacket(buf: Uint8Array): PacketClass {
  if (buf.length === 0) return 'unknown';
  const b = buf[0]!;
  if (b <= 3) return 'stun';
  if (b >= 20 && b <= 63) return 'dtls';
  if (b >= 128 && b <= 191) {
    if (isRtcp(buf)) return 'rtcp';
    if (buf.length >= 12) return 'rtp';
  }
  return 'unknown';
}
