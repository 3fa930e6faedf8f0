/**
 * The dialer's side of the gateway's app-events channel (socket.io at `/socket.io`): who in the
 * directory is online, and the signed-in user's recent calls as the gateway recorded them.
 * Reconnects by itself (socket.io); a refused handshake stops it.
 */
import { io, type Socket } from 'socket.io-client';
import type { APP_EVENTS_UNAUTHORIZED, AppClientEvents, AppServerEvents, PresencePayload, RecentCall } from '../../gateway/api/app-events-protocol.ts';
import { Emitter } from './emitter.ts';

const UNAUTHORIZED: typeof APP_EVENTS_UNAUTHORIZED = 'APP_EVENTS_UNAUTHORIZED';

export type AppEventsState = 'connecting' | 'connected' | 'offline' | 'refused';

export type AppEventsEvents = {
  change: [];
};

export class AppEventsClient extends Emitter<AppEventsEvents> {
  state: AppEventsState = 'connecting';
  presence: PresencePayload = { users: [], online: [] };
  /** undefined until the gateway sent its list. */
  recentCalls: RecentCall[] | undefined;
  readonly #socket: Socket<AppServerEvents, AppClientEvents>;

  constructor(gateway: string, username: string, password: string) {
    super();
    this.#socket = io(new URL(gateway).origin, { path: '/socket.io', auth: { username, password }, transports: ['websocket', 'polling'], reconnectionDelayMax: 8000 });
    this.#socket.on('connect', () => this.#set('connected'));
    this.#socket.on('disconnect', () => this.#set('offline'));
    this.#socket.on('connect_error', (err) => {
      if (err.message === UNAUTHORIZED) {
        this.#socket.disconnect();
        this.#set('refused');
      } else {
        this.#set('offline');
      }
    });
    this.#socket.on('presence', (p) => {
      this.presence = p;
      this.emit('change');
    });
    this.#socket.on('recent-calls', (r) => {
      this.recentCalls = r.calls;
      this.emit('change');
    });
  }

  isOnline(username: string): boolean {
    return this.presence.online.includes(username);
  }

  close(): void {
    this.#socket.disconnect();
  }

  #set(state: AppEventsState): void {
    this.state = state;
    this.emit('change');
  }
}
