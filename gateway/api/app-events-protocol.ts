/**
 * The app-events protocol between the gateway and the web dialer (socket.io at `/socket.io`):
 * payload types only, no code, so web-dialer/ can import them without pulling in the gateway.
 *
 * Handshake: `io(origin, { path: '/socket.io', auth: { username, password } })` with a directory
 * user's credentials; a refused handshake fails with `connect_error` whose message is
 * `APP_EVENTS_UNAUTHORIZED`. After connecting, the server sends `presence` and `recent-calls` at
 * once and again on every change (`recent-calls` when a call of the signed-in user ended). A
 * socket only ever receives the recent calls of the user it authenticated as.
 */

/** A directory user as the dialer shows it. */
export interface DirectoryEntry {
  username: string;
  /** Display name from the directory, when set. */
  displayName?: string;
}

/** `presence`: who is registered right now. */
export interface PresencePayload {
  /** Every directory user (the roster), sorted by username. */
  users: DirectoryEntry[];
  /** Usernames with at least one live registration. */
  online: string[];
}

/** One finished call as seen by the signed-in user. */
export interface RecentCall {
  /** Stable id (the gateway's call id). */
  id: string;
  /** outbound: this user called; inbound: this user was called. */
  direction: 'inbound' | 'outbound';
  /** The other party (user, number or extension). */
  peer: string;
  /** ISO 8601 times. */
  startTime: string;
  answerTime: string | null;
  /** From answer to end (s); 0 when never answered. */
  durationSeconds: number;
  /** Why it ended, in the gateway's words (the CDR's end reason: 'normal', 'busy', 'no_answer', 'rejected', 'cancelled'…). */
  endReason: string;
  /** SIP status that ended it (200 for a normal hang-up). */
  sipCode: number;
}

/** `recent-calls`: the signed-in user's latest calls, newest first. */
export interface RecentCallsPayload {
  calls: RecentCall[];
}

/** What the server emits. */
export interface AppServerEvents {
  presence: (payload: PresencePayload) => void;
  'recent-calls': (payload: RecentCallsPayload) => void;
}

/** What the client may emit (nothing yet: the channel is server → client). */
export type AppClientEvents = Record<string, never>;

/** Handshake `auth` object. */
export interface AppEventsAuth {
  username: string;
  password: string;
}

/** `connect_error` message when the credentials are refused. */
export const APP_EVENTS_UNAUTHORIZED = 'APP_EVENTS_UNAUTHORIZED';
