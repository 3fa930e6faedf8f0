/**
 * Small scalar headers: CSeq, Max-Forwards, Content-Length, Expires-style delta-seconds,
 * Content-Type (media type with parameters) and token lists (Supported, Require, Allow, ...).
 */
import { fail, formatParams, isToken, parseParamsAt, parseUint, scanToken, skipWs, splitTopLevel, type Params } from './lex.ts';

export interface SipCSeq {
  /** Sequence number, 0 .. 2^32-1. */
  seq: number;
  /** Method token as sent (case-sensitive). */
  method: string;
}

/** Parses `CSeq: 1*DIGIT LWS Method`. */
export function parseCSeq(value: string): SipCSeq {
  let i = skipWs(value, 0);
  const ds = i;
  while (value.charCodeAt(i) >= 0x30 && value.charCodeAt(i) <= 0x39) i++;
  const seq = parseUint(value.slice(ds, i), 0xffffffff, 'CSeq number');
  const ws = i;
  i = skipWs(value, i);
  if (i === ws) fail('CSeq: expected whitespace before method', value, i);
  const ms = i;
  i = scanToken(value, i);
  if (i === ms) fail('CSeq: missing method', value, i);
  const method = value.slice(ms, i);
  if (skipWs(value, i) !== value.length) fail('CSeq: unexpected data after method', value, i);
  return { seq, method };
}

export function formatCSeq(cseq: SipCSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}

/** Parses Max-Forwards (0..255). */
export function parseMaxForwards(value: string): number {
  return parseUint(value.trim(), 255, 'Max-Forwards');
}

/** Parses Content-Length (a non-negative integer, at most 2^31-1). */
export function parseContentLength(value: string): number {
  return parseUint(value.trim(), 0x7fffffff, 'Content-Length');
}

/**
 * Parses delta-seconds (Expires, Min-Expires, Retry-After's first part): values above 2^32-1 are
 * clamped to 2^32-1 as RFC 3261 §20.19 and §25 direct.
 */
export function parseDeltaSeconds(value: string): number {
  const t = value.trim();
  const sp = t.search(/[ \t;(]/);
  const num = sp < 0 ? t : t.slice(0, sp);
  if (!/^[0-9]+$/.test(num)) fail('bad delta-seconds', value);
  return Math.min(Number(num), 0xffffffff);
}

export interface SipContentType {
  /** Lower-cased type, e.g. 'application'. */
  type: string;
  /** Lower-cased subtype, e.g. 'sdp'. */
  subtype: string;
  /** Parameters, lower-cased names, values as written (quoted ones keep their quotes). */
  params: Params;
}

/** Parses `type/subtype *(;param)`. */
export function parseContentType(value: string): SipContentType {
  let i = skipWs(value, 0);
  let s = i;
  i = scanToken(value, i);
  if (i === s) fail('Content-Type: bad type', value, i);
  const type = value.slice(s, i).toLowerCase();
  i = skipWs(value, i);
  if (value.charCodeAt(i) !== 0x2f) fail("Content-Type: expected '/'", value, i);
  i = skipWs(value, i + 1);
  s = i;
  i = scanToken(value, i);
  if (i === s) fail('Content-Type: bad subtype', value, i);
  const subtype = value.slice(s, i).toLowerCase();
  const params: Params = {};
  i = parseParamsAt(value, i, params);
  if (i < value.length) fail('Content-Type: unexpected data', value, i);
  return { type, subtype, params };
}

export function formatContentType(ct: SipContentType): string {
  return `${ct.type}/${ct.subtype}${formatParams(ct.params)}`;
}

/** Parses a comma-separated token list (Supported, Require, Proxy-Require, Allow, Unsupported). */
export function parseTokenList(value: string): string[] {
  const out: string[] = [];
  for (const part of splitTopLevel(value)) {
    if (!isToken(part)) fail('bad token in list', value);
    out.push(part);
  }
  return out;
}

export function formatTokenList(tokens: readonly string[]): string {
  return tokens.join(', ');
}
