/**
 * Recent calls as one directory user sees them, computed from the call registry's records (CDRs):
 * pure functions, no I/O. A user placed a call when the CDR says it came from one of our users
 * (`direction: 'outbound'`, whose From the B2BUA checked against the digest username) and its From
 * is that user — not when the REST API placed it (route `api:…`: its From is whatever the API
 * client wrote); a user was called when the router sent the call to them (`route: 'user:<name>'`).
 * So a trunk or API caller who merely puts "1001" in From never lands in 1001's list, and a number
 * routed to a user (a DID) lands in that user's list although the dialled `to` is the number.
 */
import type { RecentCall } from './app-events-protocol.ts';

/** The fields of a call record (CallDetailRecord fits) that recent calls need. */
export interface CallRecordLike {
  callId: string;
  from: string;
  to: string;
  /** 'outbound': placed by one of our users; 'inbound': from a trunk or peer. */
  direction: 'inbound' | 'outbound';
  /** How the call was routed ('user:1002', 'extension:echo', 'trunk:…'); null when unknown. */
  route: string | null;
  startTime: string;
  answerTime: string | null;
  durationSeconds: number;
  endReason: string;
  sipCode: number;
}

/** Default length of a user's list. */
export const RECENT_CALLS_LIMIT = 50;

/** The directory user a record's call was routed to, if any (without a route: its `to`). */
function calledUser(r: CallRecordLike): string | undefined {
  if (r.route === null) return r.to;
  return r.route.startsWith('user:') ? r.route.slice('user:'.length) : undefined;
}

/** The directory user who placed the call, if one did. */
function caller(r: CallRecordLike): string | undefined {
  if (r.direction !== 'outbound' || !r.from || r.route?.startsWith('api:')) return undefined;
  return r.from;
}

/** The directory users whose recent calls include this record (the caller, the callee, or both). */
export function recentCallUsers(r: CallRecordLike): string[] {
  const users = new Set<string>();
  const from = caller(r);
  if (from) users.add(from);
  const callee = calledUser(r);
  if (callee) users.add(callee);
  return [...users];
}

/**
 * `username`'s recent calls from `records` (any order), newest first by start time, at most
 * `limit`: which way each went from that user's side and who the other party was. A call a user
 * made to themselves is listed once, as outbound.
 */
export function recentCallsOf(username: string, records: Iterable<CallRecordLike>, limit = RECENT_CALLS_LIMIT): RecentCall[] {
  const out: RecentCall[] = [];
  for (const r of records) {
    const outbound = caller(r) === username;
    if (!outbound && calledUser(r) !== username) continue;
    out.push({
      id: r.callId,
      direction: outbound ? 'outbound' : 'inbound',
      peer: outbound ? r.to : r.from,
      startTime: r.startTime,
      answerTime: r.answerTime,
      durationSeconds: r.durationSeconds,
      endReason: r.endReason,
      sipCode: r.sipCode,
    });
  }
  return out.sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime)).slice(0, Math.max(0, limit));
}
