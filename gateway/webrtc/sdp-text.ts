/**
 * The few edits and reads the leg makes on SDP text around werift: drop mDNS candidates from a
 * remote description, move werift's media-level `a=ice-lite` to the session level (RFC 8839 §5.3
 * defines it there, and that is where browsers look), and read the audio direction of an offer.
 */

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

function splitLines(sdp: string): string[] {
  const lines = sdp.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function joinLines(lines: string[]): string {
  return lines.join('\r\n') + '\r\n';
}

/** Remove `a=candidate` lines whose address is an mDNS name (`….local`). */
export function stripMdnsCandidates(sdp: string): string {
  const lines = splitLines(sdp);
  const kept = lines.filter((line) => {
    if (!line.startsWith('a=candidate:')) return true;
    const address = line.split(' ')[4] ?? '';
    return !address.toLowerCase().endsWith('.local');
  });
  return kept.length === lines.length ? sdp : joinLines(kept);
}

/** Move any media-level `a=ice-lite` to one session-level line. */
export function hoistIceLite(sdp: string): string {
  const lines = splitLines(sdp);
  if (!lines.includes('a=ice-lite')) return sdp;
  const firstMedia = lines.findIndex((l) => l.startsWith('m='));
  const session = (firstMedia < 0 ? lines : lines.slice(0, firstMedia)).filter((l) => l !== 'a=ice-lite');
  const media = firstMedia < 0 ? [] : lines.slice(firstMedia).filter((l) => l !== 'a=ice-lite');
  const at = Math.max(session.findIndex((l) => l.startsWith('t=')) + 1, 1);
  session.splice(at, 0, 'a=ice-lite');
  return joinLines([...session, ...media]);
}

/** Direction of the first audio m-section (media level, else session level, else sendrecv). A port 0 section is inactive. */
export function audioDirection(sdp: string): MediaDirection {
  const lines = splitLines(sdp);
  let session: MediaDirection | undefined;
  let inAudio = false;
  let seenAudio = false;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      if (seenAudio) break;
      inAudio = line.startsWith('m=audio ');
      if (inAudio) {
        seenAudio = true;
        if (line.split(' ')[1] === '0') return 'inactive';
      }
      continue;
    }
    if (!line.startsWith('a=')) continue;
    const attr = line.slice(2);
    if (!DIRECTIONS.includes(attr)) continue;
    if (inAudio) return attr as MediaDirection;
    if (!seenAudio) session = attr as MediaDirection;
  }
  return session ?? 'sendrecv';
}

/** The direction an answerer takes toward an offer's direction (we always want sendrecv). */
export function reverseDirection(d: MediaDirection): MediaDirection {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}
