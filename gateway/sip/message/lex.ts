/**
 * Lexical building blocks of RFC 3261 §25 shared by the header and URI parsers: character classes
 * as lookup tables, whitespace (SWS/LWS) skipping, tokens, quoted strings and generic `;name=value`
 * parameter lists. Every scanner is a single forward loop over the string (no regular expressions,
 * so no backtracking), and every failure is a `SipParseError` (400).
 */
import { SipParseError } from './types.ts';

function table(chars: string, ranges: Array<[number, number]> = []): Uint8Array {
  const t = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  for (const [a, b] of ranges) for (let c = a; c <= b; c++) t[c] = 1;
  return t;
}

const ALNUM: Array<[number, number]> = [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]];

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~", ALNUM);
/** word = token chars plus ( ) < > : \ " / [ ] ? { } — used by Call-ID. */
export const WORD = table("-.!%*_+`'~()<>:\\\"/[]?{}", ALNUM);
/** Characters allowed in a generic parameter value that is not quoted (token / host incl. IPv6). */
export const PARAM_VALUE = table("-.!%*_+`'~:[]/", ALNUM);
/** Hostname / IPv4 characters (underscore tolerated: seen in the wild). */
export const HOST = table('-._', ALNUM);

export function isTokenChar(c: number): boolean {
  return c < 256 && TOKEN[c] === 1;
}

/** True when the whole string is a non-empty token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || TOKEN[c] !== 1) return false;
  }
  return true;
}

export function fail(what: string, s: string, at?: number): never {
  const shown = s.length > 80 ? `${s.slice(0, 77)}...` : s;
  throw new SipParseError(at === undefined ? `${what}: '${shown}'` : `${what} at ${at}: '${shown}'`, 400);
}

/** Skips SWS: spaces, tabs and (in values that were not unfolded) CR/LF. */
export function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) i++;
    else return i;
  }
}

/** Index just past a run of token characters starting at i (i itself when none). */
export function scanToken(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c < 256 && TOKEN[c] === 1) i++;
    else return i;
  }
}

/** Index just past a run of characters from `t`. */
export function scanTable(s: string, i: number, t: Uint8Array): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c < 256 && t[c] === 1) i++;
    else return i;
  }
}

/**
 * Reads a quoted-string starting at the opening DQUOTE at `i`. Returns the unescaped content and
 * the index just past the closing DQUOTE. Backslash escapes any character except CR and LF.
 */
export function readQuoted(s: string, i: number): { value: string; end: number } {
  let out = '';
  let start = i + 1;
  let j = start;
  const n = s.length;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return { value: out + s.slice(start, j), end: j + 1 };
    if (c === 0x5c) {
      const d = s.charCodeAt(j + 1);
      if (j + 1 >= n || d === 0x0d || d === 0x0a) fail('bad escape in quoted string', s, j);
      out += s.slice(start, j) + s[j + 1];
      j += 2;
      start = j;
      continue;
    }
    j++;
  }
  fail('unterminated quoted string', s, i);
}

/** Index just past the quoted-string starting at `i` (no unescaping). */
export function skipQuoted(s: string, i: number): number {
  const n = s.length;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c) j++;
  }
  fail('unterminated quoted string', s, i);
}

/** Quotes a string as a SIP quoted-string, escaping `"` and `\`. */
export function quote(s: string): string {
  let needs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) {
      needs = true;
      break;
    }
  }
  return needs ? `"${s.replace(/["\\]/g, '\\$&')}"` : `"${s}"`;
}

/** Removes surrounding quotes (and escapes) from a value if it is a quoted-string. */
export function unquote(s: string): string {
  if (s.length >= 2 && s.charCodeAt(0) === 0x22) {
    const q = readQuoted(s, 0);
    if (q.end === s.length) return q.value;
  }
  return s;
}

/** Parameters of a header or URI: lower-cased names → value (`null` when the name had no `=`). */
export type Params = Record<string, string | null>;

/**
 * Parses `*( SEMI name [ EQUAL value ] )` starting at `i` (which must be at `;` or at a stop
 * character). Names are lower-cased; values keep their original spelling, quoted values keep their
 * quotes (so formatting reproduces them; use `unquote` to read one). Stops at end of string, at
 * `,` (next list element) or at `>`; returns the stop index.
 */
export function parseParamsAt(s: string, i: number, into: Params): number {
  const n = s.length;
  for (;;) {
    i = skipWs(s, i);
    if (i >= n) return i;
    const c = s.charCodeAt(i);
    if (c === 0x2c /* , */) return i;
    if (c !== 0x3b /* ; */) fail('unexpected character in parameters', s, i);
    i = skipWs(s, i + 1);
    const ns = i;
    i = scanToken(s, i);
    if (i === ns) fail('empty parameter name', s, i);
    const name = s.slice(ns, i).toLowerCase();
    i = skipWs(s, i);
    if (s.charCodeAt(i) === 0x3d /* = */) {
      i = skipWs(s, i + 1);
      const vs = i;
      if (s.charCodeAt(i) === 0x22) i = skipQuoted(s, i);
      else i = scanTable(s, i, PARAM_VALUE);
      if (i === vs) fail('empty parameter value', s, i);
      into[name] = s.slice(vs, i);
    } else {
      into[name] = null;
    }
  }
}

/** Formats parameters as `;name=value;flag` (values written as stored). */
export function formatParams(params: Params | undefined): string {
  if (!params) return '';
  let out = '';
  for (const name in params) {
    const v = params[name];
    out += v === null || v === undefined ? `;${name}` : `;${name}=${v}`;
  }
  return out;
}

/**
 * Splits a header value at top-level commas: not inside quoted-strings and not inside `<...>`.
 * Elements are trimmed; empty elements are dropped.
 */
export function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  const n = s.length;
  let start = 0;
  let angle = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 /* " */ && !angle) {
      // Unterminated quotes: treat the rest as one element (the typed parser will reject it).
      let j = i + 1;
      for (; j < n; j++) {
        const d = s.charCodeAt(j);
        if (d === 0x22) break;
        if (d === 0x5c) j++;
      }
      i = j;
    } else if (c === 0x3c /* < */) angle = true;
    else if (c === 0x3e /* > */) angle = false;
    else if (c === 0x2c /* , */ && !angle) {
      const part = s.slice(start, i).trim();
      if (part) out.push(part);
      start = i + 1;
    }
  }
  const last = s.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/** Parses an unsigned decimal of at most `max` (inclusive); leading zeros allowed. */
export function parseUint(s: string, max: number, what: string): number {
  const n = s.length;
  if (n === 0) fail(`empty ${what}`, s);
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) fail(`bad ${what}`, s, i);
    v = v * 10 + c;
    if (v > max) fail(`${what} too large`, s);
  }
  return v;
}
