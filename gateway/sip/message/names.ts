/**
 * Header names: compact-form expansion (RFC 3261 §7.3.3 and the extensions that register compact
 * forms), canonical capitalization of well-known names, and which headers may carry several
 * comma-separated values on one line (so `getHeaders` knows when it may split).
 */

/** Compact form (lower case) → canonical long name. */
const COMPACT: Record<string, string> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

const WELL_KNOWN = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Accept-Resource-Priority',
  'Alert-Info', 'Allow', 'Allow-Events', 'Authentication-Info', 'Authorization', 'Call-ID',
  'Call-Info', 'Contact', 'Content-Disposition', 'Content-Encoding', 'Content-ID',
  'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Error-Info', 'Event',
  'Expires', 'Flow-Timer', 'From', 'History-Info', 'Identity', 'Identity-Info', 'In-Reply-To',
  'Join', 'Max-Breadth', 'Max-Forwards', 'MIME-Version', 'Min-Expires', 'Min-SE', 'Organization',
  'P-Asserted-Identity', 'P-Preferred-Identity', 'P-Access-Network-Info', 'P-Associated-URI',
  'P-Called-Party-ID', 'P-Charging-Vector', 'P-Early-Media', 'Path', 'Priority',
  'Privacy', 'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason',
  'Record-Route', 'Refer-Sub', 'Refer-To', 'Referred-By', 'Reject-Contact', 'Replaces',
  'Reply-To', 'Request-Disposition', 'Require', 'Resource-Priority', 'Retry-After', 'Route',
  'RSeq', 'Security-Client', 'Security-Server', 'Security-Verify', 'Server', 'Service-Route',
  'Session-Expires', 'SIP-ETag', 'SIP-If-Match', 'Subject', 'Subscription-State', 'Supported',
  'Target-Dialog', 'Timestamp', 'To', 'Unsupported', 'User-Agent', 'Via', 'Warning',
  'WWW-Authenticate',
];

/** Lower-cased names, compact forms (both cases) and the canonical spellings themselves → canonical. */
const CANONICAL = new Map<string, string>();
for (const name of WELL_KNOWN) {
  CANONICAL.set(name.toLowerCase(), name);
  CANONICAL.set(name, name);
}
for (const [short, long] of Object.entries(COMPACT)) {
  CANONICAL.set(short, long);
  CANONICAL.set(short.toUpperCase(), long);
}

/**
 * Headers whose grammar is `#element` (comma-separated list) and whose values contain no bare
 * commas of their own. Only these are split by `getHeaders`. Deliberately absent: the auth
 * headers (WWW-Authenticate, Authorization, ...: commas separate parameters), Date, Retry-After,
 * Timestamp, Subject, User-Agent, Server, Call-ID, CSeq and other single-value headers.
 */
const MULTI_VALUE = new Set([
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Accept-Resource-Priority',
  'Alert-Info', 'Allow', 'Allow-Events', 'Call-Info', 'Contact', 'Content-Encoding',
  'Content-Language', 'Error-Info', 'History-Info', 'In-Reply-To', 'P-Asserted-Identity',
  'P-Preferred-Identity', 'P-Associated-URI', 'Path', 'Privacy', 'Proxy-Require', 'Reason',
  'Record-Route', 'Reject-Contact', 'Request-Disposition', 'Require', 'Resource-Priority', 'Route',
  'Security-Client', 'Security-Server', 'Security-Verify', 'Service-Route', 'Supported',
  'Unsupported', 'Via', 'Warning',
].map((n) => n.toLowerCase()));

/**
 * Canonical spelling of a header name: compact forms expanded, well-known names in their RFC
 * capitalization, unknown names returned unchanged (as sent).
 */
export function canonicalHeaderName(name: string): string {
  const known = CANONICAL.get(name) ?? CANONICAL.get(name.toLowerCase());
  return known ?? name;
}

/** The most frequent canonical spellings, by length: compared directly, no hashing. */
const FREQUENT: Array<string[] | undefined> = [];
for (const name of [
  'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Max-Forwards', 'Content-Type', 'Content-Length',
  'Route', 'Record-Route', 'Allow', 'Supported', 'User-Agent', 'Server', 'Expires', 'Require',
  'Authorization', 'WWW-Authenticate', 'Proxy-Authorization', 'Proxy-Authenticate', 'Accept', 'Event',
  'Session-Expires', 'Date', 'Timestamp', 'Reason', 'P-Asserted-Identity', 'RSeq', 'RAck', 'Allow-Events',
  'Subscription-State', 'Content-Disposition', 'Min-SE', 'Path', 'Refer-To', 'Referred-By', 'Replaces',
]) {
  (FREQUENT[name.length] ??= []).push(name);
}

/** Canonical spelling when the name is well known or compact (else undefined). */
export function knownHeaderName(name: string): string | undefined {
  const same = FREQUENT[name.length];
  if (same !== undefined) {
    for (let i = 0; i < same.length; i++) if (same[i] === name) return name;
  }
  return CANONICAL.get(name) ?? CANONICAL.get(name.toLowerCase());
}

/** Lower-cased canonical name: the key for case-insensitive, compact-aware comparison. */
export function headerKey(name: string): string {
  const known = CANONICAL.get(name) ?? CANONICAL.get(name.toLowerCase());
  return (known ?? name).toLowerCase();
}

/** The long name for a compact form, or undefined when `c` is not a registered compact form. */
export function expandCompactName(c: string): string | undefined {
  return c.length === 1 ? COMPACT[c.toLowerCase()] : undefined;
}

/** True when the header's values may be comma-joined on one line (and may be split back). */
export function isMultiValueHeader(name: string): boolean {
  return MULTI_VALUE.has(headerKey(name));
}
