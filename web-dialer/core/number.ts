/**
 * Dial strings as people type and paste them: `cleanNumber` turns a pasted phone number into the
 * digits to dial (`+1 (555) 123-4567` → `+15551234567`, `tel:` links too) and leaves SIP URIs,
 * user names and extensions (`echo`, `alice`) alone; `isDialable` says whether a key may go into
 * the number field; `targetUri` makes the SIP URI to call.
 */

/** Separators people and CRMs put in phone numbers (spaces incl. NBSP/thin, dashes, dots, brackets, slashes). */
const SEPARATORS = /[\s\u00a0\u2000-\u200b\u202f().\-\u2010-\u2015\u2212/[\]]/g;

/** Cleans a typed or pasted dial string. */
export function cleanNumber(input: string): string {
  let s = input.trim();
  if (/^sips?:/i.test(s)) return s.replace(/\s+/g, '');
  s = s.replace(/^tel:/i, '');
  // Full-width digits and plus sign (copied from some documents and IMEs).
  s = s.replace(/[\uff10-\uff19\uff0b]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0));
  const bare = s.replace(SEPARATORS, '');
  if (/^\+?[0-9*#]+$/.test(bare)) return bare;
  // `tel:` parameters (`;ext=12`) and visual separators around an extension are not dialable.
  const withExt = /^(\+?[0-9*#]+)(?:;ext=|x|ext\.?)([0-9]+)$/i.exec(bare);
  if (withExt) return `${withExt[1]},${withExt[2]}`;
  return s.replace(/\s+/g, '');
}

/** Whether a single typed character belongs in the number field. */
export function isDialable(ch: string): boolean {
  return /^[0-9A-Za-z*#+@._:\-]$/.test(ch);
}

/** Whether `ch` is a DTMF key (for the in-call keypad and keyboard). */
export function isDtmfKey(ch: string): boolean {
  return /^[0-9*#A-Da-d]$/.test(ch);
}

/** The SIP URI to call: a URI stays as it is, anything else becomes `sip:<target>@<domain>`. */
export function targetUri(target: string, domain: string): string {
  const t = cleanNumber(target);
  if (/^sips?:/i.test(t)) return t;
  if (t.includes('@')) return `sip:${t}`;
  // A `,ext` suffix (from cleanNumber) is dialled after answer, not part of the URI.
  return `sip:${t.split(',')[0]}@${domain}`;
}

/** The digits to send as DTMF after answer, from a `number,ext` dial string. */
export function postDialDigits(target: string): string {
  return cleanNumber(target).split(',')[1] ?? '';
}
