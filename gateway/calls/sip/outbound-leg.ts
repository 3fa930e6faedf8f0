/**
 * SipOutboundLeg: the callee's leg of a B2BUA call — one INVITE per target, all at once (a user's
 * registered contacts ring in parallel; a trunk or peer is one target), each fork with its own
 * media session and our own offer (WebRTC toward a browser's WebSocket binding, RTP otherwise).
 * The first fork with early media (183 + SDP) is the one relayed; the first 2xx wins and the
 * other forks get CANCEL; when every fork failed, the best final status is reported. With a
 * MediaPolicy (the called peer's codecs / rtp_address) our offer lists only its codecs and
 * advertises its address; an answer picking another codec is refused (488, as any bad answer).
 */
import { EventEmitter } from 'node:events';
import type { CodecName } from '../../../media/index.ts';
import { sdpOf, SdpNegotiationError, type Dialog, type OutgoingInvite, type SipEndpoint, type SipError, type SipResponse, type UserAgent } from '../../sip/index.ts';
import type { CallLegEvents, CallLegStats, OutboundLeg } from '../call-leg.ts';
import type { LegMedia, MediaDirection } from '../media-leg.ts';
import type { MediaSession } from '../sessions/media-session.ts';
import type { MediaPolicy } from '../sessions/media-policy.ts';
import type { SessionFactory } from '../sessions/session-factory.ts';
import { DialogBinding, legEvents } from './dialog-binding.ts';

/** One destination to INVITE. */
export interface OutboundTarget {
  /** Request-URI (a registered contact, `sip:number@trunk`, …). */
  uri: string;
  /** Send over this flow (a WebSocket/TCP connection a contact registered over). Default: resolve the URI. */
  destination?: SipEndpoint;
  /** Route set to preload (a binding's Path). Default none. */
  routes?: string[];
  /** Offer WebRTC media (the contact is a browser). */
  webrtc: boolean;
  /** Digest credentials (a trunk's). Default: none. */
  credentials?: { username: string; password: string };
  /** Offer SDES-SRTP (trunk `srtp`). Default false. */
  srtp?: boolean;
}

export interface SipOutboundLegOptions {
  /** From header (name-addr or URI). */
  from: string;
  /** To header. Default: the target URI. */
  to?: string;
  /** Codecs to offer first (the caller's offered ones, for passthrough). */
  preferredCodecs: CodecName[];
  id?: string;
  warn?: (obj: object, msg: string) => void;
  /** Media limits of every fork: the called peer's codecs and rtp_address (`peerMediaPolicy`). Default none. */
  media?: MediaPolicy;
  /** The called peer's or trunk's `host[:port]`: where a bare transfer target of this leg lives. */
  referHome?: string;
}

type ForkState = 'starting' | 'calling' | 'answered' | 'failed' | 'cancelled';

interface Fork {
  target: OutboundTarget;
  state: ForkState;
  session?: MediaSession;
  invite?: OutgoingInvite;
  error?: SipError | { status: number; reason: string };
}

/** Which failure to report when every fork failed (RFC 3261 §16.7.6 in spirit): 6xx, then 4xx, 5xx, 3xx. */
function best(errors: Array<{ status: number; reason: string }>): { status: number; reason: string } {
  const rank = (s: number) => (s >= 600 ? 0 : s >= 400 && s !== 408 && s !== 480 ? 1 : s === 480 || s === 408 ? 2 : s >= 500 ? 3 : 4);
  return [...errors].sort((x, y) => rank(x.status) - rank(y.status))[0] ?? { status: 480, reason: 'Temporarily Unavailable' };
}

const COMPLETED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"';

export class SipOutboundLeg extends EventEmitter<CallLegEvents> implements OutboundLeg {
  readonly id: string;
  readonly referHome: string | undefined;
  readonly #ua: UserAgent;
  readonly #sessions: SessionFactory;
  readonly #options: SipOutboundLegOptions;
  readonly #forks: Fork[];
  #early: Fork | undefined;
  #winner: Fork | undefined;
  #binding: DialogBinding | undefined;
  #ringing = false;
  #ended = false;
  #closed = false;

  constructor(ua: UserAgent, targets: OutboundTarget[], sessions: SessionFactory, options: SipOutboundLegOptions) {
    super();
    this.referHome = options.referHome;
    this.id = options.id ?? `b-${Math.random().toString(36).slice(2, 10)}`;
    this.#ua = ua;
    this.#sessions = sessions;
    this.#options = options;
    this.#forks = targets.map((target) => ({ target, state: 'starting' }));
  }

  get kind(): string {
    const f = this.#winner ?? this.#early ?? this.#forks[0];
    return f?.target.webrtc ? 'webrtc' : 'sip';
  }

  get closed(): boolean {
    return this.#closed;
  }

  get media(): LegMedia | undefined {
    const f = this.#winner ?? this.#early;
    return f?.session?.media.codec ? f.session.media : undefined;
  }

  /** The answered dialog. */
  get dialog(): Dialog | undefined {
    return this.#binding?.dialog;
  }

  dial(): void {
    if (this.#forks.length === 0) {
      queueMicrotask(() => this.#settle());
      return;
    }
    this.#forks.forEach((fork, i) => void this.#start(fork, i));
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
    if (this.#binding) this.#binding.bye(options.reason);
    for (const f of this.#forks) if (f !== this.#winner) this.#drop(f);
    this.#release();
  }

  parentClosed(): void {
    this.end();
  }

  getStats(): CallLegStats {
    const f = this.#winner ?? this.#early;
    return { id: this.id, kind: this.kind, codec: f?.session?.media.codec?.name, remote: f?.target.uri ?? this.#forks[0]?.target.uri };
  }

  async #start(fork: Fork, index: number): Promise<void> {
    const t = fork.target;
    try {
      const session = await this.#sessions.forTarget(t.webrtc ? 'webrtc' : 'rtp', this.#options.preferredCodecs, {
        srtp: t.srtp,
        id: `${this.id}.${index}`,
        policy: this.#options.media,
      });
      fork.session = session;
      if (this.#ended || fork.state !== 'starting') {
        session.close();
        return;
      }
      session.onFailure((reason) => {
        if (!this.#ended && (fork === this.#winner || fork === this.#early)) this.emit('mediaFailed', reason);
      });
      const sdp = await session.createOffer();
      if (this.#ended || fork.state !== 'starting') {
        session.close();
        return;
      }
      const invite = this.#ua.invite({
        target: t.uri,
        from: this.#options.from,
        to: this.#options.to ?? t.uri,
        sdp,
        destination: t.destination,
        routes: t.routes,
        credentials: t.credentials,
      });
      fork.invite = invite;
      fork.state = 'calling';
      invite.on('progress', (response) => void this.#onProgress(fork, response));
      invite.on('answered', (dialog, response) => void this.#onAnswered(fork, dialog, response));
      invite.on('failed', (error) => this.#onFailed(fork, error));
    } catch (err) {
      this.#options.warn?.({ err, target: t.uri }, 'callee fork could not start');
      // No codec left to offer under the policy: 488, as the SDP layer says; anything else is ours: 503.
      this.#onFailed(fork, err instanceof SdpNegotiationError ? { status: err.sipStatus, reason: 'Not Acceptable Here' } : { status: 503, reason: 'Service Unavailable' });
    }
  }

  async #onProgress(fork: Fork, response: SipResponse): Promise<void> {
    if (this.#ended || this.#winner || fork.state !== 'calling' || response.status === 100) return;
    const sdp = sdpOf(response);
    if (sdp !== undefined && !this.#early) {
      this.#early = fork;
      try {
        await fork.session!.applyAnswer(sdp);
      } catch (err) {
        this.#options.warn?.({ err, target: fork.target.uri }, 'early media answer refused');
        this.#early = undefined;
        return;
      }
      if (this.#ended || this.#winner) return;
      this.emit('progress', response.status, true);
      return;
    }
    if (!this.#ringing && !this.#early) {
      this.#ringing = true;
      this.emit('progress', response.status, false);
    }
  }

  async #onAnswered(fork: Fork, dialog: Dialog, response: SipResponse): Promise<void> {
    if (this.#ended || this.#winner) {
      void dialog.bye().catch(() => undefined); // answered after the call was decided: hang it up
      return;
    }
    this.#winner = fork;
    fork.state = 'answered';
    for (const f of this.#forks) if (f !== fork) this.#drop(f, COMPLETED_ELSEWHERE);
    const answer = sdpOf(response) ?? dialog.remoteSdp;
    try {
      if (answer === undefined) throw new Error('the 2xx carried no SDP answer');
      await fork.session!.applyAnswer(answer);
    } catch (err) {
      this.#options.warn?.({ err, target: fork.target.uri }, 'answer refused');
      void dialog.bye({ reason: 'SIP;cause=488;text="Not Acceptable Here"' }).catch(() => undefined);
      if (!this.#ended) this.emit('failed', 488, 'Not Acceptable Here');
      return;
    }
    if (this.#ended) {
      void dialog.bye().catch(() => undefined);
      return;
    }
    this.#binding = new DialogBinding(dialog, fork.session!, legEvents(this, () => this.#ended, 'callee', this.#options.warn));
    this.emit('answered');
  }

  #onFailed(fork: Fork, error: { status: number; reason: string }): void {
    if (fork.state === 'answered' || fork.state === 'failed' || fork.state === 'cancelled') return;
    fork.state = 'failed';
    fork.error = error;
    fork.session?.close();
    if (fork === this.#early) this.#early = undefined;
    this.#settle();
  }

  /** Every fork failed: report the best status. */
  #settle(): void {
    if (this.#ended || this.#winner) return;
    if (this.#forks.some((f) => f.state === 'starting' || f.state === 'calling')) return;
    const errors = this.#forks.map((f) => f.error).filter((e): e is { status: number; reason: string } => e !== undefined);
    const b = best(errors);
    this.emit('failed', b.status, b.reason);
  }

  /** Stop a fork that lost (CANCEL) and free its media. */
  #drop(fork: Fork, reason?: string): void {
    if (fork.state === 'calling') fork.invite?.cancel(reason);
    if (fork.state === 'starting' || fork.state === 'calling') fork.state = 'cancelled';
    fork.session?.close();
  }

  #release(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#binding?.close();
    for (const f of this.#forks) f.session?.close();
  }
}
