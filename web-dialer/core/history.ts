/**
 * Recent calls kept in the browser (localStorage, per user, newest first, at most 50), so the list
 * survives reloads even when the gateway keeps no history; when the gateway sends its own list
 * (app events) the dialer shows that one instead.
 */
import type { RecentCall } from '../../gateway/api/app-events-protocol.ts';
import type { Call } from './call.ts';

const MAX = 50;
const key = (user: string) => `patchbay.recent.${user}`;

export function loadHistory(user: string): RecentCall[] {
  try {
    const list = JSON.parse(localStorage.getItem(key(user)) ?? '[]') as unknown;
    return Array.isArray(list) ? (list as RecentCall[]) : [];
  } catch {
    return [];
  }
}

/** Records an ended call; returns the new list. */
export function recordCall(user: string, call: Call): RecentCall[] {
  const entry: RecentCall = {
    id: call.session.id ?? String(call.startedAt),
    direction: call.direction === 'incoming' ? 'inbound' : 'outbound',
    peer: call.peer,
    startTime: new Date(call.startedAt).toISOString(),
    answerTime: call.answeredAt ? new Date(call.answeredAt).toISOString() : null,
    durationSeconds: call.duration,
    endReason: call.end?.reason ?? 'failed',
    sipCode: call.end?.status ?? (call.answeredAt ? 200 : 0),
  };
  const list = [entry, ...loadHistory(user).filter((c) => c.id !== entry.id)].slice(0, MAX);
  try {
    localStorage.setItem(key(user), JSON.stringify(list));
  } catch {
    // Storage full or disabled: keep the list in memory only.
  }
  return list;
}
