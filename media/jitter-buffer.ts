/**
 * Adaptive audio jitter buffer for one RTP stream: `push` packets as they arrive, `pull` exactly
 * one decoded frame per media-clock tick.
 *
 * Model. Packets sit in a preallocated ring of slots keyed by frame index (timestamp − the
 * stream's first timestamp, in frames). Each `pull` plays the frame at the playout index and
 * advances it by one. The current delay is how long ago that frame arrived, or would have arrived
 * had it been as fast as the fastest recent packet: `now − (frame media time + base transit)`;
 * the target delay is the recent peak of arrival deviation plus a margin (see
 * `./jitter-buffer-delay.ts`).
 *
 * - Missing frame at playout: the packet with the next sequence number is already here with a
 *   later timestamp → 'dtx' (the sender paused; zeros); the following frame is here and the
 *   decoder has FEC → 'fec'; otherwise → 'plc' (decoder.conceal), or 'silence' once
 *   concealment has run `maxConcealMs`.
 * - Delay under target → insert: a concealment frame (or more DTX/silence) without advancing.
 *   Delay at or over target + 1.5 frames → drop: skip one frame. Both are free when the frame
 *   concerned is missing (silence, DTX, loss), and inserting is free right after DTX/silence:
 *   then they happen on any pull. Over audio they are rate limited to one per
 *   `adaptIntervalFrames` pulls. This one mechanism follows target changes (jitter spikes, in
 *   both directions) and clock drift between sender and us (the base transit slides, the delay
 *   creeps, a frame is dropped or inserted).
 * - Arrivals for frames already played or skipped are late (counted, discarded); a second packet
 *   for a frame held or played is a duplicate. A new SSRC, a sequence jump beyond RFC 3550's
 *   MAX_DROPOUT / MAX_MISORDER confirmed by the next packet (a lone one is a discarded stray),
 *   or a packet too far ahead for the ring restart the buffer (flush; it fills again to the
 *   target before playing). A timestamp step over `maxTimestampJumpMs` with the sequence going
 *   on (a splice, a very long DTX pause) keeps what is queued and re-maps timestamps so the
 *   packet is on time right after it. Each of these counts as a reset.
 * - Before playout starts (and after a restart) pulls give 'silence' until the delay reaches the
 *   target.
 *
 * Packets must carry one frame of `frameMs` each (the ptime). Time is always passed in (ms on one
 * monotonic clock for push and pull). Steady state allocates nothing, except a payload view when
 * a slot's payload length changes (variable-bitrate codecs).
 */
import type { AudioDecoder, CodecName } from './codecs/types.ts';
import { PlayoutDelayEstimator } from './jitter-buffer-delay.ts';
import { RtpReceiverStats, MAX_DROPOUT, MAX_MISORDER } from './rtp/receiver-stats.ts';
import { SequenceUnwrapper, TimestampUnwrapper } from './rtp/sequence.ts';

/** What a pulled frame is. */
export type JitterFrameKind = 'audio' | 'fec' | 'plc' | 'silence' | 'dtx';

/** The fields of an RTP packet the buffer needs; a parsed `RtpHeader` fits as is. */
export interface JitterPacket {
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  /** Start of a talkspurt. Informational: pauses are recognised from sequence numbers. */
  marker: boolean;
  /** Copied into the buffer, so the caller may reuse it after `push` returns. */
  payload: Uint8Array;
}

/** What `push` did with a packet. */
export type JitterPushResult =
  | 'buffered'
  /** Buffered after restarting the buffer (new SSRC, jump, overflow). */
  | 'reset'
  | 'duplicate'
  /** Its frame was already played (or skipped); discarded. */
  | 'late'
  /** Payload larger than `maxPayloadBytes`; discarded. */
  | 'too-large'
  /** Sequence number far from the stream's (a stray, or the first packet of a restart); discarded. */
  | 'out-of-sequence';

/** Result of `pull`; the same object is reused on every call. */
export interface JitterPullResult {
  kind: JitterFrameKind;
  /** Samples written to `out`: always one frame. */
  samples: number;
}

export interface JitterBufferOptions {
  /** Decoder for the payloads (decode / conceal / optional decodeFec on caller buffers). */
  decoder: AudioDecoder;
  /** Duration of one packet and one pulled frame (ms). Default 20. */
  frameMs?: number;
  /** RTP clock rate (Hz). Default: 48000 for opus, 8000 for G722, else the decoder's rate. */
  clockRate?: number;
  /** Lowest target delay (ms). Default 20. */
  minDelayMs?: number;
  /** Highest target delay (ms); also sizes the ring. Default 400. */
  maxDelayMs?: number;
  /** Target delay before jitter has been measured (ms). Default 60. */
  initialDelayMs?: number;
  /** Half-life of the peak arrival deviation that sets the target (ms). Default 4000. */
  peakHalfLifeMs?: number;
  /** Safety margin added to the peak deviation (ms). Default a quarter frame. */
  marginMs?: number;
  /** Window of the minimum transit used as the on-time reference (ms). Default 2000. */
  transitWindowMs?: number;
  /** Audible drops/inserts (over audio) at most once per this many pulls. Default 5. */
  adaptIntervalFrames?: number;
  /** Conceal at most this long in a row, then output silence (ms). Default 100. */
  maxConcealMs?: number;
  /** Restart when the timestamp steps by more than this between consecutive packets (ms). Default 5000. */
  maxTimestampJumpMs?: number;
  /** Largest payload accepted (bytes). Default 1500. */
  maxPayloadBytes?: number;
}

export interface JitterBufferStats {
  /** SSRC being played, or null before the first packet. */
  ssrc: number | null;
  /** Packets pushed. */
  received: number;
  /** Packets waiting in the buffer for playout. */
  buffered: number;
  /** RFC 3550 cumulative packets lost of the current source (expected − received). */
  lost: number;
  /** RFC 3550 A.8 interarrival jitter of the current source (ms). */
  jitterMs: number;
  /** Packets that arrived after their frame was played or skipped. */
  late: number;
  duplicates: number;
  /** Packets never played: duplicates, late, too large, out of sequence, dropped for delay,
   *  flushed on restart. */
  discarded: number;
  /** Current playout delay (ms), as of the last pull. */
  delayMs: number;
  /** Target playout delay (ms), as of the last pull. */
  targetDelayMs: number;
  /** Frames pulled, by kind. */
  framesOut: number;
  audioFrames: number;
  /** Frames concealed by the decoder ('plc' kind; includes inserted frames). */
  concealedFrames: number;
  /** Missing frames recovered from the next packet's in-band FEC. */
  fecFrames: number;
  silenceFrames: number;
  dtxFrames: number;
  /** Frames inserted (delay under target) and dropped (over target): adaptation and drift. */
  inserted: number;
  dropped: number;
  /** Restarts: SSRC change, sequence/timestamp jump, overflow. */
  resets: number;
  /** Payloads the decoder threw on (concealed instead). */
  decodeErrors: number;
}

const EMPTY = 0;
const FILLED = 1;
const USED = 2; // played or dropped; kept to recognise duplicates

function defaultClockRate(codec: CodecName, sampleRate: number): number {
  if (codec === 'opus') return 48000;
  if (codec === 'G722') return 8000;
  return sampleRate;
}

export class JitterBuffer {
  readonly #decoder: AudioDecoder;
  readonly #frameMs: number;
  readonly #clockRate: number;
  readonly #frameTs: number;
  readonly #frameSamples: number;
  readonly #cap: number;
  readonly #adaptInterval: number;
  readonly #maxConcealFrames: number;
  readonly #maxJumpMs: number;
  readonly #maxPayload: number;
  readonly #initialDelayMs: number;

  // Slot ring (structure of arrays).
  readonly #slotIdx: Float64Array;
  readonly #slotSeq: Float64Array;
  readonly #slotState: Uint8Array;
  readonly #slotData: Uint8Array[];
  readonly #slotView: Uint8Array[];

  readonly #delay: PlayoutDelayEstimator;
  readonly #rx: RtpReceiverStats;
  readonly #seqU = new SequenceUnwrapper();
  readonly #tsU = new TimestampUnwrapper();
  readonly #result: JitterPullResult = { kind: 'silence', samples: 0 };

  #ssrc: number | null = null;
  #anchorTs = 0;
  #nextIdx = 0;
  #highestIdx = 0;
  #started = false;
  #lastSeq = NaN;
  #lastIdx = NaN;
  /** Sequence number that would confirm a sequence leap (RFC 3550 A.1 bad_seq), or −1. */
  #badSeq = -1;
  #concealRun = 0;
  #sinceAdapt: number;
  #lastDelay = 0;
  #lastTarget: number;

  #received = 0;
  #late = 0;
  #duplicates = 0;
  #discarded = 0;
  #framesOut = 0;
  #audio = 0;
  #concealed = 0;
  #fec = 0;
  #silence = 0;
  #dtx = 0;
  #inserted = 0;
  #dropped = 0;
  #resets = 0;
  #decodeErrors = 0;

  constructor(options: JitterBufferOptions) {
    const o = options;
    this.#decoder = o.decoder;
    this.#frameMs = o.frameMs ?? 20;
    this.#clockRate = o.clockRate ?? defaultClockRate(o.decoder.codec, o.decoder.sampleRate);
    this.#frameTs = (this.#clockRate * this.#frameMs) / 1000;
    this.#frameSamples = Math.round((o.decoder.sampleRate * this.#frameMs) / 1000);
    if (!(this.#frameMs > 0) || !Number.isInteger(this.#frameTs) || this.#frameSamples <= 0) {
      throw new RangeError(`frameMs ${this.#frameMs} does not fit clock rate ${this.#clockRate}`);
    }
    const minDelayMs = o.minDelayMs ?? 20;
    const maxDelayMs = o.maxDelayMs ?? 400;
    this.#initialDelayMs = Math.min(Math.max(o.initialDelayMs ?? 60, minDelayMs), maxDelayMs);
    this.#delay = new PlayoutDelayEstimator({
      minDelayMs,
      maxDelayMs,
      initialDelayMs: this.#initialDelayMs,
      halfLifeMs: o.peakHalfLifeMs ?? 4000,
      windowMs: o.transitWindowMs ?? 2000,
      marginMs: o.marginMs ?? this.#frameMs / 4,
    });
    this.#lastTarget = this.#initialDelayMs;
    this.#adaptInterval = Math.max(1, o.adaptIntervalFrames ?? 5);
    this.#sinceAdapt = this.#adaptInterval;
    this.#maxConcealFrames = Math.max(0, Math.ceil((o.maxConcealMs ?? 100) / this.#frameMs));
    this.#maxJumpMs = o.maxTimestampJumpMs ?? 5000;
    this.#maxPayload = o.maxPayloadBytes ?? 1500;
    this.#rx = new RtpReceiverStats(this.#clockRate);

    // Room for the deepest delay twice over (a burst after a stall) plus slack.
    this.#cap = Math.ceil(maxDelayMs / this.#frameMs) * 2 + 8;
    this.#slotIdx = new Float64Array(this.#cap).fill(NaN);
    this.#slotSeq = new Float64Array(this.#cap);
    this.#slotState = new Uint8Array(this.#cap);
    this.#slotData = [];
    this.#slotView = [];
    const empty = new Uint8Array(0);
    for (let i = 0; i < this.#cap; i++) {
      this.#slotData.push(empty);
      this.#slotView.push(empty);
    }
  }

  /** Samples in one pulled frame (decoder rate × frameMs). */
  get frameSamples(): number {
    return this.#frameSamples;
  }

  #slot(idx: number): number {
    const s = idx % this.#cap;
    return s < 0 ? s + this.#cap : s;
  }

  #isFilled(idx: number): boolean {
    const s = this.#slot(idx);
    return this.#slotState[s] === FILLED && this.#slotIdx[s] === idx;
  }

  /** Flush the ring and restart playout around a new timestamp origin. */
  #restart(seq: number, ts: number, keepPeak: boolean): void {
    for (let i = 0; i < this.#cap; i++) {
      if (this.#slotState[i] === FILLED && this.#slotIdx[i]! >= this.#nextIdx) this.#discarded++;
      this.#slotState[i] = EMPTY;
      this.#slotIdx[i] = NaN;
    }
    this.#seqU.reset();
    this.#tsU.reset();
    this.#seqU.unwrap(seq);
    this.#anchorTs = this.#tsU.unwrap(ts);
    this.#nextIdx = 0;
    this.#highestIdx = 0;
    this.#started = false;
    this.#lastSeq = NaN;
    this.#lastIdx = NaN;
    this.#concealRun = 0;
    this.#delay.resetTransit();
    if (!keepPeak) this.#delay.resetPeak();
  }

  /**
   * Take one packet that arrived at `arrivalMs`. Never throws on packet contents; the payload is
   * copied.
   */
  push(packet: JitterPacket, arrivalMs: number): JitterPushResult {
    this.#received++;
    const len = packet.payload.length;
    if (len > this.#maxPayload) {
      this.#discarded++;
      return 'too-large';
    }
    const seq = packet.sequenceNumber & 0xffff;
    const ts = packet.timestamp >>> 0;
    let result: JitterPushResult = 'buffered';
    let extSeq: number;
    let extTs: number;

    if (this.#ssrc !== packet.ssrc >>> 0) {
      if (this.#ssrc !== null) {
        this.#resets++;
        result = 'reset';
      }
      this.#ssrc = packet.ssrc >>> 0;
      this.#rx.reset();
      this.#restart(seq, ts, false);
      extSeq = this.#seqU.highest;
      extTs = this.#anchorTs;
    } else {
      const prevSeq = this.#seqU.highest;
      const prevTs = this.#tsU.highest;
      extSeq = this.#seqU.peek(seq);
      extTs = this.#tsU.peek(ts);
      const dSeq = extSeq - prevSeq;
      const dTsMs = ((extTs - prevTs) * 1000) / this.#clockRate;
      if (dSeq >= MAX_DROPOUT || dSeq < -MAX_MISORDER) {
        // The sequence leapt. As in RFC 3550 A.1, one such packet is a stray (discarded); when the
        // next one follows it in sequence, the source has restarted: start over from there.
        if (seq !== this.#badSeq) {
          this.#badSeq = (seq + 1) & 0xffff;
          this.#discarded++;
          return 'out-of-sequence';
        }
        this.#resets++;
        result = 'reset';
        this.#restart(seq, ts, true);
        extSeq = this.#seqU.highest;
        extTs = this.#anchorTs;
      } else if (dSeq > 0 && (dTsMs > this.#maxJumpMs || dTsMs < -this.#maxJumpMs)) {
        // Sequence goes on but the timestamp leapt (splice, or a very long DTX pause): keep what
        // is buffered and re-map timestamps so this packet is on time, after what is queued.
        this.#resets++;
        result = 'reset';
        extSeq = this.#seqU.unwrap(seq);
        this.#tsU.reset();
        extTs = this.#tsU.unwrap(ts);
        const onTime = Math.floor((arrivalMs - this.#delay.baseTransitMs) / this.#frameMs);
        const idx = Math.max(this.#highestIdx + 1, this.#nextIdx, onTime);
        this.#anchorTs = extTs - idx * this.#frameTs;
      } else if (dSeq > 0 && Math.round((extTs - this.#anchorTs) / this.#frameTs) >= this.#nextIdx + this.#cap) {
        // Too far ahead for the ring: playout has fallen hopelessly behind. Start over.
        this.#resets++;
        result = 'reset';
        this.#restart(seq, ts, true);
        extSeq = this.#seqU.highest;
        extTs = this.#anchorTs;
      } else {
        this.#seqU.unwrap(seq);
        this.#tsU.unwrap(ts);
      }
    }
    this.#badSeq = -1;
    this.#rx.update(seq, ts, arrivalMs);

    const rel = extTs - this.#anchorTs;
    const idx = Math.round(rel / this.#frameTs);
    const s = this.#slot(idx);

    // Duplicate: a packet for this frame is already held (waiting or played).
    if (this.#slotIdx[s] === idx && this.#slotState[s] !== EMPTY) {
      this.#duplicates++;
      this.#discarded++;
      return 'duplicate';
    }

    this.#delay.observe(arrivalMs - (rel * 1000) / this.#clockRate, arrivalMs);

    if (idx < this.#nextIdx) {
      // Before playout starts an earlier packet (reordered first packets) moves the start back.
      if (!this.#started && this.#highestIdx - idx < this.#cap) {
        this.#nextIdx = idx;
      } else {
        this.#late++;
        this.#discarded++;
        return 'late';
      }
    }
    if (idx >= this.#nextIdx + this.#cap) {
      // Only reachable for an old sequence number with a far-ahead timestamp: hostile or broken.
      this.#discarded++;
      return 'late';
    }

    let data = this.#slotData[s]!;
    if (data.length < len) {
      let size = 64;
      while (size < len) size *= 2;
      data = new Uint8Array(Math.min(size, this.#maxPayload));
      this.#slotData[s] = data;
    }
    data.set(packet.payload);
    if (this.#slotView[s]!.length !== len || this.#slotView[s]!.buffer !== data.buffer) {
      this.#slotView[s] = data.subarray(0, len);
    }
    this.#slotIdx[s] = idx;
    this.#slotSeq[s] = extSeq;
    this.#slotState[s] = FILLED;
    if (idx > this.#highestIdx) this.#highestIdx = idx;
    return result;
  }

  /**
   * Produce the frame due at `nowMs` into `out` (at least `frameSamples` long). Always writes
   * exactly one frame; the returned object is reused.
   */
  pull(nowMs: number, out: Int16Array): JitterPullResult {
    const n = this.#frameSamples;
    if (out.length < n) throw new RangeError(`out holds ${out.length} samples, a frame is ${n}`);
    this.#framesOut++;
    if (this.#ssrc === null) return this.#zeros(out, 'silence');

    const target = this.#delay.targetMs(nowMs);
    const delay = nowMs - (this.#nextIdx * this.#frameMs + this.#delay.baseTransitMs);
    this.#lastTarget = target;
    this.#lastDelay = delay;

    if (!this.#started) {
      if (delay < target) return this.#zeros(out, 'silence');
      this.#started = true;
    }
    this.#sinceAdapt++;

    let present = this.#isFilled(this.#nextIdx);
    if (delay < target) {
      const free = !present || this.#result.kind === 'dtx' || this.#result.kind === 'silence';
      if (free || this.#sinceAdapt >= this.#adaptInterval) {
        if (!free) this.#sinceAdapt = 0;
        this.#inserted++;
        return this.#fillMissing(this.#nextIdx, out, false);
      }
    } else if (delay >= target + this.#frameMs * 1.5) {
      if (!present) {
        this.#dropped++;
        this.#nextIdx++;
        present = this.#isFilled(this.#nextIdx);
      } else if (this.#sinceAdapt >= this.#adaptInterval) {
        this.#sinceAdapt = 0;
        const s = this.#slot(this.#nextIdx);
        this.#slotState[s] = USED;
        this.#lastSeq = this.#slotSeq[s]!;
        this.#lastIdx = this.#nextIdx;
        this.#dropped++;
        this.#discarded++;
        this.#nextIdx++;
        present = this.#isFilled(this.#nextIdx);
      }
    }

    const idx = this.#nextIdx++;
    if (!present) return this.#fillMissing(idx, out, true);
    const s = this.#slot(idx);
    this.#slotState[s] = USED;
    this.#lastSeq = this.#slotSeq[s]!;
    this.#lastIdx = idx;
    let got: number;
    try {
      got = this.#decoder.decode(this.#slotView[s]!, out);
    } catch {
      this.#decodeErrors++;
      got = -1;
    }
    if (got < 0) return this.#conceal(out);
    if (got < n) out.fill(0, got, n);
    this.#concealRun = 0;
    this.#audio++;
    return this.#emit('audio');
  }

  /** Output for a frame that is not here: DTX gap, FEC, concealment or silence. */
  #fillMissing(idx: number, out: Int16Array, allowFec: boolean): JitterPullResult {
    let next = -1;
    for (let i = idx; i <= this.#highestIdx && i - idx < this.#cap; i++) {
      if (this.#isFilled(i)) {
        next = i;
        break;
      }
    }
    // The next packet in sequence is here but for a later frame: the sender skipped frames (DTX).
    if (next > this.#lastIdx + 1 && this.#slotSeq[this.#slot(next)] === this.#lastSeq + 1) {
      this.#concealRun = 0;
      return this.#zeros(out, 'dtx');
    }
    if (allowFec && next === idx + 1 && this.#decoder.decodeFec) {
      let got: number;
      try {
        got = this.#decoder.decodeFec(this.#slotView[this.#slot(next)]!, out, this.#frameSamples);
      } catch {
        this.#decodeErrors++;
        got = -1;
      }
      if (got >= 0) {
        if (got < this.#frameSamples) out.fill(0, got, this.#frameSamples);
        this.#concealRun = 0;
        this.#fec++;
        return this.#emit('fec');
      }
    }
    return this.#conceal(out);
  }

  #conceal(out: Int16Array): JitterPullResult {
    const n = this.#frameSamples;
    if (this.#concealRun >= this.#maxConcealFrames) return this.#zeros(out, 'silence');
    this.#concealRun++;
    let got: number;
    try {
      got = this.#decoder.conceal(out, n);
    } catch {
      this.#decodeErrors++;
      got = 0;
    }
    if (got < n) out.fill(0, Math.max(0, got), n);
    this.#concealed++;
    return this.#emit('plc');
  }

  #zeros(out: Int16Array, kind: 'silence' | 'dtx'): JitterPullResult {
    out.fill(0, 0, this.#frameSamples);
    if (kind === 'dtx') this.#dtx++;
    else this.#silence++;
    return this.#emit(kind);
  }

  #emit(kind: JitterFrameKind): JitterPullResult {
    this.#result.kind = kind;
    this.#result.samples = this.#frameSamples;
    return this.#result;
  }

  /** Counters and current figures for operators (allocates; not for the per-packet path). */
  getStats(): JitterBufferStats {
    let buffered = 0;
    for (let i = 0; i < this.#cap; i++) {
      if (this.#slotState[i] === FILLED && this.#slotIdx[i]! >= this.#nextIdx) buffered++;
    }
    return {
      ssrc: this.#ssrc,
      received: this.#received,
      buffered,
      lost: this.#rx.lost,
      jitterMs: this.#rx.jitterMs,
      late: this.#late,
      duplicates: this.#duplicates,
      discarded: this.#discarded,
      delayMs: this.#lastDelay,
      targetDelayMs: this.#lastTarget,
      framesOut: this.#framesOut,
      audioFrames: this.#audio,
      concealedFrames: this.#concealed,
      fecFrames: this.#fec,
      silenceFrames: this.#silence,
      dtxFrames: this.#dtx,
      inserted: this.#inserted,
      dropped: this.#dropped,
      resets: this.#resets,
      decodeErrors: this.#decodeErrors,
    };
  }

  /** The RFC 3550 receiver statistics of the current source (for RTCP report blocks). */
  get receiverStats(): RtpReceiverStats {
    return this.#rx;
  }
}
