/**
 * The o= line across re-offers (RFC 3264 §8): same username, session id and address, version
 * incremented by one whenever the description changes. Works on text without re-serializing it,
 * so nothing else in the SDP moves.
 */
import { randomInt } from 'node:crypto';
import { SdpParseError } from './errors.ts';

const ORIGIN = /^(o=\S+ \S+ )(\d+)( )/m;

/** The SDP with its o= session version incremented by one (arbitrary size, decimal). */
export function bumpSessionVersion(sdp: string): string {
  const match = ORIGIN.exec(sdp);
  if (!match) throw new SdpParseError('missing or malformed o= line');
  return sdp.replace(ORIGIN, (_all, head: string, version: string, space: string) => {
    return `${head}${(BigInt(version) + 1n).toString()}${space}`;
  });
}

/** The session version of an SDP text. */
export function sessionVersionOf(sdp: string): bigint {
  const match = ORIGIN.exec(sdp);
  if (!match) throw new SdpParseError('missing or malformed o= line');
  return BigInt(match[2]!);
}

/** A new session id: decimal, below 2^53 so every SDP tool keeps it exact (RFC 4566 §5.2 suggests an NTP time). */
export function newSessionId(): string {
  return String(randomInt(1, 2 ** 47) * 64 + randomInt(0, 64));
}
