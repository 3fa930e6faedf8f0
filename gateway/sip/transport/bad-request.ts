/**
 * Answers requests the parser rejected (RFC 3261 §8.2 / §21.4.1): when the start line says
 * "request" and the five headers a response must copy (Via, From, To, Call-ID, CSeq; §8.2.6.2)
 * can be found by a lenient line scan, we build the error response by hand with the parser's
 * status and reason. Anything less is not answerable and the caller drops it. ACKs are never answered.
 */
import { randomBytes } from 'node:crypto';

const REQUEST_LINE = /^([A-Za-z0-9.!%*_+`'~-]+) +\S+ +SIP\/2\.0\r?$/;
const COPIED: Record<string, string> = {
  via: 'Via',
  v: 'Via',
  from: 'From',
  f: 'From',
  to: 'To',
  t: 'To',
  'call-id': 'Call-ID',
  i: 'Call-ID',
  cseq: 'CSeq',
};

/** Strips what cannot appear in a reason phrase and keeps it short. */
function reasonPhrase(text: string): string {
  const clean = text.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  return (clean.length > 120 ? `${clean.slice(0, 117)}...` : clean) || 'Bad Request';
}

/**
 * Builds the wire bytes of an error response to the unparseable request `raw`, or returns
 * undefined when `raw` is not recognisably a request (or is an ACK, or lacks a needed header).
 */
export function buildErrorResponse(raw: Buffer, status: number, reason: string): Buffer | undefined {
  const text = raw.toString('latin1');
  const headEnd = text.search(/\r?\n\r?\n/);
  const lines = (headEnd < 0 ? text : text.slice(0, headEnd)).replace(/^(\r?\n)+/, '').split(/\r?\n/);
  const start = REQUEST_LINE.exec(lines[0] ?? '');
  if (!start || start[1]!.toUpperCase() === 'ACK') return undefined;
  // Unfold continuation lines, then pick the headers we must copy.
  const unfolded: string[] = [];
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && unfolded.length > 0) unfolded[unfolded.length - 1] += ` ${line.trim()}`;
    else unfolded.push(line);
  }
  const picked: Array<[string, string]> = [];
  for (const line of unfolded) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = COPIED[line.slice(0, colon).trim().toLowerCase()];
    const value = line.slice(colon + 1).trim();
    if (name && value) picked.push([name, value]);
  }
  for (const needed of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    if (!picked.some(([n]) => n === needed)) return undefined;
  }
  const out = [`SIP/2.0 ${status} ${reasonPhrase(reason)}`];
  for (const [name, value] of picked) if (name === 'Via') out.push(`Via: ${value}`);
  for (const single of ['From', 'To', 'Call-ID', 'CSeq']) {
    let value = picked.find(([n]) => n === single)![1];
    if (single === 'To' && !/;\s*tag\s*=/i.test(value)) value += `;tag=${randomBytes(6).toString('hex')}`;
    out.push(`${single}: ${value}`);
  }
  out.push('Content-Length: 0', '', '');
  return Buffer.from(out.join('\r\n'), 'latin1');
}
