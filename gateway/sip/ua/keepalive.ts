/**
 * OptionsKeepalive: pings a peer (a trunk host, a PBX) with out-of-dialog OPTIONS every
 * `intervalMs` and reports whether it is up: any response the peer sends counts as alive (even
 * 404 or 405 — it answered), while our own timeout (408) or an unreachable next hop (503) counts
 * as a failure. 'up'/'down' fire on changes only; the first check decides the first state.
 */
import { EventEmitter } from 'node:events';
import type { SipEndpoint, SipResponse } from '../message/types.ts';
import { TimerSet, type TimerService } from '../transaction/index.ts';
import { isLocalResponse } from '../dialog/index.ts';
import type { RequestOptions } from './user-agent.ts';

export interface OptionsKeepaliveOptions {
  /** Request-URI of the OPTIONS, e.g. 'sip:trunk.example.com' or 'sip:10.0.0.5:5060'. */
  target: string;
  /** Where to send. Default: the next hop of the target. */
  destination?: SipEndpoint;
  /** Time between checks (ms), counted from the end of the previous one. Default 30000. */
  intervalMs?: number;
  /** Consecutive failures before the peer is declared down. Default 1. */
  failuresBeforeDown?: number;
  /** From of the OPTIONS. Default: the user agent's address. */
  from?: string;
}

export type PeerState = 'unknown' | 'up' | 'down';

export interface OptionsKeepaliveEvents {
  /** The peer answered after being down or unknown. */
  up: [response: SipResponse];
  /** The peer stopped answering (or could not be reached). */
  down: [response: SipResponse];
  /** Every completed check. */
  check: [response: SipResponse, alive: boolean];
}

/** The part of UserAgent the keepalive needs. */
export interface KeepaliveSender {
  request(options: RequestOptions): Promise<SipResponse>;
}

export class OptionsKeepalive extends EventEmitter<OptionsKeepaliveEvents> {
  readonly #sender: KeepaliveSender;
  readonly #options: OptionsKeepaliveOptions;
  readonly #timers: TimerSet;
  #state: PeerState = 'unknown';
  #failures = 0;
  #running = false;
  #inFlight = false;

  constructor(sender: KeepaliveSender, timers: TimerService, options: OptionsKeepaliveOptions) {
    super();
    this.#sender = sender;
    this.#options = options;
    this.#timers = new TimerSet(timers);
  }

  get state(): PeerState {
    return this.#state;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts checking: one OPTIONS now, then every interval. Idempotent. */
  start(): this {
    if (this.#running) return this;
    this.#running = true;
    this.#check();
    return this;
  }

  /** Stops checking (an OPTIONS in flight still completes, silently); idempotent. */
  stop(): void {
    this.#running = false;
    this.#timers.stopAll();
  }

  /** Alias of stop(). */
  close(): void {
    this.stop();
  }

  #check(): void {
    if (!this.#running || this.#inFlight) return;
    this.#inFlight = true;
    this.#sender
      .request({ method: 'OPTIONS', uri: this.#options.target, destination: this.#options.destination, from: this.#options.from })
      .then(
        (response) => this.#done(response),
        () => undefined,
      )
      .finally(() => {
        this.#inFlight = false;
        if (this.#running) this.#timers.start('next', this.#options.intervalMs ?? 30_000, () => this.#check());
      });
  }

  #done(response: SipResponse): void {
    if (!this.#running) return;
    const alive = !isLocalResponse(response);
    this.emit('check', response, alive);
    if (alive) {
      this.#failures = 0;
      if (this.#state !== 'up') {
        this.#state = 'up';
        this.emit('up', response);
      }
      return;
    }
    this.#failures++;
    if (this.#state !== 'down' && (this.#failures >= (this.#options.failuresBeforeDown ?? 1) || this.#state === 'unknown')) {
      this.#state = 'down';
      this.emit('down', response);
    }
  }
}
