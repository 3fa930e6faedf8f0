/**
 * Bridge: connects the media of two legs. When both legs send the same codec it relays payloads
 * untouched ('passthrough'; the destination leg rewrites SSRC/sequence/timestamp onto a timeline
 * that stays continuous across talkspurts, hold and source changes); otherwise it transcodes each
 * direction through a jitter buffer, decoding and encoding at the rate the other side needs
 * ('transcode'), driven by the engine's one shared MediaClock. DTMF crosses as RFC 4733, or as
 * SIP INFO through the Call's callback toward a leg without telephone-event. Mute and a PCM tap
 * per direction. The Bridge owns no leg: the Call does; closing the bridge only stops the relay.
 */
import { EventEmitter } from 'node:events';
import type { MediaClock } from '../../media/index.ts';
import type { MediaTick } from '../../media/clock.ts';
import { BridgeDirection, type BridgeDirectionStats, type BridgeMode, type BridgeTap } from './bridge-direction.ts';
import type { LegMedia, MediaRtpPacket } from './media-leg.ts';
import type { TranscoderOptions } from './transcoder.ts';

export type { BridgeMode, BridgeTap, BridgeDirectionStats } from './bridge-direction.ts';

/** A side of the bridge: 'a' (the caller's leg) or 'b'. */
export type BridgeSide = 'a' | 'b';

export interface BridgeOptions {
  /** The caller's leg and its negotiated codec. */
  a: LegMedia;
  /** The callee's leg (or an extension) and its negotiated codec. */
  b: LegMedia;
  /** The engine's shared media clock (one for all calls); transcoding runs on its ticks. */
  clock: MediaClock;
  /**
   * Sends DTMF to side `to` by SIP INFO, for a leg that did not negotiate telephone-event.
   * Default none: such digits are counted as dropped.
   */
  onInfoDtmf?: (to: BridgeSide, digit: string, durationMs: number) => void;
  /** Transcode even when the codecs match (e.g. to tap PCM). Default false. */
  forceTranscode?: boolean;
  /** Jitter buffer and Opus encoder settings of transcoding directions. Default: their defaults. */
  transcoder?: Pick<TranscoderOptions, 'jitter' | 'opus'>;
  /** A transcoding direction keeps sending this long after its source's last packet (ms). Default 1000. */
  idleMs?: number;
}

export type BridgeEvents = {
  /** A DTMF digit crossed the bridge (from side `from`). */
  dtmf: [from: BridgeSide, digit: string, durationMs: number, via: 'rfc4733' | 'info' | 'dropped'];
  /** The mode changed after `renegotiated()`. */
  mode: [mode: BridgeMode];
  /** Closed. Once. */
  close: [];
};

export interface BridgeStats {
  /** 'passthrough' when both directions relay, else 'transcode'. */
  mode: BridgeMode;
  aToB: BridgeDirectionStats;
  bToA: BridgeDirectionStats;
  dtmf: { rfc4733: number; info: number; dropped: number; errors: number };
}

function other(side: BridgeSide): BridgeSide {
  return side === 'a' ? 'b' : 'a';
}

export class Bridge extends EventEmitter<BridgeEvents> {
  readonly a: LegMedia;
  readonly b: LegMedia;
  readonly #clock: MediaClock;
  readonly #options: BridgeOptions;
  readonly #ab: BridgeDirection;
  readonly #ba: BridgeDirection;
  readonly #offs: Array<() => void> = [];
  #unsubscribeTick: (() => void) | undefined;
  #dtmfChain: Record<BridgeSide, Promise<void>> = { a: Promise.resolve(), b: Promise.resolve() };
  readonly #dtmf = { rfc4733: 0, info: 0, dropped: 0, errors: 0 };
  #closed = false;

  readonly #onTick = (tick: MediaTick): void => {
    this.#ab.onTick(tick.index, tick.nowMs);
    this.#ba.onTick(tick.index, tick.nowMs);
  };

  constructor(options: BridgeOptions) {
    super();
    this.a = options.a;
    this.b = options.b;
    this.#clock = options.clock;
    this.#options = options;
    const common = { forceTranscode: options.forceTranscode, transcoder: options.transcoder, idleMs: options.idleMs };
    this.#ab = new BridgeDirection({ from: this.a, to: this.b, ...common });
    this.#ba = new BridgeDirection({ from: this.b, to: this.a, ...common });
    this.#listen(this.a, this.#ab, 'a');
    this.#listen(this.b, this.#ba, 'b');
    this.#syncClock();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get mode(): BridgeMode {
    return this.#ab.mode === 'passthrough' && this.#ba.mode === 'passthrough' ? 'passthrough' : 'transcode';
  }

  /** Rebuild both directions after a leg's `codec` changed (re-INVITE); emits `mode` when it changed. */
  renegotiated(): void {
    if (this.#closed) return;
    const before = this.mode;
    this.#ab.configure();
    this.#ba.configure();
    this.#syncClock();
    if (this.mode !== before) this.emit('mode', this.mode);
  }

  /** Mute (or unmute) the audio coming from side `from` toward the other side. */
  setMuted(from: BridgeSide, muted: boolean): void {
    this.#direction(from).muted = muted;
  }

  isMuted(from: BridgeSide): boolean {
    return this.#direction(from).muted;
  }

  /** Receive the decoded PCM of audio from side `from` (transcoding directions only). */
  setTap(from: BridgeSide, tap: BridgeTap | undefined): void {
    this.#direction(from).tap = tap;
  }

  /** When side `from` last sent us a packet (media clock ms; -Infinity before any). */
  lastRxMs(from: BridgeSide): number {
    return this.#direction(from).lastRxMs;
  }

  /**
   * Send DTMF to side `to`: RFC 4733 when that leg negotiated telephone-event, else SIP INFO
   * through `onInfoDtmf`. Digits for one side are played in order.
   */
  sendDtmf(to: BridgeSide, digits: string, durationMs = 100, from: BridgeSide = other(to)): void {
    if (this.#closed) return;
    const media = to === 'a' ? this.a : this.b;
    const leg = media.leg;
    if (media.telephoneEvent) {
      this.#dtmf.rfc4733 += digits.length;
      for (const d of digits) this.emit('dtmf', from, d, durationMs, 'rfc4733');
      this.#dtmfChain[to] = this.#dtmfChain[to]
        .then(() => (leg.closed ? undefined : leg.sendDtmf(digits, durationMs)))
        .catch(() => {
          this.#dtmf.errors++;
        });
      return;
    }
    const info = this.#options.onInfoDtmf;
    for (const d of digits) {
      if (info) {
        this.#dtmf.info++;
        info(to, d, durationMs);
      } else {
        this.#dtmf.dropped++;
      }
      this.emit('dtmf', from, d, durationMs, info ? 'info' : 'dropped');
    }
  }

  getStats(): BridgeStats {
    return { mode: this.mode, aToB: this.#ab.getStats(), bToA: this.#ba.getStats(), dtmf: { ...this.#dtmf } };
  }

  /** Stop relaying (idempotent): listeners off, clock unsubscribed, codec state freed. Legs stay open. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs.splice(0)) off();
    this.#unsubscribeTick?.();
    this.#unsubscribeTick = undefined;
    this.#ab.close();
    this.#ba.close();
    this.emit('close');
  }

  #direction(from: BridgeSide): BridgeDirection {
    return from === 'a' ? this.#ab : this.#ba;
  }

  #listen(media: LegMedia, direction: BridgeDirection, side: BridgeSide): void {
    const leg = media.leg;
    const clock = this.#clock;
    const onRtp = (p: MediaRtpPacket) => direction.onRtp(p, clock.nowMs());
    const onDtmf = (digit: string, durationMs: number) => this.sendDtmf(other(side), digit, durationMs, side);
    leg.on('rtp', onRtp);
    leg.on('dtmf', onDtmf);
    this.#offs.push(() => {
      leg.off('rtp', onRtp);
      leg.off('dtmf', onDtmf);
    });
  }

  /** Subscribe to the clock exactly while a direction transcodes. */
  #syncClock(): void {
    const needed = this.#ab.mode === 'transcode' || this.#ba.mode === 'transcode';
    if (needed && !this.#unsubscribeTick) this.#unsubscribeTick = this.#clock.subscribe(this.#onTick);
    else if (!needed && this.#unsubscribeTick) {
      this.#unsubscribeTick();
      this.#unsubscribeTick = undefined;
    }
  }
}
