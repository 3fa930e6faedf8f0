/**
 * Test helper: a call handler for a UserAgent that stands in for the calls layer — it answers
 * every incoming INVITE (180, then 200 with an SDP answer made by gateway/sip/sdp createAnswer,
 * or an offer for offerless INVITEs), answers re-INVITEs the same way, accepts REFERs, and
 * records what happened (dialogs, offers' directions, DTMF, REFERs, BYEs) for assertions.
 * No media flows: the SDP names a port nobody listens on.
 */
import { EventEmitter } from 'node:events';
import {
  createAnswer,
  createOffer,
  parseSdp,
  type Dialog,
  type DtmfEvent,
  type IncomingInvite,
  type IncomingOffer,
  type IncomingRefer,
  type MediaDirection,
  type UserAgent,
} from '../gateway/sip/index.ts';

export const TEST_CODECS = [
  { name: 'PCMU', clockRate: 8000 },
  { name: 'PCMA', clockRate: 8000 },
];

export interface AnswererOptions {
  /** Send 180 Ringing before the 200. Default true. */
  ring?: boolean;
  /** Address in our SDP. Default 127.0.0.1. */
  address?: string;
  /** RTP port in our SDP. Default 40000 (nothing listens). */
  port?: number;
  /** Decide per call: return a status ≥ 300 to reject, undefined to answer. Default: answer all. */
  screen?: (call: IncomingInvite) => number | undefined;
}

export interface AnswererEvents {
  /** A call was answered and its ACK arrived (or the caller's BYE overtook a lost ACK). */
  answered: [dialog: Dialog, call: IncomingInvite];
  /** A call could not be completed (no ACK, cancelled, SDP failure). */
  failed: [call: IncomingInvite, error: Error];
  /** A re-INVITE/UPDATE offer arrived in one of our dialogs; `direction` is the offer's audio direction. */
  reoffer: [dialog: Dialog, direction: MediaDirection, offer: IncomingOffer];
  dtmf: [dialog: Dialog, event: DtmfEvent];
  refer: [dialog: Dialog, refer: IncomingRefer];
  /** The peer hung up (BYE). */
  bye: [dialog: Dialog];
}

/** The audio direction of an SDP (session-level direction already folded in by the parser). */
export function audioDirection(sdp: string): MediaDirection {
  return parseSdp(sdp).media.find((m) => m.media === 'audio')?.direction ?? 'sendrecv';
}

export class CallAnswerer extends EventEmitter<AnswererEvents> {
  readonly ua: UserAgent;
  readonly options: AnswererOptions;
  /** Counters for quick assertions. */
  readonly counts = { invites: 0, answered: 0, failed: 0, byes: 0, reoffers: 0 };
  readonly dialogs: Dialog[] = [];
  #version = 1;
  readonly #onInvite = (call: IncomingInvite) => this.#answer(call);

  constructor(ua: UserAgent, options: AnswererOptions = {}) {
    super();
    this.ua = ua;
    this.options = options;
    ua.on('invite', this.#onInvite);
  }

  /** Our answer to `offer`, or an offer when there is none. */
  sdpFor(offer: string | undefined): string {
    const address = this.options.address ?? '127.0.0.1';
    const port = this.options.port ?? 40000;
    const origin = { sessionId: '4242', sessionVersion: this.#version++ };
    if (offer === undefined) return createOffer({ address, origin, media: [{ port, codecs: TEST_CODECS }] });
    return createAnswer(offer, { address, origin, media: { audio: { port, codecs: TEST_CODECS } } }).sdp;
  }

  /** Stops answering (later INVITEs get the user agent's default 480). */
  close(): void {
    this.ua.off('invite', this.#onInvite);
  }

  #answer(call: IncomingInvite): void {
    this.counts.invites++;
    const status = this.options.screen?.(call);
    if (status !== undefined) {
      call.reject(status);
      return;
    }
    if (this.options.ring ?? true) call.progress(180);
    let sdp: string;
    try {
      sdp = this.sdpFor(call.sdp);
    } catch (err) {
      call.reject(488);
      this.#fail(call, err as Error);
      return;
    }
    const acked = call.accept(sdp);
    const dialog = call.dialog!;
    this.watch(dialog);
    acked.then(
      () => {
        this.counts.answered++;
        this.emit('answered', dialog, call);
      },
      (err: Error) => {
        // The caller's BYE may overtake an ACK that was lost: the call was answered and ended.
        if (dialog.endReason === 'bye') {
          this.counts.answered++;
          this.emit('answered', dialog, call);
        } else this.#fail(call, err);
      },
    );
  }

  /** Handles re-offers, DTMF, REFER and BYE of a dialog (ours from answering, or one a test placed). */
  watch(dialog: Dialog): void {
    this.dialogs.push(dialog);
    const onOffer = (offer: IncomingOffer) => {
      this.counts.reoffers++;
      const direction = offer.sdp ? audioDirection(offer.sdp) : 'sendrecv';
      try {
        offer.accept(this.sdpFor(offer.sdp));
      } catch {
        offer.reject(488);
      }
      this.emit('reoffer', dialog, direction, offer);
    };
    dialog.on('reinvite', onOffer);
    dialog.on('update', onOffer);
    dialog.on('dtmf', (event) => this.emit('dtmf', dialog, event));
    dialog.on('refer', (refer) => this.emit('refer', dialog, refer));
    dialog.on('bye', () => {
      this.counts.byes++;
      this.emit('bye', dialog);
    });
  }

  #fail(call: IncomingInvite, error: Error): void {
    this.counts.failed++;
    this.emit('failed', call, error);
  }
}
