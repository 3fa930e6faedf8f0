/**
 * App events for the web dialer: a socket.io server on the gateway's HTTP server at `/socket.io`
 * (long-polling and WebSocket), authenticated with directory credentials, that pushes `presence`
 * (the roster and who is registered) and `recent-calls` (the signed-in user's latest calls) — once
 * on connect and again on every change. Protocol types: ./app-events-protocol.ts.
 *
 * It hooks HTTP requests under its path itself (engine.io's usual wrapping of 'request') and takes
 * WebSocket upgrades through `upgradeHandler`, which the gateway puts in its upgrade routing, so
 * the gateway's "unclaimed upgrade → 404" rule keeps holding for every other path.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as EngineServer } from 'engine.io';
import { Server as IoServer, type Socket } from 'socket.io';
import {
  APP_EVENTS_UNAUTHORIZED,
  type AppClientEvents,
  type AppServerEvents,
  type DirectoryEntry,
  type PresencePayload,
  type RecentCall,
} from './app-events-protocol.ts';

/** The URL path of the channel. */
export const APP_EVENTS_PATH = '/socket.io';

export interface AppEventsOptions {
  /** The gateway's HTTP(S) server. */
  server: HttpServer;
  /** Directory users (`directory.users`): the roster and the credentials checked at handshake. */
  users: () => ReadonlyArray<{ username: string; password: string; display_name?: string }>;
  /** Usernames registered right now (e.g. `() => sip.location.aors()`). */
  online: () => string[];
  /** Subscribes to registration changes; returns the unsubscribe function. Default: none (call `presenceChanged()`). */
  onOnlineChange?: (listener: () => void) => () => void;
  /** A user's recent calls, newest first. Default: none (an empty list). */
  recentCalls?: (username: string) => RecentCall[];
  /** Origins allowed to connect cross-origin (CORS). Default: same origin only. */
  corsOrigins?: string[];
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type AppSocket = Socket<AppClientEvents, AppServerEvents, Record<string, never>, { username: string }>;

export class AppEvents {
  readonly io: IoServer<AppClientEvents, AppServerEvents, Record<string, never>, { username: string }>;
  readonly #engine: EngineServer;
  readonly #options: AppEventsOptions;
  readonly #unsubscribe: () => void;
  readonly #server: HttpServer;
  readonly #requestListeners: RequestListener[];
  readonly #onRequest: RequestListener;
  #lastOnline = '';
  #closed = false;

  constructor(options: AppEventsOptions) {
    this.#options = options;
    this.#server = options.server;
    const cors = options.corsOrigins?.length ? { origin: options.corsOrigins, credentials: false } : undefined;
    this.#engine = new EngineServer({ cors, pingInterval: 10_000, pingTimeout: 10_000 });
    this.io = new IoServer({ path: APP_EVENTS_PATH, serveClient: false });
    this.io.bind(this.#engine as unknown as Parameters<IoServer['bind']>[0]);
    this.io.use((socket, next) => {
      const username = this.#authenticate(socket.handshake.auth);
      if (!username) return next(new Error(APP_EVENTS_UNAUTHORIZED));
      socket.data.username = username;
      next();
    });
    this.io.on('connection', (socket) => this.#welcome(socket));
    // engine.io's own attach(): take our path, hand every other request to the app's listeners.
    this.#requestListeners = this.#server.listeners('request') as RequestListener[];
    this.#server.removeAllListeners('request');
    this.#onRequest = (req, res) => {
      if (isOurs(req)) this.#engine.handleRequest(req as never, res);
      else for (const l of this.#requestListeners) l.call(this.#server, req, res);
    };
    this.#server.on('request', this.#onRequest);
    this.#unsubscribe = options.onOnlineChange?.(() => this.presenceChanged()) ?? (() => {});
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** For the gateway's upgrade routing: takes WebSocket upgrades under /socket.io/. */
  readonly upgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    if (this.#closed || !isOurs(req)) return false;
    this.#engine.handleUpgrade(req as never, socket, head);
    return true;
  };

  /** The roster with who is online now. */
  presence(): PresencePayload {
    const users: DirectoryEntry[] = this.#options
      .users()
      .map((u) => (u.display_name ? { username: u.username, displayName: u.display_name } : { username: u.username }))
      .sort((a, b) => a.username.localeCompare(b.username));
    const known = new Set(users.map((u) => u.username));
    const online = [...new Set(this.#options.online())].filter((u) => known.has(u)).sort();
    return { users, online };
  }

  /** Re-sends `presence` to everyone when who is online changed. */
  presenceChanged(): void {
    if (this.#closed) return;
    const payload = this.presence();
    const key = payload.online.join(',');
    if (key === this.#lastOnline) return;
    this.#lastOnline = key;
    this.io.emit('presence', payload);
  }

  /** Pushes `recent-calls` to the sockets of `usernames` (e.g. both parties of a call that just ended). */
  recentCallsChanged(...usernames: string[]): void {
    if (this.#closed) return;
    for (const socket of this.io.sockets.sockets.values()) {
      if (usernames.includes(socket.data.username)) this.#sendRecentCalls(socket);
    }
  }

  /** Disconnects every client and unhooks from the HTTP server. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#server.off('request', this.#onRequest);
    for (const l of this.#requestListeners) this.#server.on('request', l);
    this.io.disconnectSockets(true);
    this.#engine.close();
  }

  #welcome(socket: AppSocket): void {
    const payload = this.presence();
    this.#lastOnline = payload.online.join(',');
    socket.emit('presence', payload);
    this.#sendRecentCalls(socket);
  }

  #sendRecentCalls(socket: AppSocket): void {
    socket.emit('recent-calls', { calls: this.#options.recentCalls?.(socket.data.username) ?? [] });
  }

  #authenticate(auth: unknown): string | undefined {
    if (!auth || typeof auth !== 'object') return undefined;
    const { username, password } = auth as Record<string, unknown>;
    if (typeof username !== 'string' || typeof password !== 'string') return undefined;
    const user = this.#options.users().find((u) => u.username === username);
    // Compare against something of the same shape even for unknown users.
    const expected = Buffer.from(user?.password ?? '\0unknown-user');
    const given = Buffer.from(password);
    const ok = expected.length === given.length && timingSafeEqual(expected, given);
    return user && ok ? username : undefined;
  }
}

function isOurs(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  return url === APP_EVENTS_PATH || url.startsWith(`${APP_EVENTS_PATH}/`) || url.startsWith(`${APP_EVENTS_PATH}?`);
}

/** Creates the channel on `options.server`; put `upgradeHandler` in the gateway's upgrade handlers. */
export function attachAppEvents(options: AppEventsOptions): AppEvents {
  return new AppEvents(options);
}

/** A call as the calls layer records it (the fields of its CDR that recent calls need). */
export interface CallRecordLike {
  callId: string;
  from: string;
  to: string;
  startTime: string;
  answerTime: string | null;
  durationSeconds: number;
  endReason: string;
  sipCode: number;
}

/** `username`'s view of call records (newest first, at most `limit`): who the other party was and which way. */
export function recentCallsOf(username: string, records: Iterable<CallRecordLike>, limit = 50): RecentCall[] {
  const out: RecentCall[] = [];
  for (const r of records) {
    const outbound = r.from === username;
    if (!outbound && r.to !== username) continue;
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
  return out.sort((a, b) => b.startTime.localeCompare(a.startTime)).slice(0, limit);
}
