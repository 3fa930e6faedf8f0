/**
 * CallLeg: a Call's view of one leg's signalling, whatever carries it — a SIP dialog (with a
 * browser or RTP media leg), an extension, a bot stream — so the Call's state machine is written
 * once. The caller's side is an `InboundLeg` (ring, answer, reject), the callee's an
 * `OutboundLeg` (dial, cancel); both report progress, answer, failure, hang-up, re-offered
 * directions (hold), SIP INFO DTMF and media failures as events, and expose their negotiated
 * media as `LegMedia` for the Bridge.
 */
import type { Dialog, IncomingRefer } from '../sip/index.ts';
import type { LegCodec, LegMedia, MediaDirection } from './media-leg.ts';

export type CallLegEvents = {
  /** Outbound: the far end rings (180) or sends early media (183 with SDP; `media` is then set). */
  progress: [status: number, earlyMedia: boolean];
  /** Outbound: the far end answered (2xx; `media` is set). Inbound: our 200 was acknowledged. */
  answered: [];
  /** The leg failed before it was answered: final SIP status (our own 408/480/503 for local failures). */
  failed: [status: number, reason: string];
  /** The far end ended the leg: CANCEL (inbound, before answer) or BYE. */
  hangup: [how: 'cancel' | 'bye'];
  /** The far end re-offered with this direction (its point of view): hold is sendonly or inactive. */
  direction: [direction: MediaDirection];
  /** The far end's codec changed in a re-negotiation: the bridge must reconfigure. */
  renegotiated: [];
  /** A DTMF digit arrived by SIP INFO. */
  dtmf: [digit: string, durationMs: number];
  /** The media transport failed (ICE/DTLS, connect timeout). */
  mediaFailed: [reason: string];
  /**
   * The far end sent REFER (blind transfer). Listeners run synchronously: `refer.reject()` now,
   * or the dialog accepts it (202) and the listener reports progress with `refer.notify()`.
   */
  refer: [refer: IncomingRefer];
};

/** Counters of a leg for the CDR. */
export interface CallLegStats {
  id: string;
  /** 'sip', 'webrtc', 'extension:echo', … */
  kind: string;
  /** Negotiated codec, e.g. 'PCMU'. */
  codec: string | undefined;
  /** Where the far end is, when known (contact URI, address). */
  remote: string | undefined;
}

/** A listener-shaped view of a typed emitter (node's EventEmitter<CallLegEvents> fits). */
export interface CallLegEmitter {
  on<K extends keyof CallLegEvents>(event: K, listener: (...args: CallLegEvents[K]) => void): unknown;
  off<K extends keyof CallLegEvents>(event: K, listener: (...args: CallLegEvents[K]) => void): unknown;
}

export interface CallLegBase extends CallLegEmitter {
  readonly id: string;
  readonly kind: string;
  readonly closed: boolean;
  /** The negotiated media, once there is one. */
  readonly media: LegMedia | undefined;
  /** The SIP dialog once established, for legs that have one (REFER goes through it). */
  readonly dialog?: Dialog | undefined;
  /**
   * Where a bare number this leg is transferred to lives (`host[:port]` of the peer or trunk on
   * its far side): the PBX or carrier dials it itself. Undefined for our own users (they are
   * referred back to us).
   */
  readonly referHome?: string;
  /** Re-offer toward this leg's peer with `direction` (hold propagation); resolves when answered. */
  setDirection(direction: MediaDirection): Promise<void>;
  /** Send a DTMF digit by SIP INFO (the leg has no telephone-event). */
  sendInfoDtmf(digit: string, durationMs: number): void;
  /**
   * End the leg's signalling as its state needs — inbound unanswered: a final `status` (default
   * 480); outbound unanswered: CANCEL; answered: BYE with `reason` as Reason header — then
   * release its media. Idempotent.
   */
  end(options?: { status?: number; reason?: string }): void;
  /** The owning Call closed: like `end()` with defaults; idempotent. */
  parentClosed(): void;
  getStats(): CallLegStats;
}

/** The caller's leg: an offer we received. */
export interface InboundLeg extends CallLegBase {
  /**
   * Provisional response: 180, or 183 with early media when `farCodec` is given (our media is
   * negotiated then, preferring that codec so the bridge can relay).
   */
  ring(farCodec?: LegCodec): Promise<void>;
  /** Answer (200 OK), negotiating media preferring `farCodec`; resolves once media is set (not waiting for the ACK). */
  answer(farCodec?: LegCodec): Promise<void>;
}

/** The callee's leg: a call we place (one or several forks) or an extension. */
export interface OutboundLeg extends CallLegBase {
  /** Start calling (INVITE each target); progress/answered/failed follow. */
  dial(): void;
}
