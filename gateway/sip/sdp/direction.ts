/**
 * Media direction rules of RFC 3264 (§6.1 answers, §8.4 hold): reversing a direction, answering
 * one, the legacy `c=0.0.0.0` hold of RFC 2543, and whether an offer puts us on hold.
 */
import { parseSdp } from './parse.ts';
import type { MediaDirection, SdpMedia, SdpSession } from './types.ts';

interface Flags {
  send: boolean;
  recv: boolean;
}

function flags(d: MediaDirection): Flags {
  return { send: d === 'sendrecv' || d === 'sendonly', recv: d === 'sendrecv' || d === 'recvonly' };
}

function fromFlags(f: Flags): MediaDirection {
  if (f.send && f.recv) return 'sendrecv';
  if (f.send) return 'sendonly';
  if (f.recv) return 'recvonly';
  return 'inactive';
}

/** The same stream seen from the other end: sendonly ↔ recvonly. */
export function reverseDirection(d: MediaDirection): MediaDirection {
  const f = flags(d);
  return fromFlags({ send: f.recv, recv: f.send });
}

/** What both `a` and `b` allow (e.g. sendrecv ∩ sendonly = sendonly). */
export function intersectDirections(a: MediaDirection, b: MediaDirection): MediaDirection {
  const x = flags(a);
  const y = flags(b);
  return fromFlags({ send: x.send && y.send, recv: x.recv && y.recv });
}

/**
 * The answer's direction: the reverse of the offer, narrowed to what we want
 * (sendonly → recvonly, recvonly → sendonly, inactive → inactive, sendrecv → `wanted`).
 */
export function answerDirection(offered: MediaDirection, wanted: MediaDirection = 'sendrecv'): MediaDirection {
  return intersectDirections(reverseDirection(offered), wanted);
}

/**
 * Whether the m-line uses the RFC 2543 hold address. With ICE, c=0.0.0.0 (port 9) only means
 * "see the candidates" (RFC 8839 §4.2.1, trickle offers), so it is never hold there.
 */
export function isLegacyHoldAddress(m: SdpMedia): boolean {
  return (m.address === '0.0.0.0' || m.address === '::') && m.ice === undefined;
}

/**
 * The direction a remote description really grants: with the legacy hold address the sender of
 * that SDP cannot receive, so its recv half is dropped.
 */
export function effectiveDirection(m: SdpMedia): MediaDirection {
  if (!isLegacyHoldAddress(m)) return m.direction;
  return intersectDirections(m.direction, 'sendonly');
}

/** Whether one m-line from the remote side puts its stream on hold (sendonly, inactive or c=0.0.0.0). */
export function isMediaOnHold(m: SdpMedia): boolean {
  if (m.port === 0) return false;
  return !flags(effectiveDirection(m)).recv;
}

/**
 * Whether an SDP (typically a re-INVITE offer) puts the call on hold: every active m-line is
 * sendonly / inactive or uses c=0.0.0.0. A description with no active m-line is not hold.
 */
export function isHold(sdp: string | SdpSession): boolean {
  const session = typeof sdp === 'string' ? parseSdp(sdp) : sdp;
  const active = session.media.filter((m) => m.port !== 0);
  return active.length > 0 && active.every(isMediaOnHold);
}

/** Direction to offer when putting a stream on hold: stop receiving (sendrecv → sendonly, recvonly → inactive). */
export function holdDirection(current: MediaDirection): MediaDirection {
  return intersectDirections(current, 'sendonly');
}

/** Direction to offer when resuming: receive again (sendonly → sendrecv, inactive → recvonly). */
export function resumeDirection(current: MediaDirection): MediaDirection {
  return fromFlags({ ...flags(current), recv: true });
}
