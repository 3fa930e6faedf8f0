/**
 * Receiver-side statistics of one RTP source, as RFC 3550 computes them: sequence validation with
 * probation, MAX_DROPOUT and MAX_MISORDER (A.1), expected / lost / fraction lost per report
 * interval (A.3) and the interarrival jitter estimate (A.8); plus what an RR block needs about the
 * source's last SR (LSR/DLSR). Time is passed in (ms on the caller's monotonic clock).
 */
import type { RtcpReportBlock } from './rtcp.ts';
import { msToDlsr } from './ntp.ts';

const RTP_SEQ_MOD = 1 << 16;
/** Sequential packets needed before a new source is valid. */
export const MIN_SEQUENTIAL = 2;
/** A forward jump of this many or more is treated as a restart candidate. */
export const MAX_DROPOUT = 3000;
/** Packets further back than this are treated as a restart candidate rather than late. */
export const MAX_MISORDER = 100;

export class RtpReceiverStats {
  readonly #clockRate: number;
  #started = false;
  #maxSeq = 0;
  #cycles = 0;
  #baseSeq = 0;
  #badSeq = RTP_SEQ_MOD + 1;
  #probation = 0;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #jitter = 0;
  #haveTransit = false;
  #lastArrivalMs = 0;
  #lastTs = 0;
  #lastSr = 0;
  #lastSrArrivalMs = 0;

  /** `clockRate`: the RTP clock of the payload (Hz), for jitter in timestamp units. */
  constructor(clockRate: number) {
    if (!(clockRate > 0)) throw new RangeError('clockRate must be positive');
    this.#clockRate = clockRate;
  }

  #initSeq(seq: number): void {
    this.#baseSeq = seq;
    this.#maxSeq = seq;
    this.#badSeq = RTP_SEQ_MOD + 1;
    this.#cycles = 0;
    this.#received = 0;
    this.#receivedPrior = 0;
    this.#expectedPrior = 0;
  }

  /**
   * Account for a packet (RFC 3550 A.1 `update_seq`, then A.8 jitter). Returns false while the
   * source is on probation or when the packet is a stray far from the current sequence (two in a
   * row from a new place restart the count), true when it counted.
   */
  update(seq: number, timestamp: number, arrivalMs: number): boolean {
    seq &= 0xffff;
    if (!this.#started) {
      this.#started = true;
      this.#initSeq(seq);
      this.#maxSeq = (seq - 1) & 0xffff;
      this.#probation = MIN_SEQUENTIAL;
    }
    const udelta = (seq - this.#maxSeq) & 0xffff;
    let valid = true;
    if (this.#probation > 0) {
      if (seq === ((this.#maxSeq + 1) & 0xffff)) {
        this.#probation--;
        this.#maxSeq = seq;
        if (this.#probation === 0) {
          this.#initSeq(seq);
          this.#received++;
        } else valid = false;
      } else {
        this.#probation = MIN_SEQUENTIAL - 1;
        this.#maxSeq = seq;
        valid = false;
      }
    } else if (udelta < MAX_DROPOUT) {
      if (seq < this.#maxSeq) this.#cycles += RTP_SEQ_MOD;
      this.#maxSeq = seq;
      this.#received++;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      if (seq === this.#badSeq) {
        this.#initSeq(seq); // two sequential packets after a big jump: the source restarted
        this.#received++;
      } else {
        this.#badSeq = (seq + 1) & 0xffff;
        valid = false;
      }
    } else {
      this.#received++; // duplicate or reordered
    }
    this.#updateJitter(timestamp, arrivalMs);
    return valid;
  }

  #updateJitter(ts: number, arrivalMs: number): void {
    if (this.#haveTransit) {
      // D = (Rj − Ri) − (Sj − Si) in timestamp units; the timestamp step is taken modulo 2^32.
      const d = ((arrivalMs - this.#lastArrivalMs) * this.#clockRate) / 1000 - ((ts - this.#lastTs) | 0);
      this.#jitter += (Math.abs(d) - this.#jitter) / 16;
    }
    this.#haveTransit = true;
    this.#lastArrivalMs = arrivalMs;
    this.#lastTs = ts;
  }

  /** Note an SR from this source: its NTP middle 32 bits and when it arrived. */
  onSenderReport(ntpMiddle32: number, arrivalMs: number): void {
    this.#lastSr = ntpMiddle32 >>> 0;
    this.#lastSrArrivalMs = arrivalMs;
  }

  /** Packets counted as received (duplicates included, as in RFC 3550). */
  get received(): number {
    return this.#received;
  }

  /** Extended highest sequence number (cycles + max seq). */
  get extendedHighestSeq(): number {
    return this.#cycles + this.#maxSeq;
  }

  /** Packets expected from the base sequence to the extended highest (0 before any). */
  get expected(): number {
    return this.#started && this.#probation === 0 ? this.extendedHighestSeq - this.#baseSeq + 1 : 0;
  }

  /** Cumulative packets lost (expected − received; may go negative with duplicates). */
  get lost(): number {
    return this.expected - this.#received;
  }

  /** Interarrival jitter in timestamp units (RFC 3550 A.8, unrounded). */
  get jitter(): number {
    return this.#jitter;
  }

  /** Interarrival jitter in milliseconds. */
  get jitterMs(): number {
    return (this.#jitter * 1000) / this.#clockRate;
  }

  /**
   * Fraction lost since the previous call, in 1/256 (RFC 3550 A.3); starts a new interval. A
   * negative loss (duplicates) reads as 0.
   */
  takeFractionLost(): number {
    const expected = this.expected;
    const expectedInterval = expected - this.#expectedPrior;
    this.#expectedPrior = expected;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval === 0 || lostInterval <= 0) return 0;
    return Math.floor((lostInterval * 256) / expectedInterval);
  }

  /** A report block about source `ssrc` for an SR/RR sent at `nowMs`; starts a new interval. */
  reportBlock(ssrc: number, nowMs: number): RtcpReportBlock {
    const lost = this.lost;
    return {
      ssrc: ssrc >>> 0,
      fractionLost: this.takeFractionLost(),
      cumulativeLost: Math.max(-0x80_0000, Math.min(0x7f_ffff, lost)),
      highestSequence: this.extendedHighestSeq >>> 0,
      jitter: Math.floor(this.#jitter) >>> 0,
      lastSr: this.#lastSr,
      delaySinceLastSr: this.#lastSr === 0 ? 0 : msToDlsr(nowMs - this.#lastSrArrivalMs),
    };
  }

  /** Forget the source (e.g. on SSRC change). */
  reset(): void {
    this.#started = false;
    this.#probation = 0;
    this.#initSeq(0);
    this.#jitter = 0;
    this.#haveTransit = false;
    this.#lastSr = 0;
    this.#lastSrArrivalMs = 0;
  }
}
