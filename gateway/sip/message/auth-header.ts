/**
 * Authentication header syntax (RFC 3261 §20.7, §20.27, §20.28, §20.44, §25.1; RFC 7235 token68):
 * WWW-Authenticate / Proxy-Authenticate challenges and Authorization / Proxy-Authorization
 * credentials as `{ scheme, params }`. Only the syntax lives here; digest computation is in
 * gateway/sip/auth.
 */
import { fail, readQuoted, scanTable, scanToken, skipWs, PARAM_VALUE } from './lex.ts';

export interface SipAuthValue {
  /** Scheme as sent, e.g. 'Digest' (compare case-insensitively). */
  scheme: string;
  /** Parameters: lower-cased names → unquoted, unescaped values. */
  params: Record<string, string>;
  /** RFC 7235 token68 form (e.g. `Bearer abc==`), when the value is not a parameter list. */
  token68?: string;
}
export type SipAuthChallenge = SipAuthValue;
export type SipAuthCredentials = SipAuthValue;

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

function parseAuth(value: string): SipAuthValue {
  const n = value.length;
  let i = skipWs(value, 0);
  const ss = i;
  i = scanToken(value, i);
  if (i === ss) fail('auth: missing scheme', value, i);
  const scheme = value.slice(ss, i);
  const out: SipAuthValue = { scheme, params: {} };
  const ws = i;
  i = skipWs(value, i);
  if (i >= n) return out;
  if (i === ws) fail('auth: expected whitespace after scheme', value, i);
  const rest = value.slice(i).trimEnd();
  if (TOKEN68.test(rest)) {
    out.token68 = rest;
    return out;
  }
  for (;;) {
    i = skipWs(value, i);
    if (i >= n) return out;
    if (value.charCodeAt(i) === 0x2c) {
      i++;
      continue; // tolerate empty list elements
    }
    const ns = i;
    i = scanToken(value, i);
    if (i === ns) fail('auth: bad parameter name', value, i);
    const name = value.slice(ns, i).toLowerCase();
    i = skipWs(value, i);
    if (value.charCodeAt(i) !== 0x3d) fail("auth: expected '='", value, i);
    i = skipWs(value, i + 1);
    let v: string;
    if (value.charCodeAt(i) === 0x22) {
      const q = readQuoted(value, i);
      v = q.value;
      i = q.end;
    } else {
      const vs = i;
      i = scanTable(value, i, PARAM_VALUE);
      if (i === vs) fail('auth: empty parameter value', value, i);
      v = value.slice(vs, i);
    }
    out.params[name] = v;
    i = skipWs(value, i);
    if (i < n && value.charCodeAt(i) !== 0x2c) fail("auth: expected ','", value, i);
  }
}

/** Parses a WWW-Authenticate / Proxy-Authenticate value. */
export function parseAuthChallenge(value: string): SipAuthChallenge {
  return parseAuth(value);
}

/** Parses an Authorization / Proxy-Authorization value. */
export function parseAuthorization(value: string): SipAuthCredentials {
  return parseAuth(value);
}

function esc(v: string): string {
  return `"${v.replace(/["\\]/g, '\\$&')}"`;
}

/** Unquoted in challenges (RFC 3261 §25.1: algorithm, stale are tokens). */
const CHALLENGE_TOKENS = new Set(['algorithm', 'stale']);
/** Unquoted in credentials (algorithm, nc, qop are tokens). */
const CREDENTIAL_TOKENS = new Set(['algorithm', 'nc', 'qop']);

function format(v: SipAuthValue, tokens: Set<string>): string {
  if (v.token68 !== undefined) return `${v.scheme} ${v.token68}`;
  const parts: string[] = [];
  for (const k in v.params) {
    const val = v.params[k]!;
    parts.push(tokens.has(k) && /^[A-Za-z0-9\-.!%*_+`'~]+$/.test(val) ? `${k}=${val}` : `${k}=${esc(val)}`);
  }
  return parts.length ? `${v.scheme} ${parts.join(', ')}` : v.scheme;
}

/** Formats a challenge: every parameter quoted except `algorithm` and `stale`. */
export function formatAuthChallenge(v: SipAuthChallenge): string {
  return format(v, CHALLENGE_TOKENS);
}

/** Formats credentials: every parameter quoted except `algorithm`, `nc` and `qop`. */
export function formatAuthorization(v: SipAuthCredentials): string {
  return format(v, CREDENTIAL_TOKENS);
}
