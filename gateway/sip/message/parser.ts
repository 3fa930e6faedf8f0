/**
 * `parseMessage`: bytes → SipMessage (RFC 3261 §7, §18.3, §25). Works on Buffers so the body is
 * framed by Content-Length in bytes, not characters.
 *
 * Framing: on datagram transports (UDP, and WebSocket, where RFC 7118 puts one message in each
 * frame) a missing Content-Length means "the rest of the datagram", a Content-Length larger than
 * what arrived is an error and a smaller one truncates the body (§18.3). On streams (TCP/TLS) the
 * StreamFramer cuts messages and Content-Length is mandatory (`framing: 'stream'`).
 *
 * Hostile input is bounded: message size, header-section size and header count (→ 513), body
 * size (→ 413). Every rejection is a SipParseError carrying the status a server should answer
 * with (400, 413, 505, 513); nothing else is thrown.
 *
 * The body is a view into `buf` (no copy): copy it if `buf` will be reused.
 *
 * With `validate` (the default) the headers every layer above relies on are checked once here:
 * exactly one From, To, Call-ID and CSeq, at least one Via, and well-formed Via, From, To, CSeq
 * (method matching the request's), Max-Forwards, Contact, Route, Record-Route, Content-Type and
 * Content-Length. Other headers are kept raw and parsed on demand.
 */
import { SipParseError, type SipHeader, type SipMessage } from './types.ts';
import { knownHeaderName } from './names.ts';
import { TOKEN } from './lex.ts';
import { parseViaList } from './via.ts';
import { parseNameAddr, parseNameAddrList, parseContact } from './name-addr.ts';
import { parseContentLength, parseContentType, parseCSeq, parseMaxForwards } from './fields.ts';
import { parseUri } from './uri.ts';

export interface ParseOptions {
  /** Largest whole message in bytes; larger → 513. Default 65 536 (the largest UDP datagram). */
  maxMessageSize?: number;
  /** Largest header section (start line and headers) in bytes; larger → 513. Default 32 768. */
  maxHeaderBytes?: number;
  /** Most header lines (after unfolding); more → 513. Default 256. */
  maxHeaders?: number;
  /** Largest body a Content-Length may announce; larger → 413. Default: maxMessageSize. */
  maxBodySize?: number;
  /**
   * 'datagram' (default; UDP and WebSocket frames): missing Content-Length = rest of the buffer.
   * 'stream' (TCP/TLS): Content-Length is required.
   */
  framing?: 'datagram' | 'stream';
  /** Check the core headers (see module doc). Default true. */
  validate?: boolean;
}

export const DEFAULT_PARSE_OPTIONS: Required<ParseOptions> = {
  maxMessageSize: 65536,
  maxHeaderBytes: 32768,
  maxHeaders: 256,
  maxBodySize: 65536,
  framing: 'datagram',
  validate: true,
};

const resolved = new WeakMap<object, Required<ParseOptions>>();

/** Fills in defaults (cached per options object, so passing the same object again is cheap). */
export function resolveParseOptions(opts: ParseOptions): Required<ParseOptions> {
  const known = resolved.get(opts);
  if (known !== undefined) return known;
  const maxMessageSize = opts.maxMessageSize ?? DEFAULT_PARSE_OPTIONS.maxMessageSize;
  const r: Required<ParseOptions> = {
    maxMessageSize,
    maxHeaderBytes: opts.maxHeaderBytes ?? DEFAULT_PARSE_OPTIONS.maxHeaderBytes,
    maxHeaders: opts.maxHeaders ?? DEFAULT_PARSE_OPTIONS.maxHeaders,
    maxBodySize: opts.maxBodySize ?? maxMessageSize,
    framing: opts.framing ?? 'datagram',
    validate: opts.validate ?? true,
  };
  resolved.set(opts, r);
  resolved.set(r, r);
  return r;
}

/** Where the header section ends: `headEnd` is just past its last LF, `bodyStart` past the empty line. */
export interface HeaderBounds {
  headEnd: number;
  bodyStart: number;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Finds the empty line ending the header section of the message starting at `start`, looking at
 * no more than `limit` bytes. Accepts CRLF and bare LF line ends. Returns null when not found.
 */
export function findHeaderEnd(buf: Buffer, start: number, limit: number): HeaderBounds | null {
  const end = Math.min(buf.length, start + limit);
  let p = start;
  for (;;) {
    const lf = buf.indexOf(LF, p);
    if (lf < 0 || lf >= end) return null;
    const b = buf[lf + 1];
    if (b === LF) return { headEnd: lf + 1, bodyStart: lf + 2 };
    if (b === CR && buf[lf + 2] === LF) return { headEnd: lf + 1, bodyStart: lf + 3 };
    if (b === undefined) return null;
    p = lf + 1;
  }
}

function bad(message: string, code = 400): never {
  throw new SipParseError(message, code);
}

/** Control characters other than HT, CR, LF (bare CRs are caught per line). */
const CTL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/** Control characters are only legal inside quoted-pairs (`\` + char), never CR or LF. */
function checkControls(head: string): void {
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) {
      if (c === 0x09 || c === LF) continue;
      if (c === CR) {
        if (head.charCodeAt(i + 1) === LF) continue;
        bad('bare CR in header section');
      }
      let backslashes = 0;
      for (let k = i - 1; k >= 0 && head.charCodeAt(k) === 0x5c; k--) backslashes++;
      if (backslashes % 2 === 0) bad(`control character 0x${c.toString(16)} in header section`);
    }
  }
}

function isSipVersion(v: string): boolean {
  return v === 'SIP/2.0' || v.toUpperCase() === 'SIP/2.0';
}

function checkVersion(v: string): void {
  if (isSipVersion(v)) return;
  if (v.length > 4 && v.slice(0, 4).toUpperCase() === 'SIP/') bad(`unsupported SIP version '${v.slice(0, 20)}'`, 505);
  bad('bad SIP version in start line');
}

function checkRequestUri(uri: string): void {
  // scheme ":" then at least one visible character; no whitespace (the split guarantees none).
  const colon = uri.indexOf(':');
  if (colon <= 0 || colon === uri.length - 1) bad('Request-URI is not an absolute URI');
  for (let i = 0; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (c < 0x21 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) bad('bad character in Request-URI');
  }
  const scheme = uri.slice(0, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips' || scheme === 'tel') {
    const u = parseUri(uri);
    for (const _ in u.headers) bad('Request-URI must not carry headers (RFC 3261 §19.1.5)');
  } else {
    for (let i = 0; i < colon; i++) {
      const c = uri.charCodeAt(i) | 0x20;
      const ok = (c >= 0x61 && c <= 0x7a) || (i > 0 && ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e));
      if (!ok) bad('bad Request-URI scheme');
    }
  }
}

/** Parses one SIP message from `buf` (see module doc). Throws only SipParseError. */
export function parseMessage(buf: Buffer, opts?: ParseOptions): SipMessage {
  const o = opts === undefined ? DEFAULT_PARSE_OPTIONS : resolveParseOptions(opts);
  const len = buf.length;
  if (len > o.maxMessageSize) bad(`message of ${len} bytes exceeds ${o.maxMessageSize}`, 513);
  let start = 0;
  // RFC 3261 §7.5: ignore CRLFs before the start line.
  while (start < len && (buf[start] === CR || buf[start] === LF)) start++;
  if (start === len) bad('empty message');
  const bounds = findHeaderEnd(buf, start, o.maxHeaderBytes + 3);
  if (bounds === null) {
    if (len - start > o.maxHeaderBytes) bad(`header section exceeds ${o.maxHeaderBytes} bytes`, 513);
    bad('no empty line after headers');
  }
  const { headEnd, bodyStart } = bounds;
  if (headEnd - start > o.maxHeaderBytes + 1) bad(`header section exceeds ${o.maxHeaderBytes} bytes`, 513);
  const head = buf.toString('utf8', start, headEnd);
  if (CTL.test(head)) checkControls(head);

  // Start line.
  let nl = head.indexOf('\n');
  let le = head.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
  const first = head.slice(0, le);
  if (first.indexOf('\t') >= 0) bad('tab in start line');
  let msg: SipMessage;
  if (first.length > 4 && (first.charCodeAt(0) | 0x20) === 0x73 && first.slice(0, 4).toUpperCase() === 'SIP/') {
    const sp = first.indexOf(' ');
    if (sp < 0) bad('bad status line');
    checkVersion(first.slice(0, sp));
    const codeText = first.slice(sp + 1, sp + 4);
    if (codeText.length !== 3 || (first.length > sp + 4 && first.charCodeAt(sp + 4) !== 0x20)) bad('bad status code');
    let status = 0;
    for (let i = 0; i < 3; i++) {
      const d = codeText.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) bad('bad status code');
      status = status * 10 + d;
    }
    if (status < 100 || status > 699) bad(`status code ${status} out of range`);
    msg = { kind: 'response', version: 'SIP/2.0', status, reason: first.slice(sp + 5), headers: [], body: EMPTY };
  } else {
    const sp1 = first.indexOf(' ');
    const sp2 = sp1 < 0 ? -1 : first.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || first.indexOf(' ', sp2 + 1) >= 0 || sp2 === sp1 + 1) bad('bad request line');
    const method = first.slice(0, sp1);
    for (let i = 0; i < method.length; i++) {
      const c = method.charCodeAt(i);
      if (c > 255 || TOKEN[c] !== 1) bad('bad method in request line');
    }
    checkVersion(first.slice(sp2 + 1));
    const uri = first.slice(sp1 + 1, sp2);
    checkRequestUri(uri);
    msg = { kind: 'request', version: 'SIP/2.0', method, uri, headers: [], body: EMPTY };
  }

  // Header lines (with folding).
  const headers: SipHeader[] = msg.headers;
  const n = head.length;
  const maxHeaders = o.maxHeaders;
  let pos = nl + 1;
  let clIndex = -1;
  let clCount = 0;
  while (pos < n) {
    nl = head.indexOf('\n', pos);
    le = head.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
    const c0 = head.charCodeAt(pos);
    if (c0 === 0x20 || c0 === 0x09) {
      // Continuation line: LWS folding → one space.
      if (headers.length === 0) bad('continuation line before first header');
      const ccr = head.indexOf('\r', pos);
      if (ccr >= 0 && ccr < le) bad('bare CR in header line');
      const cont = head.slice(pos, le).trim();
      if (cont.length > 0) {
        const h = headers[headers.length - 1]!;
        h.value = h.value.length > 0 ? `${h.value} ${cont}` : cont;
      }
      pos = nl + 1;
      continue;
    }
    const colon = head.indexOf(':', pos);
    if (colon < 0 || colon > le) bad('header line without colon');
    let ne = colon;
    while (ne > pos && (head.charCodeAt(ne - 1) === 0x20 || head.charCodeAt(ne - 1) === 0x09)) ne--;
    if (ne === pos) bad('empty header name');
    const rawName = head.slice(pos, ne);
    let name = knownHeaderName(rawName);
    if (name === undefined) {
      for (let i = pos; i < ne; i++) {
        const c = head.charCodeAt(i);
        if (c > 255 || TOKEN[c] !== 1) bad('bad character in header name');
      }
      name = rawName;
    }
    const cr = head.indexOf('\r', pos);
    if (cr >= 0 && cr < le) bad('bare CR in header line');
    let vs = colon + 1;
    while (vs < le && (head.charCodeAt(vs) === 0x20 || head.charCodeAt(vs) === 0x09)) vs++;
    let ve = le;
    while (ve > vs && (head.charCodeAt(ve - 1) === 0x20 || head.charCodeAt(ve - 1) === 0x09)) ve--;
    if (headers.length >= maxHeaders) bad(`more than ${maxHeaders} headers`, 513);
    if (name === 'Content-Length') {
      clIndex = headers.length;
      clCount++;
    }
    headers.push({ name, value: head.slice(vs, ve) });
    pos = nl + 1;
  }

  // Body.
  if (clCount > 1) bad('multiple Content-Length headers');
  if (clIndex >= 0) {
    const cl = parseContentLength(headers[clIndex]!.value);
    if (cl > o.maxBodySize) bad(`Content-Length ${cl} exceeds ${o.maxBodySize}`, 413);
    if (bodyStart + cl > len) bad(`Content-Length ${cl} larger than the ${len - bodyStart} body bytes received`);
    msg.body = cl === 0 ? EMPTY : buf.subarray(bodyStart, bodyStart + cl);
  } else {
    if (o.framing === 'stream') bad('Content-Length is required on stream transports');
    if (len - bodyStart > o.maxBodySize) bad(`body exceeds ${o.maxBodySize} bytes`, 413);
    msg.body = bodyStart >= len ? EMPTY : buf.subarray(bodyStart);
  }

  if (o.validate) validateMessage(msg);
  return msg;
}

const EMPTY = Buffer.alloc(0);

/** Checks the headers the transaction, dialog and transport layers depend on. */
export function validateMessage(msg: SipMessage): void {
  let from = -1;
  let to = -1;
  let callId = -1;
  let cseq = -1;
  let vias = 0;
  let maxf = 0;
  let ctype = 0;
  const hs = msg.headers;
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i]!;
    switch (h.name) {
      case 'Via':
        vias++;
        parseViaList(h.value);
        break;
      case 'From':
        if (from >= 0) bad('multiple From headers');
        from = i;
        break;
      case 'To':
        if (to >= 0) bad('multiple To headers');
        to = i;
        break;
      case 'Call-ID':
        if (callId >= 0) bad('multiple Call-ID headers');
        callId = i;
        break;
      case 'CSeq':
        if (cseq >= 0) bad('multiple CSeq headers');
        cseq = i;
        break;
      case 'Max-Forwards':
        if (++maxf > 1) bad('multiple Max-Forwards headers');
        parseMaxForwards(h.value);
        break;
      case 'Contact':
        parseContact(h.value);
        break;
      case 'Route':
      case 'Record-Route':
        parseNameAddrList(h.value);
        break;
      case 'Content-Type':
        if (++ctype > 1) bad('multiple Content-Type headers');
        parseContentType(h.value);
        break;
    }
  }
  if (vias === 0) bad('missing Via header');
  if (from < 0) bad('missing From header');
  if (to < 0) bad('missing To header');
  if (callId < 0) bad('missing Call-ID header');
  if (cseq < 0) bad('missing CSeq header');
  parseNameAddr(hs[from]!.value);
  parseNameAddr(hs[to]!.value);
  const cid = hs[callId]!.value;
  if (cid.length === 0) bad('empty Call-ID');
  for (let i = 0; i < cid.length; i++) {
    const c = cid.charCodeAt(i);
    if (c === 0x20 || c === 0x09) bad('whitespace in Call-ID');
  }
  const cs = parseCSeq(hs[cseq]!.value);
  if (msg.kind === 'request' && cs.method !== msg.method) bad(`CSeq method '${cs.method}' does not match '${msg.method}'`);
}
