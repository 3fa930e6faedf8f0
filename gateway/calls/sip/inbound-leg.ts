/**
 * SipInboundLeg: the caller's leg of a B2BUA call — an IncomingInvite and the media session that
 * answers its offer (a WebRtcLeg for a browser's offer, an RtpLeg otherwise). The answer is made
 * late, when the callee's codec is known (183 early media or 200), so the caller can be given
 * the same codec and the bridge relays. CANCEL → `hangup('cancel')`; in the dialog, re-offers,
 * BYE and INFO DTMF become leg events through a DialogBinding. With a MediaPolicy (a calling
 * peer's codecs / rtp_address) the answer picks only among its codecs and advertises its address;
 * an offer with none of them — or any offer the SDP layer cannot answer — is refused with 488
 * (and a 305 Warning), reported as `failed` 488 — at once for a policy miss, before the callee rings.
 */
import { EventEmitter } from 'node:events';
import type { CodecName } from '../../../media/index.ts';
import { SdpNegotiationError } from '../../sip/index.ts';
import type { Dialog, IncomingInvite } from '../../sip/index.ts';
import type { CallLegEvents, CallLegStats, InboundLeg } from '../call-leg.ts';
import type { LegCodec, LegMedia, MediaDirection } from '../media-leg.ts';
import { audioDirectionOf, isWebRtcOffer, type MediaSession } from '../sessions/media-session.ts';
import type { SessionFactory } from '../sessions/session-factory.ts';
import { policyRefusal, type MediaPolicy } from '../sessions/media-policy.ts';
import { DialogBinding, legEvents } from './dialog-binding.ts';

export interface SipInboundLegOptions {
  id?: string;
  /** Where warnings go. */
  warn?: (obj: object, msg: string) => void;
  /** Media limits of this leg: the calling peer's codecs and rtp_address (`peerMediaPolicy`). Default none. */
  media?: MediaPolicy;
  /** The calling peer's or trunk's `host[:port]`: where a bare transfer target of this leg lives. */
  referHome?: string;
}

/** Warning (RFC 3261 §20.43) on our 488 for an offer we cannot take. */
const INCOMPATIBLE_MEDIA = { Warning: '305 patchbay "Incompatible media format"' };

export class SipInboundLeg extends EventEmitter<CallLegEvents> implements InboundLeg {
  readonly id: string;
  readonly kind: 'sip' | 'webrtc';
  readonly invite: IncomingInvite;
  readonly referHome: string | undefined;
  /** Why the media policy refuses the offer (the leg then fails with 488 in a microtask), or undefined. */
  readonly refusal: SdpNegotiationError | undefined;
  readonly #sessions: SessionFactory;
  readonly #options: SipInboundLegOptions;
  readonly #offer: string;
  #session: MediaSession | undefined;
  #answerSdp: Promise<string> | undefined;
  #binding: DialogBinding | undefined;
  #ended = false;
  #closed = false;
  readonly #onCancel = () => {
    if (!this.#ended) this.emit('hangup', 'cancel');
  };

  /** `invite` must carry an SDP offer (offerless INVITEs are refused before a leg is made). */
  constructor(invite: IncomingInvite, sessions: SessionFactory, options: SipInboundLegOptions = {}) {
    super();
    if (invite.sdp === undefined) throw new Error('an inbound leg needs an INVITE with an SDP offer');
    this.invite = invite;
    this.#sessions = sessions;
    this.#options = options;
    this.#offer = invite.sdp;
    this.id = options.id ?? `a-${invite.callId}`;
    this.kind = isWebRtcOffer(this.#offer) ? 'webrtc' : 'sip';
    this.referHome = options.referHome;
    invite.on('cancel', this.#onCancel);
    // An offer the policy refuses fails the leg right away — in a microtask, so the Call it is handed
    // to in the same synchronous step already listens — before the callee rings.
    this.refusal = policyRefusal(this.#offer, options.media);
    const refusal = this.refusal;
    if (refusal) queueMicrotask(() => this.#refuse(refusal));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The dialog once answered (REFER, stats). */
  get dialog(): Dialog | undefined {
    return this.#binding?.dialog;
  }

  get media(): LegMedia | undefined {
    return this.#session?.media.codec ? this.#session.media : undefined;
  }

  /** The session, once made (tests, stats). */
  get session(): MediaSession | undefined {
    return this.#session;
  }

  async ring(farCodec?: LegCodec): Promise<void> {
    if (this.#ended) return;
    if (!farCodec) {
      this.invite.progress(180);
      return;
    }
    const sdp = await this.#negotiate(farCodec.name);
    if (!this.#ended) this.invite.progress(183, { sdp });
  }

  async answer(farCodec?: LegCodec): Promise<void> {
    if (this.#ended) throw new Error('the caller leg has ended');
    const sdp = await this.#negotiate(farCodec?.name);
    if (this.#ended) throw new Error('the caller leg has ended');
    const acked = this.invite.accept(sdp);
    const dialog = this.invite.dialog!;
    this.#binding = new DialogBinding(
      dialog,
      this.#session!,
      legEvents(this, () => this.#ended, 'caller', this.#options.warn),
      audioDirectionOf(this.#offer),
    );
    acked.then(
      () => this.emit('answered'),
      (err: { status?: number }) => {
        if (!this.#ended) this.emit('failed', err.status ?? 408, 'no ACK');
      },
    );
  }

  async setDirection(direction: MediaDirection): Promise<void> {
    await this.#binding?.reoffer(direction);
  }

  sendInfoDtmf(digit: string, durationMs: number): void {
    this.#binding?.sendDtmf(digit, durationMs);
  }

  end(options: { status?: number; reason?: string } = {}): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.invite.finished) this.invite.reject(options.status ?? 480);
    else if (this.#binding) this.#binding.bye(options.reason);
    this.#release();
  }

  parentClosed(): void {
    this.end();
  }

  getStats(): CallLegStats {
    const s = this.invite.source;
    return { id: this.id, kind: this.kind, codec: this.#session?.media.codec?.name, remote: `${s.protocol}:${s.address}:${s.port}` };
  }

  /** Make the session and our answer once (the first 183 or the 200 decides the codec). */
  #negotiate(far: CodecName | undefined): Promise<string> {
    this.#answerSdp ??= (async () => {
      const session = await this.#sessions.forOffer(this.#offer, far, this.id, undefined, this.#options.media);
      if (this.#ended) {
        session.close();
        throw new Error('the caller leg has ended');
      }
      this.#session = session;
      session.onFailure((reason) => {
        if (!this.#ended) this.emit('mediaFailed', reason);
      });
      return session.answer(this.#offer);
    })().catch((err: unknown) => {
      if (err instanceof SdpNegotiationError) this.#refuse(err);
      throw err;
    });
    return this.#answerSdp;
  }

  /** The offer cannot be answered: 488 to the INVITE (if still open), `failed` for the Call, then end. */
  #refuse(err: SdpNegotiationError): void {
    if (this.#ended) return;
    this.#options.warn?.({ err, leg: this.id }, 'caller leg: offer not acceptable');
    if (!this.invite.finished) this.invite.reject(err.sipStatus, { headers: INCOMPATIBLE_MEDIA });
    this.emit('failed', err.sipStatus, 'Not Acceptable Here');
    this.end({ status: err.sipStatus });
  }

  #release(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.invite.off('cancel', this.#onCancel);
    this.#binding?.close();
    this.#session?.close();
  }
}
