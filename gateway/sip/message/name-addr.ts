/**
 * Address headers (From, To, Contact, Route, Record-Route, Reply-To, Refer-To, P-Asserted-Identity
 * ...): `name-addr` and `addr-spec` forms with header parameters (RFC 3261 §20.10, §25.1).
 * Parameters after `<...>` (or after an addr-spec) belong to the header, not to the URI; in the
 * addr-spec form a URI containing `,`, `;` or `?` is not allowed (§20), which is what makes the
 * trailing `;tag=` unambiguous.
 */
import type { SipMessage } from './types.ts';
import { fail, formatParams, parseParamsAt, quote, readQuoted, skipWs, unquote, type Params } from './lex.ts';
import { getHeader, getHeaders } from './headers.ts';
import { parseUri } from './uri.ts';

export interface NameAddr {
  /** Display name, unquoted and unescaped ('' is kept when the header had `""`). */
  displayName?: string;
  /** The URI inside `<...>` (or the addr-spec), as text. */
  uri: string;
  /** Header parameters (tag, expires, q, ...): lower-cased names, values as written. */
  params: Params;
}

const enum Ch {
  Tab = 0x09,
  Space = 0x20,
  Quote = 0x22,
  Comma = 0x2c,
  Colon = 0x3a,
  Semi = 0x3b,
  Lt = 0x3c,
  Gt = 0x3e,
  Question = 0x3f,
}

/** Display-name token characters (RFC token chars; non-ASCII tolerated for real-world UAs). */
function isDisplayChar(c: number): boolean {
  if (c >= 0x80) return true;
  if ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a)) return true;
  return c === 0x2d || c === 0x2e || c === 0x21 || c === 0x25 || c === 0x2a || c === 0x5f || c === 0x2b || c === 0x60 || c === 0x27 || c === 0x7e;
}

/** Checks the shape of a URI as text: a scheme, then no whitespace, quotes or angle brackets. */
function checkUriText(s: string, from: number, to: number, addrSpec: boolean): void {
  let i = from;
  const c0 = s.charCodeAt(i) | 0x20;
  if (!(c0 >= 0x61 && c0 <= 0x7a)) fail('URI must start with a scheme', s, i);
  for (i++; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === Ch.Colon) break;
    const lc = c | 0x20;
    if (!((lc >= 0x61 && lc <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) {
      fail('bad URI scheme', s, i);
    }
  }
  if (i >= to - 1) fail('URI has no scheme or is empty', s, from);
  for (i++; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c <= Ch.Space || c === Ch.Quote || c === Ch.Lt || c === Ch.Gt || c === 0x7f) fail('bad character in URI', s, i);
    if (addrSpec && c === Ch.Question) fail("addr-spec with '?' must be enclosed in <>", s, i);
  }
}

/** Parses one (name-addr / addr-spec) *(;param) element at `i`; stops at `,` or end. */
export function parseNameAddrAt(s: string, i: number): { value: NameAddr; end: number } {
  const n = s.length;
  i = skipWs(s, i);
  let displayName: string | undefined;
  let c = s.charCodeAt(i);
  if (c === Ch.Quote) {
    const q = readQuoted(s, i);
    displayName = q.value;
    i = skipWs(s, q.end);
    if (s.charCodeAt(i) !== Ch.Lt) fail("expected '<' after display name", s, i);
  } else if (c !== Ch.Lt) {
    // Either display-name tokens followed by '<', or an addr-spec.
    let j = i;
    let lastNonWs = i;
    while (j < n) {
      const d = s.charCodeAt(j);
      if (isDisplayChar(d)) lastNonWs = ++j;
      else if (d === Ch.Space || d === Ch.Tab) j++;
      else break;
    }
    if (j < n && s.charCodeAt(j) === Ch.Lt && j > i) {
      displayName = s.slice(i, lastNonWs);
      i = j;
    }
  }
  let uri: string;
  c = s.charCodeAt(i);
  if (c === Ch.Lt) {
    const close = s.indexOf('>', i + 1);
    if (close < 0) fail("missing '>'", s, i);
    checkUriText(s, i + 1, close, false);
    uri = s.slice(i + 1, close);
    i = close + 1;
  } else {
    if (i >= n) fail('empty address', s, i);
    const start = i;
    while (i < n) {
      const d = s.charCodeAt(i);
      if (d === Ch.Semi || d === Ch.Comma || d === Ch.Space || d === Ch.Tab) break;
      i++;
    }
    checkUriText(s, start, i, true);
    uri = s.slice(start, i);
  }
  const params: Params = {};
  i = parseParamsAt(s, i, params);
  const value: NameAddr = displayName === undefined ? { uri, params } : { displayName, uri, params };
  return { value, end: i };
}

/** Parses a From/To-style value; throws SipParseError when malformed or when it holds a list. */
export function parseNameAddr(value: string): NameAddr {
  const { value: na, end } = parseNameAddrAt(value, 0);
  if (end < value.length) fail('unexpected data after address', value, end);
  return na;
}

/** Parses a comma-separated list of addresses (one Route / Record-Route / Path header line). */
export function parseNameAddrList(value: string): NameAddr[] {
  const out: NameAddr[] = [];
  let i = 0;
  for (;;) {
    const { value: na, end } = parseNameAddrAt(value, i);
    out.push(na);
    if (end >= value.length) return out;
    i = end + 1;
  }
}

/** Formats as `"Display" <uri>;params` (always the name-addr form, which is always safe). */
export function formatNameAddr(na: NameAddr): string {
  const dn = na.displayName !== undefined ? `${quote(na.displayName)} ` : '';
  return `${dn}<${na.uri}>${formatParams(na.params)}`;
}

/** Route/Record-Route/Path values of one header line. */
export function parseRoute(value: string): NameAddr[] {
  return parseNameAddrList(value);
}

/** Every Route (or Record-Route, Path, Service-Route) entry of a message, in order. */
export function getRouteSet(msg: Pick<SipMessage, 'headers'>, name = 'Route'): NameAddr[] {
  const out: NameAddr[] = [];
  for (const v of getHeaders(msg, name)) out.push(...parseNameAddrList(v));
  return out;
}

export interface SipContact extends NameAddr {
  /** True for the wildcard `Contact: *` (then uri is '*'). */
  star: boolean;
  /** `expires` parameter in seconds (clamped to 2^32-1); undefined when absent or malformed. */
  expires?: number;
  /** `q` parameter (0..1); undefined when absent or malformed. */
  q?: number;
  /** `+sip.instance` without quotes and angle brackets (e.g. 'urn:uuid:...'), RFC 5626. */
  instance?: string;
  /** `reg-id` parameter, RFC 5626. */
  regId?: number;
  /** RFC 5626 outbound: the URI (or the header) carries the `ob` parameter. */
  ob: boolean;
}

function digits(s: string | null | undefined): number | undefined {
  if (!s || !/^[0-9]+$/.test(s)) return undefined;
  return Math.min(Number(s), 0xffffffff);
}

function toContact(na: NameAddr): SipContact {
  const p = na.params;
  const ct: SipContact =
    na.displayName === undefined
      ? { uri: na.uri, params: p, star: false, ob: false }
      : { displayName: na.displayName, uri: na.uri, params: p, star: false, ob: false };
  if (p.expires !== undefined) {
    const e = digits(p.expires);
    if (e !== undefined) ct.expires = e;
  }
  if (p.q !== undefined && p.q !== null && /^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/.test(p.q)) ct.q = Number(p.q);
  const inst = p['+sip.instance'];
  if (inst) {
    let v = unquote(inst);
    if (v.startsWith('<') && v.endsWith('>')) v = v.slice(1, -1);
    ct.instance = v;
  }
  if (p['reg-id'] !== undefined) {
    const rid = digits(p['reg-id']);
    if (rid !== undefined) ct.regId = rid;
  }
  if (p.ob !== undefined) ct.ob = true;
  else if (na.uri.indexOf(';ob') >= 0) {
    const u = parseUri(na.uri);
    ct.ob = u.params.ob !== undefined;
  }
  return ct;
}

/** Parses one Contact header value: `*` or a comma-separated list of contacts. */
export function parseContact(value: string): SipContact[] {
  const t = value.trim();
  if (t === '*') return [{ star: true, uri: '*', params: {}, ob: false }];
  return parseNameAddrList(value).map(toContact);
}

/** Formats one contact (wildcard → `*`); typed fields are written back into the parameters. */
export function formatContact(ct: SipContact): string {
  if (ct.star) return '*';
  const params: Params = { ...ct.params };
  if (ct.expires !== undefined) params.expires = String(ct.expires);
  if (ct.q !== undefined) params.q = String(ct.q);
  if (ct.regId !== undefined) params['reg-id'] = String(ct.regId);
  if (ct.instance !== undefined) params['+sip.instance'] = `"<${ct.instance}>"`;
  return formatNameAddr({ displayName: ct.displayName, uri: ct.uri, params });
}

/** Every contact of a message (all Contact header lines). */
export function getContacts(msg: Pick<SipMessage, 'headers'>): SipContact[] {
  const out: SipContact[] = [];
  for (const v of getHeaders(msg, 'Contact')) out.push(...parseContact(v));
  return out;
}

/** The `tag` parameter of From, or undefined. */
export function getFromTag(msg: Pick<SipMessage, 'headers'>): string | undefined {
  const v = getHeader(msg, 'From');
  return v === undefined ? undefined : parseNameAddr(v).params.tag ?? undefined;
}

/** The `tag` parameter of To, or undefined (no dialog yet). */
export function getToTag(msg: Pick<SipMessage, 'headers'>): string | undefined {
  const v = getHeader(msg, 'To');
  return v === undefined ? undefined : parseNameAddr(v).params.tag ?? undefined;
}
