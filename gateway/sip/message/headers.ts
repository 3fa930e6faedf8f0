/**
 * Reading and editing the header list of a SipMessage. Lookups are case-insensitive and
 * compact-form aware (`getHeader(msg, 'i')` finds `Call-ID`); edits keep wire order and store the
 * canonical name. `getHeaders` splits comma-joined values only for list-valued headers, and never
 * inside quotes or `<...>`.
 */
import type { SipMessage } from './types.ts';
import { canonicalHeaderName, headerKey, isMultiValueHeader } from './names.ts';
import { splitTopLevel } from './lex.ts';

type HasHeaders = Pick<SipMessage, 'headers'>;

function matcher(name: string): (n: string) => boolean {
  const canon = canonicalHeaderName(name);
  const key = canon.toLowerCase();
  // Parsed messages store canonical names for well-known headers, so the fast path is `===`.
  return (n) => n === canon || (n.length === key.length && n.toLowerCase() === key) || (n.length === 1 && headerKey(n) === key);
}

/** First value of the named header, or undefined. */
export function getHeader(msg: HasHeaders, name: string): string | undefined {
  const canon = canonicalHeaderName(name);
  const hs = msg.headers;
  for (let i = 0; i < hs.length; i++) {
    if (hs[i]!.name === canon) return hs[i]!.value;
  }
  const is = matcher(name);
  for (let i = 0; i < hs.length; i++) {
    if (is(hs[i]!.name)) return hs[i]!.value;
  }
  return undefined;
}

/** True when at least one header of that name is present. */
export function hasHeader(msg: HasHeaders, name: string): boolean {
  return getHeader(msg, name) !== undefined;
}

/**
 * All values of the named header in wire order. For list-valued headers (Via, Route, Contact,
 * Supported, ...) comma-joined values are split at top-level commas; other headers
 * (WWW-Authenticate, Authorization, Date, ...) yield one value per header line.
 */
export function getHeaders(msg: HasHeaders, name: string): string[] {
  const is = matcher(name);
  const split = isMultiValueHeader(name);
  const out: string[] = [];
  for (const h of msg.headers) {
    if (!is(h.name)) continue;
    if (split && h.value.indexOf(',') >= 0) out.push(...splitTopLevel(h.value));
    else if (!split || h.value.length > 0) out.push(h.value);
  }
  return out;
}

/** Number of header lines with that name (not comma-split). */
export function countHeaders(msg: HasHeaders, name: string): number {
  const is = matcher(name);
  let n = 0;
  for (const h of msg.headers) if (is(h.name)) n++;
  return n;
}

/** Removes every header of that name; returns how many lines were removed. */
export function removeHeader(msg: HasHeaders, name: string): number {
  const is = matcher(name);
  const before = msg.headers.length;
  const kept = msg.headers.filter((h) => !is(h.name));
  msg.headers.length = 0;
  msg.headers.push(...kept);
  return before - kept.length;
}

/**
 * Sets a header to a single value: replaces the first occurrence in place (keeping its position)
 * and removes any others; appends when absent.
 */
export function setHeader(msg: HasHeaders, name: string, value: string): void {
  const is = matcher(name);
  const canon = canonicalHeaderName(name);
  const idx = msg.headers.findIndex((h) => is(h.name));
  if (idx < 0) {
    msg.headers.push({ name: canon, value });
    return;
  }
  msg.headers[idx] = { name: canon, value };
  for (let i = msg.headers.length - 1; i > idx; i--) if (is(msg.headers[i]!.name)) msg.headers.splice(i, 1);
}

/** Appends a header line at the end. */
export function addHeader(msg: HasHeaders, name: string, value: string): void {
  msg.headers.push({ name: canonicalHeaderName(name), value });
}

/**
 * Inserts a header line before the first existing header of the same name (e.g. a new top Via),
 * or at the top of the header list when there is none.
 */
export function prependHeader(msg: HasHeaders, name: string, value: string): void {
  const is = matcher(name);
  const idx = msg.headers.findIndex((h) => is(h.name));
  msg.headers.splice(idx < 0 ? 0 : idx, 0, { name: canonicalHeaderName(name), value });
}

/**
 * Removes the first value of a (list-valued) header: the first element of a comma-joined line or
 * the whole line when it holds one value. Used to pop the top Via or Route. Returns the removed
 * value.
 */
export function removeFirstValue(msg: HasHeaders, name: string): string | undefined {
  const is = matcher(name);
  const idx = msg.headers.findIndex((h) => is(h.name));
  if (idx < 0) return undefined;
  const h = msg.headers[idx]!;
  const parts = h.value.indexOf(',') >= 0 ? splitTopLevel(h.value) : [h.value];
  if (parts.length <= 1) {
    msg.headers.splice(idx, 1);
    return parts[0] ?? h.value;
  }
  msg.headers[idx] = { name: h.name, value: parts.slice(1).join(', ') };
  return parts[0];
}
