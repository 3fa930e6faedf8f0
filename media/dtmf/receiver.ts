/**
 * RFC 4733 DTMF receiver: turns incoming telephone-event packets into digit start/end events.
 *
 * Rules (RFC 4733 §2.5.2): the RTP timestamp identifies an event, so the digit is reported
 * once, on the first packet seen for a new timestamp — marker or not, so a lost start packet
 * still yields the digit. The E bit ends it; the retransmitted end packets, duplicates and
 * late packets of older events are dropped. When packets stop without an E bit (all end
 * packets lost) the event ends after `endTimeoutMs` of caller time (`tick(nowMs)`). A packet
 * with a new timestamp, the same event code and no marker, continuing the previous one within
 * 65535 units, is the next segment of a long event (§2.5.2.3) and extends it. Any other new
 * timestamp is a new event (ending the current one as 'superseded' if it was still open).
 * Pure: time is passed in, nothing is scheduled.
 */

import {
  FLASH_EVENT,
  MAX_EVENT_DURATION,
  eventToDigit,
  parseTelephoneEvent,
  type DtmfKey,
  type ParsedTelephoneEvent,
} from './rfc4733.ts';

export interface DtmfReceiverOptions {
  /** RTP clock rate of the telephone-event payload type. Default 8000. */
  clockRate?: number;
  /** End an open event when no packet for it arrived for this long (ms). Default 500. */
  endTimeoutMs?: number;
}

/** What the caller knows about one received telephone-event RTP packet. */
export interface TelephoneEventPacket {
  /** RTP payload (the first 4-byte report is read; packed multi-event payloads are not split). */
  payload: Uint8Array;
  /** RTP timestamp. */
  timestamp: number;
  /** RTP sequence number. */
  sequenceNumber: number;
  /** RTP marker bit. */
  marker: boolean;
}

export type DtmfEndReason =
  /** A report with the E bit arrived. */
  | 'end'
  /** No packet for `endTimeoutMs`. */
  | 'timeout'
  /** A new event started before this one ended. */
  | 'superseded';

export type DtmfReceiverEvent =
  | {
      type: 'start';
      key: DtmfKey;
      event: number;
      /** RTP timestamp of the event's first segment. */
      timestamp: number;
      /** Volume field of the first report seen (-dBm0). */
      volume: number;
      /** Caller time of the packet that started it (ms). */
      atMs: number;
    }
  | {
      type: 'end';
      key: DtmfKey;
      event: number;
      timestamp: number;
      /** Total duration in clock units (all segments merged); the longest reported when not ended by E. */
      duration: number;
      /** `duration` in ms. */
      durationMs: number;
      reason: DtmfEndReason;
      atMs: number;
    };

export interface DtmfReceiverStats {
  /** Packets passed to `push`. */
  packets: number;
  /** Digits reported (start events). */
  digits: number;
  /** Events ended by timeout. */
  timeouts: number;
  /** Packets for an event already ended (retransmitted end packets, late continuations). */
  duplicates: number;
  /** Packets for an event older than the current one. */
  stale: number;
  /** Packets arriving with a sequence number older than the highest seen. */
  reordered: number;
  /** Segments of long events merged into their event. */
  segments: number;
  /** Reports with event codes other than 0–16 (not DTMF), ignored. */
  ignored: number;
  /** Payloads shorter than 4 bytes. */
  malformed: number;
}

interface OpenEvent {
  event: number;
  key: DtmfKey;
  /** Timestamp of the first segment (reported) and of the segment now being received. */
  firstTimestamp: number;
  segmentTimestamp: number;
  /** Duration of the segments before the current one. */
  base: number;
  /** Longest duration reported in the current segment. */
  segmentDuration: number;
  lastPacketMs: number;
}

/** Remember this many ended events so their retransmissions and late packets are dropped. */
const ENDED_MEMORY = 8;
const NO_EVENTS: readonly DtmfReceiverEvent[] = Object.freeze([]);

export class DtmfReceiver {
  readonly #clockRate: number;
  readonly #endTimeoutMs: number;
  #open: OpenEvent | undefined;
  /** Timestamp of the newest event (segment) seen; older ones are stale. */
  #latestTimestamp: number | undefined;
  #highestSeq: number | undefined;
  /** Ring of `event << 32 | timestamp` keys of recently ended segments. */
  readonly #ended: number[] = [];
  readonly #report: ParsedTelephoneEvent = { event: 0, end: false, reserved: false, volume: 0, duration: 0 };
  readonly #stats: DtmfReceiverStats = {
    packets: 0, digits: 0, timeouts: 0, duplicates: 0, stale: 0, reordered: 0, segments: 0, ignored: 0, malformed: 0,
  };

  constructor(options: DtmfReceiverOptions = {}) {
    const clockRate = options.clockRate ?? 8000;
    if (!Number.isInteger(clockRate) || clockRate <= 0) throw new RangeError(`clockRate ${clockRate} must be a positive integer`);
    const timeout = options.endTimeoutMs ?? 500;
    if (!(timeout > 0)) throw new RangeError(`endTimeoutMs ${timeout} must be > 0`);
    this.#clockRate = clockRate;
    this.#endTimeoutMs = timeout;
  }

  /** True while an event has started and not yet ended. */
  get active(): boolean {
    return this.#open !== undefined;
  }

  /** Caller time (ms) at which `tick` would time out the open event, or undefined. */
  get nextDueMs(): number | undefined {
    return this.#open ? this.#open.lastPacketMs + this.#endTimeoutMs : undefined;
  }

  /** Take in one telephone-event packet received at caller time `nowMs`; returns the events it causes. */
  push(packet: TelephoneEventPacket, nowMs: number): readonly DtmfReceiverEvent[] {
    this.#stats.packets++;
    let out: DtmfReceiverEvent[] | undefined = this.#expire(nowMs, undefined);

    const seq = packet.sequenceNumber & 0xffff;
    if (this.#highestSeq === undefined || ((seq - this.#highestSeq) & 0xffff) < 0x8000) {
      this.#highestSeq = seq;
    } else {
      this.#stats.reordered++;
    }

    if (packet.payload.length < 4) {
      this.#stats.malformed++;
      return out ?? NO_EVENTS;
    }
    const r = parseTelephoneEvent(packet.payload, 0, this.#report);
    if (r.event > FLASH_EVENT) {
      this.#stats.ignored++;
      return out ?? NO_EVENTS;
    }
    const ts = packet.timestamp >>> 0;
    const open = this.#open;

    if (open && ts === open.segmentTimestamp && r.event === open.event) {
      // Another report of the open event.
      open.lastPacketMs = nowMs;
      if (r.duration > open.segmentDuration) open.segmentDuration = r.duration;
      if (r.end) {
        open.segmentDuration = r.duration;
        out = this.#close('end', nowMs, out);
      }
      return out ?? NO_EVENTS;
    }

    if (this.#wasEnded(r.event, ts)) {
      this.#stats.duplicates++;
      return out ?? NO_EVENTS;
    }
    if (this.#latestTimestamp !== undefined && ((ts - this.#latestTimestamp) | 0) < 0) {
      this.#stats.stale++;
      return out ?? NO_EVENTS;
    }

    if (open && r.event === open.event && !packet.marker) {
      const step = (ts - open.segmentTimestamp) >>> 0;
      if (step > 0 && step >= open.segmentDuration && step <= MAX_EVENT_DURATION) {
        // Next segment of a long event.
        this.#remember(open.event, open.segmentTimestamp);
        this.#stats.segments++;
        open.base += step;
        open.segmentTimestamp = ts;
        open.segmentDuration = r.duration;
        open.lastPacketMs = nowMs;
        this.#latestTimestamp = ts;
        if (r.end) out = this.#close('end', nowMs, out);
        return out ?? NO_EVENTS;
      }
    }

    // A new event.
    if (open) out = this.#close('superseded', nowMs, out);
    const key = eventToDigit(r.event)!;
    this.#open = {
      event: r.event,
      key,
      firstTimestamp: ts,
      segmentTimestamp: ts,
      base: 0,
      segmentDuration: r.duration,
      lastPacketMs: nowMs,
    };
    this.#latestTimestamp = ts;
    this.#stats.digits++;
    (out ??= []).push({ type: 'start', key, event: r.event, timestamp: ts, volume: r.volume, atMs: nowMs });
    if (r.end) out = this.#close('end', nowMs, out);
    return out;
  }

  /** Advance caller time: ends the open event when its packets stopped `endTimeoutMs` ago. */
  tick(nowMs: number): readonly DtmfReceiverEvent[] {
    return this.#expire(nowMs, undefined) ?? NO_EVENTS;
  }

  getStats(): DtmfReceiverStats {
    return { ...this.#stats };
  }

  #expire(nowMs: number, out: DtmfReceiverEvent[] | undefined): DtmfReceiverEvent[] | undefined {
    const open = this.#open;
    if (open && nowMs - open.lastPacketMs >= this.#endTimeoutMs) {
      this.#stats.timeouts++;
      return this.#close('timeout', nowMs, out);
    }
    return out;
  }

  #close(reason: DtmfEndReason, nowMs: number, out: DtmfReceiverEvent[] | undefined): DtmfReceiverEvent[] {
    const open = this.#open!;
    this.#open = undefined;
    this.#remember(open.event, open.segmentTimestamp);
    const duration = open.base + open.segmentDuration;
    (out ??= []).push({
      type: 'end',
      key: open.key,
      event: open.event,
      timestamp: open.firstTimestamp,
      duration,
      durationMs: (duration * 1000) / this.#clockRate,
      reason,
      atMs: nowMs,
    });
    return out;
  }

  #remember(event: number, ts: number): void {
    if (this.#ended.length >= ENDED_MEMORY) this.#ended.shift();
    this.#ended.push(event * 0x1_0000_0000 + ts);
  }

  #wasEnded(event: number, ts: number): boolean {
    return this.#ended.includes(event * 0x1_0000_0000 + ts);
  }
}
