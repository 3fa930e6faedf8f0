/**
 * WebRtcSession: a MediaSession on a WebRtcLeg toward a browser (JsSIP, the web dialer). werift
 * writes and applies the SDP; we read the negotiated codec off the leg. The codec preference is
 * fixed when the leg is made (`codecs`, e.g. the far leg's PCMU first for passthrough).
 * WebRtcLeg cannot make a re-offer yet, so hold toward a browser re-sends our last description
 * with the new direction and a higher o= version; the browser's answer changes nothing on our
 * side (same ICE/DTLS transport, our sending is stopped by the Call, not by werift).
 */
import { WebRtcLeg, type WebRtcLegOptions } from '../../webrtc/index.ts';
import { codecNameOf } from '../codec-rates.ts';
import type { LegCodec, LegMedia, MediaDirection } from '../media-leg.ts';
import { audioDirectionOf, type MediaSession, type ReofferResult } from './media-session.ts';

/** Our description with the audio m-line's direction replaced and the o= version raised. */
export function withDirection(sdp: string, direction: MediaDirection): string {
  const lines = sdp.split(/\r\n|\n/);
  let inAudio = false;
  let seen = false;
  const out = lines.map((line) => {
    if (line.startsWith('o=')) {
      const parts = line.split(' ');
      if (parts.length >= 3 && /^\d+$/.test(parts[2]!)) parts[2] = String(BigInt(parts[2]!) + 1n);
      return parts.join(' ');
    }
    if (line.startsWith('m=')) inAudio = line.startsWith('m=audio');
    if (inAudio && /^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line)) {
      seen = true;
      return `a=${direction}`;
    }
    return line;
  });
  if (!seen) {
    const i = out.findIndex((l) => l.startsWith('m=audio'));
    if (i >= 0) out.splice(i + 1, 0, `a=${direction}`);
  }
  return out.join('\r\n');
}

export class WebRtcSession implements MediaSession {
  readonly kind = 'webrtc' as const;
  readonly media: LegMedia;
  readonly #leg: WebRtcLeg;
  #local: string | undefined;
  #appliedAnswer: string | undefined;
  #failure: ((reason: string) => void) | undefined;
  #failedReason: string | undefined;

  constructor(options: WebRtcLegOptions) {
    const leg = new WebRtcLeg(options);
    this.#leg = leg;
    this.media = { leg, codec: undefined, telephoneEvent: false };
    leg.on('failed', (error) => {
      this.#failedReason = `${error.code}: ${error.message}`;
      this.#failure?.(this.#failedReason);
    });
  }

  get closed(): boolean {
    return this.#leg.closed;
  }

  get released(): Promise<void> {
    return this.#leg.released;
  }

  get leg(): WebRtcLeg {
    return this.#leg;
  }

  async answer(offer: string): Promise<string> {
    const sdp = await this.#leg.answer(offer);
    this.#local = sdp;
    this.#readCodec();
    return sdp;
  }

  async createOffer(): Promise<string> {
    const sdp = await this.#leg.createOffer();
    this.#local = sdp;
    return sdp;
  }

  async applyAnswer(answer: string): Promise<void> {
    if (answer === this.#appliedAnswer) return;
    await this.#leg.applyAnswer(answer);
    this.#appliedAnswer = answer;
    this.#readCodec();
  }

  async handleReoffer(offer: string): Promise<ReofferResult> {
    const before = this.media.codec;
    const sdp = await this.#leg.handleReoffer(offer);
    this.#local = sdp;
    this.#readCodec();
    const after = this.media.codec;
    return {
      sdp,
      remoteDirection: audioDirectionOf(offer),
      codecChanged: before?.name !== after?.name || before?.payloadType !== after?.payloadType,
    };
  }

  async reoffer(direction: MediaDirection): Promise<string> {
    if (!this.#local) throw new Error('reoffer before the first offer/answer');
    this.#local = withDirection(this.#local, direction);
    return this.#local;
  }

  async applyReanswer(): Promise<void> {
    // Nothing to apply: the transport and codecs stay as they are.
  }

  onFailure(listener: (reason: string) => void): void {
    this.#failure = listener;
    if (this.#failedReason !== undefined) listener(this.#failedReason);
  }

  close(): void {
    this.#leg.parentClosed();
  }

  #readCodec(): void {
    const list = this.#leg.codecs;
    const primary = list.find((c) => c.name !== 'telephone-event');
    const name = primary ? codecNameOf(primary.name) : undefined;
    const codec: LegCodec | undefined =
      primary && name ? { name, payloadType: primary.payloadType, clockRate: primary.clockRate, channels: primary.channels } : undefined;
    this.media.codec = codec;
    this.media.telephoneEvent = list.some((c) => c.name === 'telephone-event');
  }
}
