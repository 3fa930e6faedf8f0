/**
 * SipInboundLeg: the caller's leg of a B2BUA call — an IncomingInvite and the media session that
 * answers its offer (a WebRtcLeg for a browser's offer, an RtpLeg otherwise). The answer is made
 * late, when the callee's codec is known (183 early media or 200), so the caller can be given
 * the same codec and the bridge relays. CANCEL → `hangup('cancel')`; in the dialog, re-offers,
 * BYE and INFO DTMF become leg events through a DialogBinding.
 */
import { EventEmitter } from 'node:events';
import type { CodecName } from '../../../media/index.ts';
import type { IncomingInvite } from '../../sip/index.ts';
import type { CallLegEvents, CallLegStats, InboundLeg } from '../call-leg.ts';
import type { LegCodec, LegMedia, MediaDirection } from '../media-leg.ts';
import { audioDirectionOf, isWebRtcOffer, type MediaSession } from '../sessions/media-session.ts';
import type { SessionFactory } from '../sessions/session-factory.ts';
import { DialogBinding } from './dialog-binding.ts';

export interface SipInboundLegOptions {
  id?: string;
  /** Where warnings go. */
  warn?: (obj: object, msg: string) => void;
}

export class SipInboundLeg extends EventEmitter<CallLegEvents> implements InboundLeg {
  readonly id: string;
  readonly kind: 'sip' | 'webrtc';
  readonly invite: IncomingInvite;
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
    invite.on('cancel', this.#onCancel);
  }

  get closed(): boolean {
    return this.#closed;
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
      {
        direction: (d) => this.emit('direction', d),
        renegotiated: () => this.emit('renegotiated'),
        hangup: () => {
          if (!this.#ended) this.emit('hangup', 'bye');
        },
        dtmf: (digit, ms) => this.emit('dtmf', digit, ms),
        warn: (err, what) => this.#options.warn?.({ err, leg: this.id }, `caller leg: ${what} failed`),
      },
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
      const session = await this.#sessions.forOffer(this.#offer, far, this.id);
      if (this.#ended) {
        session.close();
        throw new Error('the caller leg has ended');
      }
      this.#session = session;
      session.onFailure((reason) => {
        if (!this.#ended) this.emit('mediaFailed', reason);
      });
      return session.answer(this.#offer);
    })();
    return this.#answerSdp;
  }

  #release(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.invite.off('cancel', this.#onCancel);
    this.#binding?.close();
    this.#session?.close();
  }
}
