/**
 * FakeMediaLeg: an in-memory MediaLeg for tests of the Bridge, Call and extensions. The test plays
 * the far end: `receive()` injects packets as if they came off the wire, `press()` a DTMF digit,
 * `fail()` an ICE/DTLS failure; what the bridge sends lands in `sent` (copied) and `dtmfSent`.
 * `media` is the leg with its negotiated codec, ready for a Bridge.
 */
import { EventEmitter } from 'node:events';
import type { CodecName } from '../../../media/index.ts';
import { legCodec } from '../leg-codec.ts';
import type { LegCodec, LegMedia, MediaLeg, MediaLegEvents, MediaRtpPacket, MediaSendRtpOptions } from '../media-leg.ts';

export interface SentPacket {
  payload: Uint8Array;
  timestamp: number;
  marker: boolean;
}

export interface FakeMediaLegOptions {
  id?: string;
  codec?: CodecName | LegCodec;
  /** Default true. */
  telephoneEvent?: boolean;
}

export type FakeMediaLegEvents = MediaLegEvents & { failed: [error: Error] };

let nextId = 1;

export class FakeMediaLeg extends EventEmitter<FakeMediaLegEvents> implements MediaLeg {
  readonly id: string;
  readonly media: LegMedia;
  /** Whether sendRtp accepts packets (false: like a leg held by its peer). */
  accepting = true;
  readonly sent: SentPacket[] = [];
  readonly dtmfSent: Array<{ digits: string; durationMs: number }> = [];
  closeReason: string | undefined;
  received = 0;
  readonly #packet: MediaRtpPacket = { payloadType: 0, codec: 'PCMU', clockRate: 8000, payload: new Uint8Array(0), timestamp: 0, sequenceNumber: 0, marker: false, ssrc: 0 };

  constructor(options: FakeMediaLegOptions = {}) {
    super();
    this.id = options.id ?? `fake-${nextId++}`;
    const c = options.codec ?? 'PCMU';
    this.media = { leg: this, codec: typeof c === 'string' ? legCodec(c) : c, telephoneEvent: options.telephoneEvent ?? true };
  }

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** The negotiated codec (shortcut for media.codec). */
  get codec(): LegCodec {
    return this.media.codec!;
  }

  sendRtp(payload: Uint8Array, options: MediaSendRtpOptions): boolean {
    if (this.closed || !this.accepting) return false;
    this.sent.push({ payload: payload.slice(), timestamp: options.timestamp, marker: options.marker ?? false });
    return true;
  }

  async sendDtmf(digits: string, durationMs = 100): Promise<void> {
    if (this.closed) throw new Error('closed');
    this.dtmfSent.push({ digits, durationMs });
  }

  /** The far end sends a packet of the negotiated codec (the object is reused, as real legs do). */
  receive(payload: Uint8Array, header: { seq: number; ts: number; ssrc?: number; marker?: boolean; codec?: LegCodec }): void {
    if (this.closed) return;
    const c = header.codec ?? this.codec;
    const p = this.#packet;
    p.payload = payload;
    p.payloadType = c.payloadType;
    p.codec = c.name;
    p.clockRate = c.clockRate;
    p.sequenceNumber = header.seq & 0xffff;
    p.timestamp = header.ts >>> 0;
    p.ssrc = header.ssrc ?? 0x1234;
    p.marker = header.marker ?? false;
    this.received++;
    this.emit('rtp', p);
  }

  /** The far end pressed a key (RFC 4733 end of event). */
  press(digit: string, durationMs = 100): void {
    this.emit('dtmf', digit, durationMs);
  }

  /** The transport failed (ICE/DTLS). */
  fail(message = 'ICE failed'): void {
    if (this.closed) return;
    this.emit('failed', new Error(message));
    this.#close('failed');
  }

  close(): void {
    this.#close('local');
  }

  parentClosed(): void {
    this.#close('parent');
  }

  getStats(): { id: string; rtpPacketsReceived: number; rtpPacketsSent: number } {
    return { id: this.id, rtpPacketsReceived: this.received, rtpPacketsSent: this.sent.length };
  }

  #close(reason: string): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.emit('close', reason);
  }
}
