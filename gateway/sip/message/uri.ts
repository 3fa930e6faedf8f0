/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966): `parseUri`, `formatUri` and `uriEquals`
 * (the comparison rules of RFC 3261 §19.1.4). Other schemes (`http:`, `urn:`, `isbn:` ...) parse
 * as opaque absolute URIs so headers carrying them stay usable.
 *
 * Escapes are decoded in the parsed fields (`sip:%75ser@h` has user `user`) and re-applied by
 * `formatUri` wherever the grammar requires them, so parse → format is semantically lossless.
 * IPv6 hosts are stored without brackets (`::1`); `formatUri` adds them back.
 */
import { fail, parseUint, HOST } from './lex.ts';

export interface SipUri {
  /** Lower-cased scheme: 'sip', 'sips', 'tel' or any other absolute-URI scheme. */
  scheme: 'sip' | 'sips' | 'tel' | (string & {});
  /** Unescaped user part (for tel: the telephone number). */
  user?: string;
  /** Unescaped password (deprecated by RFC 3261 but still parsed). */
  password?: string;
  /** Host as written (IPv6 without brackets); '' for tel: and opaque URIs. */
  host: string;
  port?: number;
  /** URI parameters, lower-cased names, unescaped values (`null` for a flag like `;lr`). */
  params: Record<string, string | null>;
  /** URI headers (`?name=value&...`), unescaped, names as written. */
  headers: Record<string, string>;
  /** For schemes other than sip/sips/tel: everything after the `:`. */
  opaque?: string;
}

function table(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "-_.!~*'()" + chars) t[ch.charCodeAt(0)] = 1;
  return t;
}
/** Characters each component may carry unescaped (unreserved plus its own extras). */
const USER_OK = table('&=+$,;?/');
const PASSWORD_OK = table('&=+$,');
const PARAM_OK = table('[]/:&+$');
const HEADER_OK = table('[]/?:+$');
/** Characters a whole URI may contain (anything visible except space, quotes and angle brackets). */
const URI_CHAR = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) URI_CHAR[c] = 1;
for (const ch of '<>"\\^`{|}') URI_CHAR[ch.charCodeAt(0)] = 0;

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Decodes %XX escapes (UTF-8; falls back to one char per byte when not valid UTF-8). */
export function unescapeUri(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes = Buffer.allocUnsafe(Buffer.byteLength(s));
  let n = 0;
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h < 0 || l < 0) fail('bad % escape in URI', s, i);
      const b = h * 16 + l;
      if (b >= 0x80) ascii = false;
      bytes[n++] = b;
      i += 2;
    } else if (c < 0x80) {
      bytes[n++] = c;
    } else {
      // Non-ASCII literal (tolerated by this helper): copy its UTF-8 bytes.
      ascii = false;
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      n += bytes.write(ch, n, 'utf8');
      i += ch.length - 1;
    }
  }
  const buf = bytes.subarray(0, n);
  if (ascii) return buf.toString('latin1');
  const text = buf.toString('utf8');
  return text.includes('\ufffd') && !s.includes('\ufffd') ? buf.toString('latin1') : text;
}

/** Escapes every character not allowed unescaped by `ok` (UTF-8 for non-ASCII). */
function escape(s: string, ok: Uint8Array): string {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || ok[c] !== 1) break;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (const b of Buffer.from(s.slice(i), 'utf8')) {
    out += b < 128 && ok[b] === 1 ? String.fromCharCode(b) : `%${b < 16 ? '0' : ''}${b.toString(16).toUpperCase()}`;
  }
  return out;
}

function checkChars(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || URI_CHAR[c] !== 1) fail('bad character in URI', text, i);
  }
}

function parseScheme(text: string): number {
  const colon = text.indexOf(':');
  if (colon <= 0) fail('URI has no scheme', text);
  const c0 = text.charCodeAt(0) | 0x20;
  if (c0 < 0x61 || c0 > 0x7a) fail('bad URI scheme', text);
  for (let i = 1; i < colon; i++) {
    const c = text.charCodeAt(i);
    const lc = c | 0x20;
    if (!((lc >= 0x61 && lc <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) {
      fail('bad URI scheme', text, i);
    }
  }
  return colon;
}

/** Parses `;name[=value]` URI parameters from `s` (without the leading `;`). */
function parseUriParams(s: string, into: Record<string, string | null>, text: string): void {
  if (s.length === 0) return;
  for (const part of s.split(';')) {
    if (part.length === 0) fail('empty URI parameter', text);
    const eq = part.indexOf('=');
    const name = unescapeUri(eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    if (name.length === 0) fail('empty URI parameter name', text);
    into[name] = eq < 0 ? null : unescapeUri(part.slice(eq + 1));
  }
}

/** Parses a SIP/SIPS/tel/other absolute URI. Throws SipParseError (400) when malformed. */
export function parseUri(text: string): SipUri {
  checkChars(text);
  const colon = parseScheme(text);
  const scheme = text.slice(0, colon).toLowerCase();
  const rest = text.slice(colon + 1);
  if (rest.length === 0) fail('empty URI', text);
  const uri: SipUri = { scheme, host: '', params: {}, headers: {} };
  if (scheme === 'tel') {
    const semi = rest.indexOf(';');
    const number = semi < 0 ? rest : rest.slice(0, semi);
    if (number.length === 0) fail('empty tel number', text);
    uri.user = unescapeUri(number);
    if (semi >= 0) {
      if (semi + 1 >= rest.length) fail('empty URI parameter', text);
      parseUriParams(rest.slice(semi + 1), uri.params, text);
    }
    return uri;
  }
  if (scheme !== 'sip' && scheme !== 'sips') {
    uri.opaque = rest;
    return uri;
  }
  let i = 0;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const pc = userinfo.indexOf(':');
    const user = pc < 0 ? userinfo : userinfo.slice(0, pc);
    if (user.length === 0) fail('empty user in URI', text);
    uri.user = unescapeUri(user);
    if (pc >= 0) uri.password = unescapeUri(userinfo.slice(pc + 1));
    i = at + 1;
  }
  // host
  const n = rest.length;
  if (rest.charCodeAt(i) === 0x5b /* [ */) {
    const close = rest.indexOf(']', i);
    if (close < 0) fail('unterminated IPv6 reference', text);
    const v6 = rest.slice(i + 1, close);
    for (let k = 0; k < v6.length; k++) {
      const c = v6.charCodeAt(k);
      if (!(hexVal(c) >= 0 || c === 0x3a || c === 0x2e)) fail('bad IPv6 address', text);
    }
    if (v6.indexOf(':') < 0) fail('bad IPv6 address', text);
    uri.host = v6;
    i = close + 1;
  } else {
    const hs = i;
    while (i < n) {
      const c = rest.charCodeAt(i);
      if (c < 128 && HOST[c] === 1) i++;
      else break;
    }
    if (i === hs) fail('empty host in URI', text);
    uri.host = rest.slice(hs, i);
  }
  if (rest.charCodeAt(i) === 0x3a /* : */) {
    const ps = ++i;
    while (i < n && rest.charCodeAt(i) >= 0x30 && rest.charCodeAt(i) <= 0x39) i++;
    uri.port = parseUint(rest.slice(ps, i), 65535, 'port');
  }
  if (i < n) {
    const c = rest.charCodeAt(i);
    if (c !== 0x3b && c !== 0x3f) fail('unexpected character after host', text, colon + 1 + i);
  }
  const q = rest.indexOf('?', i);
  const paramsEnd = q < 0 ? n : q;
  if (rest.charCodeAt(i) === 0x3b) {
    if (i + 1 >= paramsEnd) fail('empty URI parameter', text);
    parseUriParams(rest.slice(i + 1, paramsEnd), uri.params, text);
  }
  if (q >= 0) {
    const hs = rest.slice(q + 1);
    if (hs.length === 0) fail('empty URI headers', text);
    for (const part of hs.split('&')) {
      const eq = part.indexOf('=');
      if (eq <= 0) fail('bad URI header', text);
      uri.headers[unescapeUri(part.slice(0, eq))] = unescapeUri(part.slice(eq + 1));
    }
  }
  return uri;
}

/** Formats a URI, escaping each component as its grammar requires. */
export function formatUri(uri: SipUri): string {
  const scheme = uri.scheme;
  if (scheme === 'tel') {
    let out = `tel:${escape(uri.user ?? '', PARAM_OK)}`;
    for (const k in uri.params) {
      const v = uri.params[k];
      out += v === null || v === undefined ? `;${escape(k, PARAM_OK)}` : `;${escape(k, PARAM_OK)}=${escape(v, PARAM_OK)}`;
    }
    return out;
  }
  if (scheme !== 'sip' && scheme !== 'sips') return `${scheme}:${uri.opaque ?? uri.host}`;
  let out = `${scheme}:`;
  if (uri.user !== undefined) {
    out += escape(uri.user, USER_OK);
    if (uri.password !== undefined) out += `:${escape(uri.password, PASSWORD_OK)}`;
    out += '@';
  }
  out += uri.host.indexOf(':') >= 0 ? `[${uri.host}]` : uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  for (const k in uri.params) {
    const v = uri.params[k];
    out += v === null || v === undefined ? `;${escape(k, PARAM_OK)}` : `;${escape(k, PARAM_OK)}=${escape(v, PARAM_OK)}`;
  }
  let sep = '?';
  for (const k in uri.headers) {
    out += `${sep}${escape(k, HEADER_OK)}=${escape(uri.headers[k]!, HEADER_OK)}`;
    sep = '&';
  }
  return out;
}

/** Parameters that, present in one SIP URI, must be present and equal in the other (§19.1.4). */
const MUST_MATCH = ['user', 'ttl', 'method', 'maddr', 'transport'];

function normalizeHost(h: string): string {
  return h.toLowerCase();
}

function telDigits(s: string): string {
  return s.replace(/[-.()]/g, '').toLowerCase();
}

/**
 * URI equivalence per RFC 3261 §19.1.4 (sip/sips), RFC 3966 §4 (tel) and plain case-sensitive
 * comparison (scheme aside) for other schemes. Accepts parsed URIs or text.
 */
export function uriEquals(a: SipUri | string, b: SipUri | string): boolean {
  const x = typeof a === 'string' ? parseUri(a) : a;
  const y = typeof b === 'string' ? parseUri(b) : b;
  if (x.scheme !== y.scheme) return false;
  if (x.scheme === 'tel') {
    if (telDigits(x.user ?? '') !== telDigits(y.user ?? '')) return false;
    const kx = Object.keys(x.params);
    if (kx.length !== Object.keys(y.params).length) return false;
    for (const k of kx) {
      if (!(k in y.params)) return false;
      if ((x.params[k] ?? '').toLowerCase() !== (y.params[k] ?? '').toLowerCase()) return false;
    }
    return true;
  }
  if (x.scheme !== 'sip' && x.scheme !== 'sips') return (x.opaque ?? '') === (y.opaque ?? '');
  if (x.user !== y.user || x.password !== y.password) return false;
  if (normalizeHost(x.host) !== normalizeHost(y.host)) return false;
  if (x.port !== y.port) return false;
  for (const k of MUST_MATCH) {
    const inX = k in x.params;
    if (inX !== k in y.params) return false;
    if (inX && (x.params[k] ?? '').toLowerCase() !== (y.params[k] ?? '').toLowerCase()) return false;
  }
  for (const k in x.params) {
    if (k in y.params && (x.params[k] ?? '').toLowerCase() !== (y.params[k] ?? '').toLowerCase()) return false;
  }
  const hx = Object.keys(x.headers);
  const hy = Object.keys(y.headers);
  if (hx.length !== hy.length) return false;
  const lower = new Map(hy.map((k) => [k.toLowerCase(), y.headers[k]]));
  for (const k of hx) {
    if (lower.get(k.toLowerCase()) !== x.headers[k]) return false;
  }
  return true;
}
