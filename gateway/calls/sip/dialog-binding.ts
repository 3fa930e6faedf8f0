/**
 * DialogBinding: ties a confirmed Dialog and its MediaSession to a SIP call leg's events — a
 * re-INVITE or UPDATE offer is answered by the media session (direction changes → `direction`,
 * codec changes → `renegotiated`), BYE → `hangup('bye')`, INFO DTMF → `dtmf`, any other end of
 * the dialog (session timer expiry, 481/408 to a request, no ACK) → `hangup('bye')` — and sends
 * our own re-offers (hold toward the peer) and INFO DTMF.
 */
import type { Dialog, DialogEndReason, IncomingOffer, IncomingRefer } from '../../sip/index.ts';
import { sdpOf } from '../../sip/index.ts';
import type { CallLegEvents } from '../call-leg.ts';
import type { MediaDirection } from '../media-leg.ts';
import type { MediaSession } from '../sessions/media-session.ts';

export interface DialogBindingEvents {
  direction(direction: MediaDirection): void;
  renegotiated(): void;
  hangup(): void;
  dtmf(digit: string, durationMs: number): void;
  /** The peer sent REFER (blind transfer); reject it synchronously or let the dialog accept it. */
  refer?(refer: IncomingRefer): void;
  warn(error: unknown, what: string): void;
}

/** What a SIP call leg is to its binding: an emitter of the leg events. */
export interface BoundLeg {
  readonly id: string;
  emit<K extends keyof CallLegEvents>(event: K, ...args: CallLegEvents[K]): boolean;
}

/**
 * The binding events of a SIP call leg: the dialog's happenings become the leg's events (a BYE
 * only while the leg has not ended itself), failures of our own requests are logged as `role`.
 */
export function legEvents(
  leg: BoundLeg,
  ended: () => boolean,
  role: 'caller' | 'callee',
  warn: ((obj: object, msg: string) => void) | undefined,
): DialogBindingEvents {
  return {
    direction: (d) => leg.emit('direction', d),
    renegotiated: () => leg.emit('renegotiated'),
    hangup: () => {
      if (!ended()) leg.emit('hangup', 'bye');
    },
    dtmf: (digit, ms) => leg.emit('dtmf', digit, ms),
    refer: (refer) => leg.emit('refer', refer),
    warn: (err, what) => warn?.({ err, leg: leg.id }, `${role} leg: ${what} failed`),
  };
}

export class DialogBinding {
  readonly dialog: Dialog;
  readonly #session: MediaSession;
  readonly #events: DialogBindingEvents;
  readonly #offs: Array<() => void> = [];
  #remoteDirection: MediaDirection;
  #info: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(dialog: Dialog, session: MediaSession, events: DialogBindingEvents, remoteDirection: MediaDirection = 'sendrecv') {
    this.dialog = dialog;
    this.#session = session;
    this.#events = events;
    this.#remoteDirection = remoteDirection;
    const onOffer = (offer: IncomingOffer) => void this.#onOffer(offer);
    const onBye = () => this.#events.hangup();
    const onDtmf = (e: { digit: string; durationMs?: number }) => this.#events.dtmf(e.digit, e.durationMs ?? 100);
    const onTerminated = (reason: DialogEndReason) => {
      if (reason !== 'local-bye' && reason !== 'bye' && reason !== 'closed') this.#events.hangup();
    };
    dialog.on('reinvite', onOffer);
    dialog.on('update', onOffer);
    dialog.on('bye', onBye);
    dialog.on('dtmf', onDtmf);
    dialog.on('terminated', onTerminated);
    const onRefer = (refer: IncomingRefer) => {
      if (this.#events.refer) this.#events.refer(refer);
      else refer.reject(603, 'Transfer Not Supported');
    };
    dialog.on('refer', onRefer);
    this.#offs.push(() => {
      dialog.off('refer', onRefer);
      dialog.off('reinvite', onOffer);
      dialog.off('update', onOffer);
      dialog.off('bye', onBye);
      dialog.off('dtmf', onDtmf);
      dialog.off('terminated', onTerminated);
    });
  }

  /** Re-offer toward the peer with `direction`; resolves when its answer was applied. */
  async reoffer(direction: MediaDirection): Promise<void> {
    if (this.#closed || this.dialog.terminated) return;
    const sdp = await this.#session.reoffer(direction);
    const response = await this.dialog.reinvite(sdp);
    const answer = sdpOf(response) ?? this.dialog.remoteSdp;
    if (answer !== undefined) await this.#session.applyReanswer(answer);
  }

  /** Send a digit by INFO, after the previous one was answered (digits keep their order). */
  sendDtmf(digit: string, durationMs: number): void {
    if (this.#closed || this.dialog.terminated) return;
    this.#info = this.#info
      .then(() => (this.dialog.terminated ? undefined : this.dialog.sendDtmf(digit, { durationMs })))
      .catch((err: unknown) => this.#events.warn(err, 'INFO DTMF'));
  }

  /** BYE (with a Reason header) unless the dialog already ended; stop listening. */
  bye(reason?: string): void {
    this.close();
    if (!this.dialog.terminated) void this.dialog.bye(reason ? { reason } : {}).catch(() => undefined);
  }

  /** Stop listening (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs.splice(0)) off();
  }

  async #onOffer(offer: IncomingOffer): Promise<void> {
    if (offer.sdp === undefined) {
      // An offerless re-INVITE (or a body-less UPDATE): our current description is the offer.
      offer.accept(this.dialog.localSdp);
      return;
    }
    try {
      const result = await this.#session.handleReoffer(offer.sdp);
      if (!offer.accept(result.sdp)) return;
      if (result.codecChanged) this.#events.renegotiated();
      if (result.remoteDirection !== this.#remoteDirection) {
        this.#remoteDirection = result.remoteDirection;
        this.#events.direction(result.remoteDirection);
      }
    } catch (err) {
      this.#events.warn(err, 're-offer');
      offer.reject(488);
    }
  }
}
