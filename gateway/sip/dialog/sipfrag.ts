/**
 * The pieces of RFC 3515 REFER progress reporting: `message/sipfrag` status-line bodies
 * (RFC 3420; "SIP/2.0 180 Ringing") and the Subscription-State header of RFC 6665
 * (`active;expires=60`, `terminated;reason=noresource`).
 */
import { reasonPhrase } from '../message/index.ts';

export const SIPFRAG = 'message/sipfrag';

/** A status line from a sipfrag body. */
export interface SipfragStatus {
  status: number;
  reason: string;
}

/** Reads the status line at the top of a message/sipfrag body; undefined when there is none. */
export function parseSipfrag(body: string): SipfragStatus | undefined {
  const first = body.replace(/^\s+/, '').split(/\r?\n/, 1)[0] ?? '';
  const m = /^SIP\/2\.0\s+([1-6][0-9]{2})(?:\s+(.*))?$/i.exec(first.trim());
  if (!m) return undefined;
  return { status: Number(m[1]), reason: (m[2] ?? '').trim() };
}

/** A sipfrag body holding just a status line (with the CRLF RFC 3420 examples use). */
export function formatSipfrag(status: number, reason?: string): string {
  return `SIP/2.0 ${status} ${reason ?? reasonPhrase(status)}\r\n`;
}

export interface SubscriptionState {
  /** 'active', 'pending', 'terminated' (lower-cased) or an extension value. */
  state: string;
  expires?: number;
  reason?: string;
  retryAfter?: number;
}

/** Parses a Subscription-State value. */
export function parseSubscriptionState(value: string): SubscriptionState {
  const [head, ...params] = value.split(';');
  const out: SubscriptionState = { state: (head ?? '').trim().toLowerCase() };
  for (const p of params) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? '' : p.slice(eq + 1).trim();
    if (name === 'expires' && /^[0-9]+$/.test(v)) out.expires = Number(v);
    else if (name === 'retry-after' && /^[0-9]+$/.test(v)) out.retryAfter = Number(v);
    else if (name === 'reason') out.reason = v.toLowerCase();
  }
  return out;
}

/** Formats a Subscription-State value. */
export function formatSubscriptionState(state: SubscriptionState): string {
  let out = state.state;
  if (state.reason !== undefined) out += `;reason=${state.reason}`;
  if (state.expires !== undefined) out += `;expires=${state.expires}`;
  if (state.retryAfter !== undefined) out += `;retry-after=${state.retryAfter}`;
  return out;
}
