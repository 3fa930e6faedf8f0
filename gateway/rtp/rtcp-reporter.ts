/**
 * The RTCP side of one RTP session (RFC 3550 §6): what we sent (for our SR), what we received
 * (RtpReceiverStats of the peer's SSRC, for the report block), building our compound report
 * (SR when we sent media since the last report, else RR; SDES CNAME; BYE on close) and reading
 * the peer's (its SR's NTP time for LSR/DLSR; report blocks about us for RTT, loss and jitter).
 * No sockets or timers: times come in as arguments (media clock ms, and wall-clock ms for NTP).
 */
import {
  RtpReceiverStats,
  ntpFromUnixMs,
  ntpMiddle32,
  ntpMiddle32FromUnixMs,
  rttFromReport,
  writeRtcp,
  type NtpTime,
  type RtcpPacket,
  type RtcpReportBlock,
} from '../../media/rtp/index.ts';

/** What the peer said about our stream in its last report block. */
export interface RemoteReception {
  /** Fraction of our packets lost in its last interval, 0–1. */
  fractionLost: number;
  /** Cumulative packets of ours it lost. */
  packetsLost: number;
  /** Interarrival jitter it measured on our stream (ms). */
  jitterMs: number;
}

export class RtcpReporter {
  readonly ssrc: number;
  readonly #cname: string;
  readonly #clockRate: number;
  readonly #ntp: NtpTime = { seconds: 0, fraction: 0 };
  #receiver: RtpReceiverStats;
  #remoteSsrc: number | null = null;
  #packetsSent = 0;
  #octetsSent = 0;
  #sentSinceReport = false;
  #lastWireTs = 0;
  #lastSentMs = 0;
  #mediaSent = false;
  #rttMs: number | null = null;
  #remote: RemoteReception | null = null;
  #remoteCname: string | undefined;
  #byeReceived = false;
  reportsSent = 0;
  reportsReceived = 0;

  constructor(ssrc: number, cname: string, clockRate: number) {
    this.ssrc = ssrc >>> 0;
    this.#cname = cname;
    this.#clockRate = clockRate;
    this.#receiver = new RtpReceiverStats(clockRate);
  }

  /** The receiver statistics of the peer's current SSRC. */
  get receiver(): RtpReceiverStats {
    return this.#receiver;
  }

  get remoteSsrc(): number | null {
    return this.#remoteSsrc;
  }

  get packetsSent(): number {
    return this.#packetsSent;
  }

  get octetsSent(): number {
    return this.#octetsSent;
  }

  /** Last round-trip time from a report block about us (ms), or null. */
  get rttMs(): number | null {
    return this.#rttMs;
  }

  get remoteReception(): RemoteReception | null {
    return this.#remote;
  }

  get remoteCname(): string | undefined {
    return this.#remoteCname;
  }

  get byeReceived(): boolean {
    return this.#byeReceived;
  }

  /** We sent an RTP packet with wire timestamp `wireTs` and `payloadBytes` of payload at `nowMs`. */
  onRtpSent(wireTs: number, payloadBytes: number, nowMs: number, media: boolean): void {
    this.#packetsSent++;
    this.#octetsSent += payloadBytes;
    this.#sentSinceReport = true;
    if (media) {
      this.#lastWireTs = wireTs;
      this.#lastSentMs = nowMs;
      this.#mediaSent = true;
    }
  }

  /** True once a media (not telephone-event) packet went out: `wireTimestampAt` has a reference. */
  get mediaSent(): boolean {
    return this.#mediaSent;
  }

  /** The wire RTP timestamp corresponding to `nowMs` on our sending timeline. */
  wireTimestampAt(nowMs: number): number {
    return (this.#lastWireTs + Math.round(((nowMs - this.#lastSentMs) * this.#clockRate) / 1000)) >>> 0;
  }

  /** A valid RTP packet from the peer; a new SSRC restarts the statistics. */
  onRtpReceived(ssrc: number, seq: number, timestamp: number, nowMs: number): void {
    if (ssrc !== this.#remoteSsrc) {
      this.#remoteSsrc = ssrc;
      this.#receiver = new RtpReceiverStats(this.#clockRate);
    }
    this.#receiver.update(seq, timestamp, nowMs);
  }

  /** Write our compound report (and a BYE when `bye`) into `out`; returns its length. */
  buildReport(out: Uint8Array, nowMs: number, unixMs: number, bye: boolean): number {
    const reports: RtcpReportBlock[] = [];
    if (this.#remoteSsrc !== null && this.#receiver.received > 0) {
      reports.push(this.#receiver.reportBlock(this.#remoteSsrc, nowMs));
    }
    const packets: RtcpPacket[] = [];
    if (this.#sentSinceReport) {
      const ntp = ntpFromUnixMs(unixMs, this.#ntp);
      packets.push({
        kind: 'sr',
        ssrc: this.ssrc,
        ntpSeconds: ntp.seconds,
        ntpFraction: ntp.fraction,
        rtpTimestamp: this.wireTimestampAt(nowMs),
        packetCount: this.#packetsSent >>> 0,
        octetCount: this.#octetsSent >>> 0,
        reports,
      });
    } else {
      packets.push({ kind: 'rr', ssrc: this.ssrc, reports });
    }
    packets.push({ kind: 'sdes', chunks: [{ ssrc: this.ssrc, items: [{ type: 1, text: this.#cname }] }] });
    if (bye) packets.push({ kind: 'bye', ssrcs: [this.ssrc] });
    this.#sentSinceReport = false;
    this.reportsSent++;
    return writeRtcp(out, packets);
  }

  /** Take in the peer's RTCP packets, received at `nowMs` (media clock) / `unixMs` (wall clock). */
  onRtcp(packets: readonly RtcpPacket[], nowMs: number, unixMs: number): void {
    this.reportsReceived++;
    for (const p of packets) {
      if (p.kind === 'sr') {
        if (p.ssrc === this.#remoteSsrc) this.#receiver.onSenderReport(ntpMiddle32(p.ntpSeconds, p.ntpFraction), nowMs);
        this.#readBlocks(p.reports, unixMs);
      } else if (p.kind === 'rr') {
        this.#readBlocks(p.reports, unixMs);
      } else if (p.kind === 'sdes') {
        for (const c of p.chunks) {
          if (this.#remoteSsrc !== null && c.ssrc !== this.#remoteSsrc) continue;
          const cname = c.items.find((i) => i.type === 1);
          if (cname) this.#remoteCname = cname.text;
        }
      } else if (p.kind === 'bye') {
        if (this.#remoteSsrc === null || p.ssrcs.includes(this.#remoteSsrc)) this.#byeReceived = true;
      }
    }
  }

  #readBlocks(blocks: readonly RtcpReportBlock[], unixMs: number): void {
    for (const b of blocks) {
      if (b.ssrc !== this.ssrc) continue;
      const rtt = rttFromReport(ntpMiddle32FromUnixMs(unixMs), b.lastSr, b.delaySinceLastSr);
      if (rtt !== null) this.#rttMs = rtt;
      this.#remote = {
        fractionLost: b.fractionLost / 256,
        packetsLost: b.cumulativeLost,
        jitterMs: (b.jitter * 1000) / this.#clockRate,
      };
    }
  }
}
