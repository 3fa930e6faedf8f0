/**
 * BridgeDirection: the media path from one leg to the other. Passthrough relays each payload at
 * once onto a continuous output timeline (the destination leg rewrites SSRC, sequence and adds
 * its timestamp base); transcode queues packets in a Transcoder and sends one re-encoded frame
 * per media-clock tick while the source is active. Mute replaces the audio with encoded silence
 * (so the far end keeps receiving a stream); the tap sees transcoded PCM. Per-packet work
 * allocates nothing.
 */
import { createEncoder, RtpReceiverStats } from '../../media/index.ts';
import type { JitterBufferStats } from '../../media/jitter-buffer.ts';
import { frameUnits, pcmRate, samePayloadFormat, FRAME_MS } from './codec-rates.ts';
import type { LegCodec, LegMedia, MediaRtpPacket, MediaSendRtpOptions } from './media-leg.ts';
import { OutTimeline } from './out-timeline.ts';
import { Transcoder, type TranscoderOptions } from './transcoder.ts';

export type BridgeMode = 'passthrough' | 'transcode';

/** Receives decoded PCM of one direction (transcode mode only); copy what you keep. */
export type BridgeTap = (pcm: Int16Array, sampleRate: number) => void;

/** Synthetic source id for transcoded frames on the output timeline (SSRCs are uint32, this is not). */
const TRANSCODED_SOURCE = -1;

export interface BridgeDirectionStats {
  mode: BridgeMode;
  /** Codec received from the source leg → codec sent to the destination leg. */
  fromCodec: string | undefined;
  toCodec: string | undefined;
  /** Packets received from the source leg. */
  packetsIn: number;
  /** Packets relayed untouched (passthrough). */
  packetsRelayed: number;
  /** Frames decoded and re-encoded (transcode). */
  framesTranscoded: number;
  /** Packets the destination leg accepted (relayed or transcoded). */
  packetsSent: number;
  /** sendRtp calls the destination refused (not connected, holding). */
  sendRefused: number;
  /** Packets of a payload type that does not fit the mode (dropped). */
  unexpectedPayload: number;
  /** RFC 3550 cumulative loss and interarrival jitter of the source stream. */
  lost: number;
  jitterMs: number;
  /** Output timeline re-anchors (source changes, hold, clock jumps). */
  reanchors: number;
  muted: boolean;
  /** Whether the PCM path resamples (G.711 ⇄ G.722 only). */
  resampling: boolean;
  /** PCM rates the source is decoded at and the destination encoded from (transcode mode). */
  decodeRate: number | undefined;
  encodeRate: number | undefined;
  /** Jitter buffer figures in transcode mode. */
  jitterBuffer: JitterBufferStats | undefined;
}

export interface BridgeDirectionOptions {
  from: LegMedia;
  to: LegMedia;
  /** Force transcoding even when the codecs match (recording, in-band detection). Default false. */
  forceTranscode?: boolean;
  transcoder?: Pick<TranscoderOptions, 'jitter' | 'opus'>;
  /** Keep sending after the source's last packet for this long (ms; PLC, then silence). Default 1000. */
  idleMs?: number;
}

export class BridgeDirection {
  readonly #from: LegMedia;
  readonly #to: LegMedia;
  /** Reused for every send. */
  readonly #send: MediaSendRtpOptions = { timestamp: 0, marker: false };
  readonly #options: BridgeDirectionOptions;
  readonly #idleMs: number;
  #mode: BridgeMode = 'passthrough';
  #fromCodec: LegCodec | undefined;
  #toCodec: LegCodec | undefined;
  #timeline: OutTimeline | undefined;
  #stats: RtpReceiverStats | undefined;
  #transcoder: Transcoder | undefined;
  #silence: Uint8Array | undefined;
  #muted = false;
  #tap: BridgeTap | undefined;
  #lastRxMs = -Infinity;
  #wasSending = false;
  #packetsIn = 0;
  #relayed = 0;
  #transcoded = 0;
  #refused = 0;
  #sent = 0;
  #unexpected = 0;
  #closedLost = 0;
  #closedJitter = 0;

  constructor(options: BridgeDirectionOptions) {
    this.#from = options.from;
    this.#to = options.to;
    this.#options = options;
    this.#idleMs = options.idleMs ?? 1000;
    this.configure();
  }

  get mode(): BridgeMode {
    return this.#mode;
  }

  /** When the source's last packet arrived (clock ms), -Infinity before the first. */
  get lastRxMs(): number {
    return this.#lastRxMs;
  }

  get muted(): boolean {
    return this.#muted;
  }

  set muted(value: boolean) {
    this.#muted = value;
  }

  set tap(fn: BridgeTap | undefined) {
    this.#tap = fn;
  }

  /**
   * (Re)build the path from the legs' current send codecs: after construction and after a
   * re-negotiation. Keeps the output timeline when the destination's clock did not change.
   * Returns false when either leg has no codec yet (nothing flows until it has).
   */
  configure(): boolean {
    const from = this.#from.codec;
    const to = this.#to.codec;
    const same =
      from !== undefined && to !== undefined && this.#fromCodec !== undefined && this.#toCodec !== undefined &&
      from.name === this.#fromCodec.name && from.payloadType === this.#fromCodec.payloadType &&
      to.name === this.#toCodec.name && to.clockRate === this.#toCodec.clockRate;
    if (same) return true;
    this.#retireStats();
    this.#transcoder?.close();
    this.#transcoder = undefined;
    this.#silence = undefined;
    if (!from || !to) {
      this.#fromCodec = this.#toCodec = undefined;
      return false;
    }
    if (this.#toCodec === undefined || this.#toCodec.clockRate !== to.clockRate) this.#timeline = new OutTimeline(to.clockRate, frameUnits(to));
    this.#fromCodec = from;
    this.#toCodec = to;
    this.#mode = samePayloadFormat(from, to) && !this.#options.forceTranscode ? 'passthrough' : 'transcode';
    if (this.#mode === 'transcode') {
      this.#transcoder = new Transcoder({ from, to, ...this.#options.transcoder });
    } else {
      this.#stats = new RtpReceiverStats(from.clockRate);
    }
    return true;
  }

  /** A packet from the source leg, arriving at `nowMs` on the media clock. */
  onRtp(p: MediaRtpPacket, nowMs: number): void {
    this.#packetsIn++;
    const from = this.#fromCodec;
    if (!from) return;
    if (p.codec !== from.name) {
      this.#unexpected++; // another negotiated codec than the one we bridge
      return;
    }
    this.#lastRxMs = nowMs;
    const t = this.#transcoder;
    if (t) {
      t.push(p, nowMs);
      return;
    }
    this.#stats!.update(p.sequenceNumber, p.timestamp, nowMs);
    const timeline = this.#timeline!;
    const ts = timeline.map(p.ssrc, p.timestamp, p.marker, nowMs);
    const payload = this.#muted ? this.#silenceFrame() : p.payload;
    if (this.#sendOut(payload, ts, timeline.marker)) {
      this.#relayed++;
      this.#sent++;
    } else this.#refused++;
  }

  /** Media-clock tick (transcode mode): send one frame while the source is active. */
  onTick(tickIndex: number, nowMs: number): void {
    const t = this.#transcoder;
    if (!t || !t.started) return;
    // The jitter buffer is pulled every tick, even while the source is idle, so its playout
    // clock stays in step (an idle pull is a memset).
    const pcm = t.pull(nowMs, this.#muted);
    if (nowMs - this.#lastRxMs > this.#idleMs) {
      this.#wasSending = false;
      return;
    }
    const kind = t.lastKind;
    if (kind === 'silence' && !this.#wasSending) return; // still filling to the target delay
    const talkspurt = !this.#wasSending;
    this.#wasSending = true;
    this.#tap?.(pcm, t.encodeRate);
    const payload = t.encode(pcm);
    const timeline = this.#timeline!;
    const ts = timeline.map(TRANSCODED_SOURCE, tickIndex * frameUnits(t.to), talkspurt, nowMs);
    this.#transcoded++;
    if (this.#sendOut(payload, ts, timeline.marker)) this.#sent++;
    else this.#refused++;
  }

  #sendOut(payload: Uint8Array, timestamp: number, marker: boolean): boolean {
    const leg = this.#to.leg;
    if (leg.closed) return false;
    const o = this.#send;
    o.timestamp = timestamp;
    o.marker = marker;
    try {
      return leg.sendRtp(payload, o);
    } catch {
      return false; // e.g. a codec the leg no longer has after a re-INVITE, until configure()
    }
  }

  getStats(): BridgeDirectionStats {
    const jb = this.#transcoder?.getStats();
    return {
      mode: this.#mode,
      fromCodec: this.#fromCodec?.name,
      toCodec: this.#toCodec?.name,
      packetsIn: this.#packetsIn,
      packetsRelayed: this.#relayed,
      framesTranscoded: this.#transcoded,
      packetsSent: this.#sent,
      sendRefused: this.#refused,
      unexpectedPayload: this.#unexpected,
      lost: this.#closedLost + (jb ? jb.lost : (this.#stats?.lost ?? 0)),
      jitterMs: jb ? jb.jitterMs : this.#stats ? this.#stats.jitterMs : this.#closedJitter,
      reanchors: this.#timeline?.anchors ?? 0,
      muted: this.#muted,
      resampling: this.#transcoder?.resampling ?? false,
      decodeRate: this.#transcoder?.decodeRate,
      encodeRate: this.#transcoder?.encodeRate,
      jitterBuffer: jb,
    };
  }

  close(): void {
    this.#retireStats();
    this.#transcoder?.close();
    this.#transcoder = undefined;
  }

  /** Fold the current source's loss into the totals before its counters go away. */
  #retireStats(): void {
    const jb = this.#transcoder?.getStats();
    if (jb) {
      this.#closedLost += jb.lost;
      this.#closedJitter = jb.jitterMs;
    } else if (this.#stats) {
      this.#closedLost += this.#stats.lost;
      this.#closedJitter = this.#stats.jitterMs;
    }
    this.#stats = undefined;
  }

  /** One 20 ms frame of encoded silence in the destination codec (made once, on first mute). */
  #silenceFrame(): Uint8Array {
    if (this.#silence) return this.#silence;
    const to = this.#toCodec!;
    const rate = pcmRate(to);
    const encoder = createEncoder(to.name, { sampleRate: rate });
    const out = new Uint8Array(1500);
    const n = encoder.encode(new Int16Array((rate * FRAME_MS) / 1000), out);
    encoder.close?.();
    this.#silence = out.slice(0, n);
    return this.#silence;
  }
}
