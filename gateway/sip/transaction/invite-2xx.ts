/**
 * Invite2xxRetransmitter: the UAS core's duty of RFC 3261 §13.3.1.4 — after a 2xx to an INVITE,
 * send it again at T1, 2·T1, … capped at T2, until the ACK arrives (matched by Call-ID, tags and
 * CSeq number) or 64·T1 passes ('ackTimeout': the TU should send BYE). Retransmits regardless of
 * transport, since hops beyond the first may be UDP. The TransactionLayer runs one per 2xx it
 * sends (unless told not to); a dialog layer can also drive it directly.
 */
import { EventEmitter } from 'node:events';
import type { SipRequest, SipResponse } from '../message/types.ts';
import { dialogAckKey } from './keys.ts';
import { TimerSet, type TimerConfig, type TimerService } from './timers.ts';

export interface Invite2xxRetransmitterOptions {
  /** The 2xx response already sent once. */
  response: SipResponse;
  /** Sends the response once more; a rejection is reported as 'transportError' and retransmission goes on. */
  send(response: SipResponse): Promise<void>;
  /** Timer service (a FakeClock in tests). */
  timers: TimerService;
  /** T1 and T2 in ms. */
  config: Pick<TimerConfig, 't1' | 't2'>;
}

export interface Invite2xxRetransmitterEvents {
  /** The ACK arrived; retransmission stopped. */
  acknowledged: [ack: SipRequest];
  /** 64·T1 passed without an ACK (§13.3.1.4: the UAS should now send BYE). */
  ackTimeout: [response: SipResponse];
  transportError: [error: unknown];
  /** Stopped for any reason (ACK, timeout, stop()). */
  stopped: [];
}

export class Invite2xxRetransmitter extends EventEmitter<Invite2xxRetransmitterEvents> {
  /** Call-ID | From tag | To tag | CSeq number, shared with the ACK that ends it. */
  readonly key: string;
  readonly response: SipResponse;
  readonly #options: Invite2xxRetransmitterOptions;
  readonly #timers: TimerSet;
  #active = true;
  #retransmissions = 0;

  constructor(options: Invite2xxRetransmitterOptions) {
    super();
    this.#options = options;
    this.response = options.response;
    this.key = dialogAckKey(options.response);
    this.#timers = new TimerSet(options.timers);
    const { t1 } = options.config;
    this.#schedule(t1);
    this.#timers.start('timeout', 64 * t1, () => this.#finish(() => this.emit('ackTimeout', this.response)));
  }

  get active(): boolean {
    return this.#active;
  }

  /** How many times the 2xx was sent again so far. */
  get retransmissions(): number {
    return this.#retransmissions;
  }

  /** True when `ack` acknowledges our 2xx (same Call-ID, From tag, To tag and CSeq number). */
  matches(ack: SipRequest): boolean {
    if (ack.method !== 'ACK') return false;
    try {
      return dialogAckKey(ack) === this.key;
    } catch {
      return false;
    }
  }

  /** Stops retransmitting if `ack` matches; returns whether it did. */
  acknowledge(ack: SipRequest): boolean {
    if (!this.#active || !this.matches(ack)) return false;
    this.#finish(() => this.emit('acknowledged', ack));
    return true;
  }

  /** Stops without an ACK (e.g. the dialog ended); idempotent. */
  stop(): void {
    if (this.#active) this.#finish();
  }

  #schedule(interval: number): void {
    this.#timers.start('retransmit', interval, () => {
      if (!this.#active) return;
      this.#retransmissions++;
      this.#options.send(this.response).catch((err: unknown) => {
        if (this.#active) this.emit('transportError', err);
      });
      this.#schedule(Math.min(2 * interval, this.#options.config.t2));
    });
  }

  /** Goes inactive, runs `announce` (the reason's event), then emits 'stopped' whatever happens. */
  #finish(announce?: () => void): void {
    this.#active = false;
    this.#timers.stopAll();
    try {
      announce?.();
    } finally {
      this.emit('stopped');
    }
  }
}
