/**
 * App events for the web dialer: a socket.io server on the gateway's HTTP server at `/socket.io`
 * (long-polling and WebSocket), authenticated with directory credentials, that pushes `presence`
 * (the roster and who is registered) and `recent-calls` (the signed-in user's latest calls) — once
 * on connect and again on every change. Protocol types: ./app-events-protocol.ts.
 *
 * Who a socket is: the handshake's `auth: { username, password }` must match a directory user
 * (constant-time compare), else the connection is refused with `APP_EVENTS_UNAUTHORIZED`; the
 * username is then fixed on the socket, and `recent-calls` only ever carries that user's calls.
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
  /** A user's recent calls, newest first (e.g. `recentCallsOf(user, registry.records())`, ./recent-calls.ts). Default: none (an empty list). */
  recentCalls?: (username: string) => RecentCall[];
  /**
   * Subscribes to changes of users' recent calls (a call ended: its caller and callee); returns
   * the unsubscribe function, called on close. Default: none (call `recentCallsChanged()`).
   */
  onRecentCallsChange?: (listener: (...usernames: string[]) => void) => () => void;
  /** Origins allowed to connect cross-origin (CORS). Default: same origin only. */
  corsOrigins?: string[];
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type AppSocket = Socket<AppClientEvents, AppServerEvents, Record<string, never>, { username: string }>;

export class AppEvents {
  readonly io: IoServer<AppClientEvents, AppServerEvents, Record<string, never>, { username: string }>;
  readonly #engine: EngineServer;
  readonly #options: AppEventsOptions;
  readonly #unsubscribe: Array<() => void>;
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
    this.#unsubscribe = [
      options.onOnlineChange?.(() => this.presenceChanged()) ?? (() => {}),
      options.onRecentCallsChange?.((...usernames) => this.recentCallsChanged(...usernames)) ?? (() => {}),
    ];
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

  /**
   * Pushes `recent-calls` to the sockets of `usernames` (e.g. both parties of a call that just
   * ended): each socket gets the list of the user it authenticated as, computed once per user.
   */
  recentCallsChanged(...usernames: string[]): void {
    if (this.#closed) return;
    const lists = new Map<string, RecentCall[]>();
    for (const socket of this.io.sockets.sockets.values()) {
      const user = socket.data.username;
      if (!usernames.includes(user)) continue;
      if (!lists.has(user)) lists.set(user, this.#recentCallsOf(user));
      socket.emit('recent-calls', { calls: lists.get(user)! });
    }
  }

  /** Disconnects every client and unhooks from the HTTP server. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
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
    socket.emit('recent-calls', { calls: this.#recentCallsOf(socket.data.username) });
  }

  #recentCallsOf(username: string): RecentCall[] {
    return this.#options.recentCalls?.(username) ?? [];
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
