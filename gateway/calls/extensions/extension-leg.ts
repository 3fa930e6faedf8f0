/**
 * ExtensionLeg: the base of built-in endpoints a call can be routed to (echo, tone, …). It is a
 * MediaLeg like a browser or RTP leg — the Bridge relays to it and from it — but its far end is
 * code running on the shared media clock's tick: `onTick` produces frames with `emitFrame`, and
 * whatever the bridge sends arrives in `receive`. It speaks the codec the caller's leg negotiated,
 * so the bridge between them relays payloads untouched. No timers, no sockets.
 */
import { EventEmitter } from 'node:events';
import type { MediaClock } from '../../../media/index.ts';
import type { MediaTick } from '../../../media/clock.ts';
import { frameUnits } from '../codec-rates.ts';
import type { LegCodec, LegMedia, MediaLeg, MediaLegEvents, MediaRtpPacket, MediaSendRtpOptions } from '../media-leg.ts';

/** What an extension is made with. */
export interface ExtensionContext {
  /** The codec to speak (the caller's leg's negotiated codec). */
  codec: LegCodec;
  /** The engine's shared media clock. */
  clock: MediaClock;
  /** Leg id. Default: `<name>-<n>`. */
  id?: string;
}

export interface ExtensionLegStats {
  id: string;
  kind: string;
  codec: string;
  rtpPacketsReceived: number;
  rtpPacketsSent: number;
  dtmfReceived: number;
  dtmfSent: number;
}

let counter = 0;

export abstract class ExtensionLeg extends EventEmitter<MediaLegEvents> implements MediaLeg {
  readonly id: string;
  /** 'echo', 'tone', … */
  readonly name: string;
  /** The leg with its codec, for the Bridge. */
  readonly media: LegMedia;
  protected readonly clock: MediaClock;
  protected readonly codec: LegCodec;
  readonly #unsubscribe: () => void;
  readonly #packet: MediaRtpPacket;
  readonly #frameUnits: number;
  #ts = 0;
  #seq = 0;
  #lastTick = -1;
  #closed = false;
  protected readonly counters = { received: 0, sent: 0, dtmfReceived: 0, dtmfSent: 0 };

  constructor(name: string, context: ExtensionContext) {
    super();
    this.name = name;
    this.id = context.id ?? `${name}-${++counter}`;
    this.codec = context.codec;
    this.clock = context.clock;
    this.media = { leg: this, codec: context.codec, telephoneEvent: true };
    this.#frameUnits = frameUnits(context.codec);
    this.#packet = {
      payloadType: context.codec.payloadType,
      codec: context.codec.name,
      clockRate: context.codec.clockRate,
      payload: new Uint8Array(0),
      timestamp: 0,
      sequenceNumber: 0,
      marker: true,
      ssrc: (Math.random() * 0x1_0000_0000) >>> 0,
    };
    this.#unsubscribe = context.clock.subscribe((tick) => {
      if (!this.#closed) this.onTick(tick);
    });
  }

  get kind(): string {
    return `extension:${this.name}`;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** What the bridge sends us. */
  sendRtp(payload: Uint8Array, options: MediaSendRtpOptions): boolean {
    if (this.#closed) return false;
    this.counters.received++;
    this.receive(payload, options.timestamp, options.marker ?? false);
    return true;
  }

  /** DTMF the bridge sends us; the default ignores it. */
  async sendDtmf(digits: string, _durationMs = 100): Promise<void> {
    if (this.#closed) throw new Error(`${this.id} is closed`);
    this.counters.dtmfReceived += digits.length;
  }

  close(): void {
    this.#teardown('local');
  }

  parentClosed(): void {
    this.#teardown('parent');
  }

  getStats(): ExtensionLegStats {
    return {
      id: this.id,
      kind: this.kind,
      codec: this.codec.name,
      rtpPacketsReceived: this.counters.received,
      rtpPacketsSent: this.counters.sent,
      dtmfReceived: this.counters.dtmfReceived,
      dtmfSent: this.counters.dtmfSent,
    };
  }

  /** Called every media tick while open. */
  protected abstract onTick(tick: MediaTick): void;

  /** A payload the bridge sent us, with its timestamp on the bridge's continuous timeline. */
  protected abstract receive(payload: Uint8Array, timestamp: number, marker: boolean): void;

  /** Free codec state; called once on close. */
  protected abstract release(): void;

  /** Emit one 20 ms frame toward the bridge as if it came from our far end. */
  protected emitFrame(payload: Uint8Array, tick: MediaTick): void {
    const p = this.#packet;
    // Timestamps follow the tick grid, so pauses (ticks without frames) show as gaps.
    if (this.#lastTick >= 0) {
      const gap = tick.index - this.#lastTick;
      this.#ts = (this.#ts + gap * this.#frameUnits) >>> 0;
      p.marker = gap > 1;
    }
    this.#lastTick = tick.index;
    p.payload = payload;
    p.timestamp = this.#ts;
    p.sequenceNumber = this.#seq;
    this.#seq = (this.#seq + 1) & 0xffff;
    this.counters.sent++;
    this.emit('rtp', p);
    p.marker = false;
  }

  /** Report a DTMF digit as ended at our far end. */
  protected emitDtmf(digit: string, durationMs: number): void {
    this.counters.dtmfSent++;
    this.emit('dtmf', digit, durationMs);
  }

  #teardown(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.release();
    this.emit('close', reason);
  }
}
