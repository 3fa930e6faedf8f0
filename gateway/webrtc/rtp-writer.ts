/**
 * Our one outgoing RTP stream on a leg: the sender's SSRC, our own sequence numbers and a random
 * timestamp base, written straight to werift's DTLS transport (SRTP + ICE). werift's
 * `RTCRtpSender.sendRtp` is bypassed on purpose: it clones every packet and rewrites the payload
 * type to the primary codec, which breaks telephone-event and any second codec. One RtpHeader is
 * reused for every packet (werift serializes it synchronously inside `sendRtp`).
 */
import { RtpHeader, type RTCDtlsTransport, type RTCRtpSender } from 'werift';
import { countSentRtp, startSenderReports } from './werift-internals.ts';

/** Refresh the SR's NTP/RTP timestamp pair every this many packets (the pair just has to match). */
const SR_PAIR_EVERY = 8;
const NTP_EPOCH_OFFSET_S = 2_208_988_800;

function ntpNow(): bigint {
  const ms = performance.timeOrigin + performance.now();
  const sec = Math.floor(ms / 1000);
  const frac = Math.floor(((ms - sec * 1000) / 1000) * 0x1_0000_0000);
  return (BigInt(sec + NTP_EPOCH_OFFSET_S) << 32n) | BigInt(frac);
}

function randomUint(bits: 16 | 32): number {
  const v = crypto.getRandomValues(new Uint32Array(1))[0]!;
  return bits === 16 ? v & 0xffff : v >>> 0;
}

export interface RtpWriterStats {
  packetsSent: number;
  bytesSent: number;
}

export class RtpWriter {
  readonly #transport: RTCDtlsTransport;
  readonly #sender: RTCRtpSender;
  readonly #header: RtpHeader;
  /** Added to the caller's timestamps. */
  readonly #base = randomUint(32);
  readonly #createdMs = performance.now();
  #seq = randomUint(16);
  /** Last caller timestamp of an audio packet, its clock rate and when it went out. */
  #lastTs = 0;
  #lastClock = 0;
  #lastMs = 0;
  #reportsStarted = false;
  #audioCount = 0;
  readonly #stats: RtpWriterStats = { packetsSent: 0, bytesSent: 0 };

  constructor(transport: RTCDtlsTransport, sender: RTCRtpSender) {
    this.#transport = transport;
    this.#sender = sender;
    this.#header = new RtpHeader({ ssrc: sender.ssrc, payloadType: 0, sequenceNumber: 0, timestamp: 0 });
  }

  get ssrc(): number {
    return this.#sender.ssrc;
  }

  /** Send an audio payload; `timestamp` is in the caller's timeline (clock units of `clockRate`). */
  writeAudio(payload: Buffer, payloadType: number, timestamp: number, marker: boolean, clockRate: number): void {
    this.#lastTs = timestamp;
    this.#lastClock = clockRate;
    this.#lastMs = performance.now();
    this.#write(payload, payloadType, (this.#base + timestamp) >>> 0, marker, true);
  }

  /** Send a non-audio payload (telephone-event) with an absolute (wire) timestamp, e.g. from `nowTimestamp`. */
  writeAt(payload: Buffer, payloadType: number, wireTimestamp: number, marker: boolean): void {
    this.#write(payload, payloadType, wireTimestamp >>> 0, marker, false);
  }

  /** The wire timestamp "now" in units of `clockRate`, continuing the audio timeline. */
  nowTimestamp(clockRate: number): number {
    const now = performance.now();
    const units = this.#lastClock
      ? (this.#lastTs * clockRate) / this.#lastClock + ((now - this.#lastMs) * clockRate) / 1000
      : ((now - this.#createdMs) * clockRate) / 1000;
    return (this.#base + Math.round(units)) >>> 0;
  }

  getStats(): RtpWriterStats {
    return { ...this.#stats };
  }

  #write(payload: Buffer, payloadType: number, wireTimestamp: number, marker: boolean, audio: boolean): void {
    const h = this.#header;
    h.payloadType = payloadType;
    h.timestamp = wireTimestamp;
    h.marker = marker;
    h.sequenceNumber = this.#seq;
    this.#seq = (this.#seq + 1) & 0xffff;
    void this.#transport.sendRtp(payload, h);
    const sent = ++this.#stats.packetsSent;
    this.#stats.bytesSent += payload.length;
    countSentRtp(this.#sender, wireTimestamp, payload.length, 12, audio && ++this.#audioCount % SR_PAIR_EVERY === 1 ? ntpNow() : undefined);
    if (!this.#reportsStarted) {
      this.#reportsStarted = true;
      startSenderReports(this.#sender);
    }
  }
}
