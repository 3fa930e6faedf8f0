/**
 * RFC 4733 DTMF sender: turns queued digits into the telephone-event packets to put on the wire,
 * as a state machine driven by the caller's clock (`tick(nowMs)`, e.g. from the 20 ms media tick).
 *
 * Per digit (RFC 4733 §2.5.1): a start packet (marker bit, new timestamp, duration 0), then a
 * report every `packetIntervalMs` with the same timestamp and the duration so far, then
 * `endPackets` copies of the final report (E bit, the full duration). Events longer than 65535
 * timestamp units (8.19 s at 8 kHz, 1.37 s at 48 kHz) are sent in segments (§2.5.1.3): a report
 * with duration 65535, then the next segment at timestamp + 65535 without the marker bit.
 * Digits are separated by `interDigitGapMs`; ',' in the digit string pauses like WebRTC's
 * insertDTMF. No sockets, no timers: the caller sends what `tick` returns and assigns sequence
 * numbers; `nextDueMs` says when calling again makes progress.
 */

import {
  MAX_EVENT_DURATION,
  MAX_EVENT_VOLUME,
  TELEPHONE_EVENT_SIZE,
  digitToEvent,
  eventToDigit,
  writeTelephoneEvent,
  type DtmfKey,
} from './rfc4733.ts';

/** Shortest tone the sender plays; shorter requests are raised to this (as W3C RTCDTMFSender does). */
export const MIN_DTMF_DURATION_MS = 40;

export interface DtmfSenderOptions {
  /** RTP clock rate of the negotiated telephone-event payload type (8000 for G.711, 48000 beside Opus). Default 8000. */
  clockRate?: number;
  /** Tone length per digit in ms. Default 100; values below 40 are raised to 40. */
  durationMs?: number;
  /** Time between reports of an ongoing event in ms. Default 50 (RFC 4733 §2.5.1.2). */
  packetIntervalMs?: number;
  /** Silence between the end of one digit and the start of the next, in ms. Default 50. */
  interDigitGapMs?: number;
  /** Pause inserted for each ',' in a digit string, in ms. Default 2000 (as WebRTC insertDTMF). */
  pauseMs?: number;
  /** Tone power as a positive number of -dBm0 (0–63). Default 10. */
  volume?: number;
  /** How many copies of the final (E bit) report are sent. Default 3 (RFC 4733 §2.5.1.4). */
  endPackets?: number;
}

/** Per-call overrides for `insert`. */
export interface DtmfInsertOptions {
  /** Tone length in ms (minimum 40). Default: the sender's `durationMs`. */
  durationMs?: number;
  /** Tone power in -dBm0. Default: the sender's `volume`. */
  volume?: number;
}

/** One telephone-event packet to send. */
export interface DtmfPacket {
  /** The 4-byte RFC 4733 payload (a fresh buffer per packet; DTMF is not the hot path). */
  payload: Uint8Array;
  /** RTP marker bit: set on the first packet of an event only. */
  marker: boolean;
  /**
   * RTP timestamp of the event (segment) start in clock units counted from the caller's time 0
   * (`tick(0)`), modulo 2^32. Add the leg's RTP timestamp base (the timestamp at time 0).
   */
  timestamp: number;
  /** Duration field of the payload, clock units. */
  duration: number;
  /** E bit of the payload. */
  end: boolean;
  /** Event code (0–15, 16 for flash). */
  event: number;
  /** The key this packet reports. */
  key: DtmfKey;
  /** Volume field of the payload (-dBm0). */
  volume: number;
}

export interface DtmfSenderStats {
  /** Digits whose start packet has been sent. */
  digitsStarted: number;
  /** Digits whose end packets have been sent. */
  digitsEnded: number;
  /** Packets returned by `tick`. */
  packets: number;
  /** Segment boundaries crossed by long events. */
  segments: number;
}

type QueueItem =
  | { kind: 'digit'; key: DtmfKey; event: number; units: number; volume: number }
  | { kind: 'pause'; units: number };

const NO_PACKETS: readonly DtmfPacket[] = Object.freeze([]);

export class DtmfSender {
  readonly #clockRate: number;
  readonly #durationMs: number;
  readonly #intervalUnits: number;
  readonly #gapUnits: number;
  readonly #pauseUnits: number;
  readonly #volume: number;
  readonly #endPackets: number;

  readonly #queue: QueueItem[] = [];
  /** The digit being played, or undefined. */
  #current: Extract<QueueItem, { kind: 'digit' }> | undefined;
  /** Absolute clock units: start of the current event, its segment, its end, next report due. */
  #eventStart = 0;
  #segmentStart = 0;
  #toneEnd = 0;
  #nextReport = 0;
  /** Earliest clock unit at which the next queued item may start. */
  #nextStart = -Infinity;
  /** Last time seen by tick, clock units. */
  #now = -Infinity;
  readonly #stats: DtmfSenderStats = { digitsStarted: 0, digitsEnded: 0, packets: 0, segments: 0 };

  constructor(options: DtmfSenderOptions = {}) {
    const clockRate = options.clockRate ?? 8000;
    if (!Number.isInteger(clockRate) || clockRate <= 0) throw new RangeError(`clockRate ${clockRate} must be a positive integer`);
    const interval = options.packetIntervalMs ?? 50;
    if (!(interval > 0)) throw new RangeError(`packetIntervalMs ${interval} must be > 0`);
    const gap = options.interDigitGapMs ?? 50;
    if (!(gap >= 0)) throw new RangeError(`interDigitGapMs ${gap} must be >= 0`);
    const pause = options.pauseMs ?? 2000;
    if (!(pause >= 0)) throw new RangeError(`pauseMs ${pause} must be >= 0`);
    const endPackets = options.endPackets ?? 3;
    if (!Number.isInteger(endPackets) || endPackets < 1) throw new RangeError(`endPackets ${endPackets} must be an integer >= 1`);
    this.#clockRate = clockRate;
    this.#durationMs = clampDuration(options.durationMs ?? 100);
    this.#intervalUnits = Math.max(1, this.#units(interval));
    this.#gapUnits = this.#units(gap);
    this.#pauseUnits = this.#units(pause);
    this.#volume = checkVolume(options.volume ?? 10);
    this.#endPackets = endPackets;
  }

  get clockRate(): number {
    return this.#clockRate;
  }

  /** Effective default tone length, ms. */
  get durationMs(): number {
    return this.#durationMs;
  }

  /** True while a digit is playing or more are queued. */
  get busy(): boolean {
    return this.#current !== undefined || this.#queue.length > 0;
  }

  /** What is queued and not yet started: digits, ',' per pause, '!' per hook flash. */
  get pending(): string {
    let s = '';
    for (const item of this.#queue) s += item.kind === 'digit' ? (item.key === 'flash' ? '!' : item.key) : ',';
    return s;
  }

  /**
   * Earliest caller time (ms) at which `tick` has something to do (a time already past means
   * "now"), or undefined when idle. Ticking by then keeps packets on schedule; more often is harmless.
   */
  get nextDueMs(): number | undefined {
    let units: number;
    if (this.#current) {
      units = Math.min(this.#nextReport, this.#toneEnd, this.#segmentStart + MAX_EVENT_DURATION);
    } else if (this.#queue.length > 0) {
      units = Math.max(this.#nextStart, this.#now);
      if (!Number.isFinite(units)) return 0; // never ticked: due at once
    } else {
      return undefined;
    }
    return (units * 1000) / this.#clockRate;
  }

  /**
   * Queue digits: '0'–'9', '*', '#', 'A'–'D' (case-insensitive), ',' for a pause; spaces and '-'
   * are ignored. Throws TelephoneEventError('unknown-digit') before queueing anything when a
   * character is not one of these. Use `insertFlash` for hook flash.
   */
  insert(digits: string, options: DtmfInsertOptions = {}): void {
    const units = this.#units(clampDuration(options.durationMs ?? this.#durationMs));
    const volume = checkVolume(options.volume ?? this.#volume);
    const items: QueueItem[] = [];
    for (const ch of digits) {
      if (ch === ' ' || ch === '-') continue;
      if (ch === ',') {
        items.push({ kind: 'pause', units: this.#pauseUnits });
        continue;
      }
      const event = digitToEvent(ch);
      items.push({ kind: 'digit', key: eventToDigit(event)!, event, units, volume });
    }
    this.#queue.push(...items);
  }

  /** Queue a hook flash (event 16), default length 500 ms. */
  insertFlash(options: DtmfInsertOptions = {}): void {
    const units = this.#units(clampDuration(options.durationMs ?? 500));
    this.#queue.push({ kind: 'digit', key: 'flash', event: 16, units, volume: checkVolume(options.volume ?? this.#volume) });
  }

  /**
   * Drop queued digits. A digit already playing is ended at the next `tick` (with the duration
   * reached by then) so the far end never sees an unterminated event.
   */
  clear(): void {
    this.#queue.length = 0;
    if (this.#current && this.#toneEnd > this.#now) {
      this.#toneEnd = Math.max(this.#eventStart, this.#now);
    }
  }

  /**
   * Advance to caller time `nowMs` (monotonic; a smaller value than before counts as no time
   * passing) and return the packets due, in send order. Returns a shared empty array when
   * there is nothing to send.
   */
  tick(nowMs: number): readonly DtmfPacket[] {
    const now = Math.max(this.#units(nowMs), this.#now);
    this.#now = now;
    let out: DtmfPacket[] | undefined;
    const emit = (p: DtmfPacket): void => {
      (out ??= []).push(p);
      this.#stats.packets++;
    };

    for (;;) {
      const cur = this.#current;
      if (cur) {
        const segmentEnd = this.#segmentStart + MAX_EVENT_DURATION;
        if (this.#toneEnd <= segmentEnd && now >= this.#toneEnd) {
          // Tone finished: the final report, retransmitted.
          const duration = this.#toneEnd - this.#segmentStart;
          for (let i = 0; i < this.#endPackets; i++) emit(this.#packet(cur, false, duration, true));
          this.#stats.digitsEnded++;
          this.#current = undefined;
          this.#nextStart = this.#toneEnd + this.#gapUnits;
          continue;
        }
        if (this.#toneEnd > segmentEnd && now >= segmentEnd) {
          // Long event: close this segment at the maximum duration and open the next (§2.5.1.3).
          emit(this.#packet(cur, false, MAX_EVENT_DURATION, false));
          this.#segmentStart = segmentEnd;
          this.#stats.segments++;
          if (now < this.#toneEnd && now < this.#segmentStart + MAX_EVENT_DURATION) {
            emit(this.#packet(cur, false, now - this.#segmentStart, false));
            this.#nextReport = this.#advance(this.#nextReport, now);
          }
          continue;
        }
        if (now >= this.#nextReport) {
          emit(this.#packet(cur, false, now - this.#segmentStart, false));
          this.#nextReport = this.#advance(this.#nextReport, now);
        }
        break;
      }

      const item = this.#queue[0];
      if (!item || now < this.#nextStart) break;
      this.#queue.shift();
      const start = now;
      if (item.kind === 'pause') {
        this.#nextStart = start + item.units;
        continue;
      }
      this.#current = item;
      this.#eventStart = start;
      this.#segmentStart = start;
      this.#toneEnd = start + item.units;
      this.#nextReport = start + this.#intervalUnits;
      this.#stats.digitsStarted++;
      emit(this.#packet(item, true, 0, false));
    }
    return out ?? NO_PACKETS;
  }

  getStats(): DtmfSenderStats {
    return { ...this.#stats };
  }

  #packet(item: Extract<QueueItem, { kind: 'digit' }>, marker: boolean, duration: number, end: boolean): DtmfPacket {
    const payload = new Uint8Array(TELEPHONE_EVENT_SIZE);
    writeTelephoneEvent({ event: item.event, end, volume: item.volume, duration }, payload, 0);
    return {
      payload,
      marker,
      timestamp: this.#segmentStart >>> 0,
      duration,
      end,
      event: item.event,
      key: item.key,
      volume: item.volume,
    };
  }

  /** Next report time after `now` on the event's regular grid. */
  #advance(due: number, now: number): number {
    const behind = Math.floor((now - due) / this.#intervalUnits) + 1;
    return due + Math.max(1, behind) * this.#intervalUnits;
  }

  #units(ms: number): number {
    return Math.round((ms * this.#clockRate) / 1000);
  }
}

function clampDuration(ms: number): number {
  if (!Number.isFinite(ms)) throw new RangeError(`durationMs ${ms} must be finite`);
  return Math.max(MIN_DTMF_DURATION_MS, ms);
}

function checkVolume(volume: number): number {
  if (!Number.isInteger(volume) || volume < 0 || volume > MAX_EVENT_VOLUME) {
    throw new RangeError(`volume ${volume} must be an integer 0..${MAX_EVENT_VOLUME}`);
  }
  return volume;
}
