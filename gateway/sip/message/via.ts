/**
 * Via header values (RFC 3261 §20.42, RFC 3581 rport): `parseVia`, `parseViaList`, `formatVia`.
 * Tolerates LWS around `/`, `:`, `;` and `=` as the grammar allows (RFC 4475 wsinv).
 */
import { fail, formatParams, parseParamsAt, parseUint, scanTable, scanToken, skipWs, HOST, type Params } from './lex.ts';

export interface SipVia {
  /** Protocol name and version, normally 'SIP/2.0'. */
  protocol: string;
  /** Transport token upper-cased: 'UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS' or an extension. */
  transport: string;
  /** sent-by host (IPv6 without brackets). */
  host: string;
  port?: number;
  /** All via-params, lower-cased names, values as written (`null` for flags such as `rport`). */
  params: Params;
  branch?: string;
  received?: string;
  /** `number` for `rport=N`; `true` for a bare `rport` (null is accepted by formatVia as bare). */
  rport?: number | null | true;
}

/** Reads `name SLASH version SLASH` (with LWS); returns the index of the second '/'. */
function protocolAt(s: string, i: number): { name: string; version: string; i: number } {
  let ts = i;
  i = scanToken(s, i);
  if (i === ts) fail('bad Via protocol name', s, i);
  const name = s.slice(ts, i);
  i = skipWs(s, i);
  if (s.charCodeAt(i) !== 0x2f) fail("Via: expected '/'", s, i);
  i = skipWs(s, i + 1);
  ts = i;
  i = scanToken(s, i);
  if (i === ts) fail('bad Via protocol version', s, i);
  const version = s.slice(ts, i);
  i = skipWs(s, i);
  if (s.charCodeAt(i) !== 0x2f) fail("Via: expected '/'", s, i);
  return { name, version, i };
}

/** Parses one via-parm starting at `i`; returns it and the index of the following `,` or end. */
function parseViaAt(s: string, i: number): { via: SipVia; end: number } {
  i = skipWs(s, i);
  let ts: number;
  let name: string;
  let version: string;
  if (s.startsWith('SIP/2.0/', i)) {
    // Fast path for the spelling everyone sends.
    name = 'SIP';
    version = '2.0';
    i += 8;
  } else {
    ({ name, version, i } = protocolAt(s, i));
    i = skipWs(s, i + 1);
  }
  ts = i;
  i = scanToken(s, i);
  if (i === ts) fail('bad Via transport', s, i);
  const transport = s.slice(ts, i).toUpperCase();
  const ws = i;
  i = skipWs(s, i);
  if (i === ws) fail('Via: expected whitespace before sent-by', s, i);
  let host: string;
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i);
    if (close < 0) fail('Via: unterminated IPv6 reference', s, i);
    host = s.slice(i + 1, close);
    for (let k = 0; k < host.length; k++) {
      const c = host.charCodeAt(k) | 0x20;
      if (!((c >= 0x30 && c <= 0x3a) || (c >= 0x61 && c <= 0x66) || c === 0x2e)) fail('Via: bad IPv6 address', s, i);
    }
    if (host.indexOf(':') < 0) fail('Via: bad IPv6 address', s, i);
    i = close + 1;
  } else {
    ts = i;
    i = scanTable(s, i, HOST);
    if (i === ts) fail('Via: empty sent-by host', s, i);
    host = s.slice(ts, i);
  }
  const via: SipVia = { protocol: name === 'SIP' && version === '2.0' ? 'SIP/2.0' : `${name}/${version}`, transport, host, params: {} };
  i = skipWs(s, i);
  if (s.charCodeAt(i) === 0x3a) {
    i = skipWs(s, i + 1);
    ts = i;
    while (s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    via.port = parseUint(s.slice(ts, i), 65535, 'Via port');
  }
  i = parseParamsAt(s, i, via.params);
  const p = via.params;
  if (p.branch !== undefined) {
    if (p.branch === null) fail('Via: branch without value', s);
    via.branch = p.branch;
  }
  if (p.received !== undefined) {
    if (p.received === null) fail('Via: received without value', s);
    via.received = p.received;
  }
  if (p.rport !== undefined) via.rport = p.rport === null ? true : parseUint(p.rport, 65535, 'rport');
  return { via, end: i };
}

/** Parses a single via-parm; throws if the value holds more than one (use parseViaList). */
export function parseVia(value: string): SipVia {
  const { via, end } = parseViaAt(value, 0);
  if (end < value.length) fail('Via: unexpected data after via-parm', value, end);
  return via;
}

/** Parses every via-parm of one header line (`Via: a, b`). */
export function parseViaList(value: string): SipVia[] {
  const out: SipVia[] = [];
  let i = 0;
  for (;;) {
    const { via, end } = parseViaAt(value, i);
    out.push(via);
    if (end >= value.length) return out;
    i = end + 1; // past ','
  }
}

/** Formats a Via value. `branch`, `received` and `rport` fields override the same params. */
export function formatVia(via: SipVia): string {
  const host = via.host.indexOf(':') >= 0 ? `[${via.host}]` : via.host;
  let out = `${via.protocol}/${via.transport} ${host}`;
  if (via.port !== undefined) out += `:${via.port}`;
  const params: Params = { ...via.params };
  if (via.branch !== undefined) params.branch = via.branch;
  if (via.received !== undefined) params.received = via.received;
  if (via.rport !== undefined) params.rport = typeof via.rport === 'number' ? String(via.rport) : null;
  return out + formatParams(params);
}
