/**
 * `serializeMessage`: SipMessage → wire bytes. Writes the start line, the headers in their order
 * with CRLF line ends, and a Content-Length equal to the body's byte length (replacing the first
 * Content-Length header in place, dropping any others, or appending one when absent).
 */
import type { SipMessage } from './types.ts';

const NEWLINE = /[\r\n]/;

/** Text of the start line (no CRLF). */
export function startLine(msg: SipMessage): string {
  return msg.kind === 'request'
    ? `${msg.method} ${msg.uri} ${msg.version || 'SIP/2.0'}`
    : `${msg.version || 'SIP/2.0'} ${msg.status} ${msg.reason}`;
}

/** Serializes a message; the result is a fresh Buffer. */
export function serializeMessage(msg: SipMessage): Buffer {
  const bodyLen = msg.body ? msg.body.length : 0;
  let head = startLine(msg) + '\r\n';
  let wroteLength = false;
  const hs = msg.headers;
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i]!;
    const name = h.name;
    if (name === 'Content-Length' || (name.length === 14 && name.toLowerCase() === 'content-length') || name === 'l' || name === 'L') {
      if (!wroteLength) head += `Content-Length: ${bodyLen}\r\n`;
      wroteLength = true;
      continue;
    }
    const v = h.value;
    // A value must never smuggle a line break onto the wire: fold it to a single space.
    head += `${name}: ${NEWLINE.test(v) ? v.replace(/\r\n?|\n/g, ' ') : v}\r\n`;
  }
  if (!wroteLength) head += `Content-Length: ${bodyLen}\r\n`;
  head += '\r\n';
  const headLen = Buffer.byteLength(head);
  const out = Buffer.allocUnsafe(headLen + bodyLen);
  out.write(head, 0, 'utf8');
  if (bodyLen > 0) msg.body.copy(out, headLen);
  return out;
}
