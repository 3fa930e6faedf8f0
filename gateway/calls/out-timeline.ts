/**
 * OutTimeline: the continuous RTP timestamp line one bridge direction sends on. Incoming streams
 * are mapped onto it by offset, so DTX pauses and reordering pass through unchanged; when the
 * source changes (new SSRC, a mode switch between relayed and transcoded frames) or its timestamps
 * stop matching wall time (a peer that froze its clock while on hold, a splice), the line is
 * re-anchored at the last output timestamp plus the wall time elapsed, and the next packet
 * carries the marker bit. The destination leg adds its own random base, SSRC and sequence numbers.
 * No allocation; time is passed in.
 */

/** Re-anchor when a stream's timestamps and wall time disagree by more than this (ms). */
const MAX_SKEW_MS = 1000;

export class OutTimeline {
  readonly #clockRate: number;
  readonly #frameUnits: number;
  #started = false;
  #source = 0;
  /** Input timestamp that maps to `#outRef`. */
  #inRef = 0;
  #outRef = 0;
  /** Newest input timestamp seen and when. */
  #lastIn = 0;
  #lastInMs = 0;
  /** Newest output timestamp given and when. */
  #lastOut = 0;
  #lastOutMs = 0;
  #anchors = 0;
  /** Marker bit for the packet just mapped (start of a talkspurt or a re-anchor). */
  marker = false;

  /** `clockRate`: RTP clock of the destination codec; `frameUnits`: units of one frame. */
  constructor(clockRate: number, frameUnits: number) {
    this.#clockRate = clockRate;
    this.#frameUnits = frameUnits;
  }

  /** Times the line was re-anchored (source changes, clock jumps). */
  get anchors(): number {
    return this.#anchors;
  }

  /**
   * Map one packet of stream `source` (an SSRC, or any id for synthesized frames) with input
   * timestamp `ts` arriving at `nowMs`; returns the output timestamp and sets `marker`.
   */
  map(source: number, ts: number, marker: boolean, nowMs: number): number {
    ts >>>= 0;
    if (!this.#started) {
      this.#started = true;
      this.#anchor(source, ts, 0, nowMs);
      this.#lastOut = 0;
      this.#lastOutMs = nowMs;
      this.marker = true;
      return 0;
    }
    if (source !== this.#source) {
      this.#reanchor(source, ts, nowMs);
    } else {
      const delta = (ts - this.#lastIn) | 0; // signed, wrap-safe
      const expected = ((nowMs - this.#lastInMs) * this.#clockRate) / 1000;
      if (Math.abs(delta - expected) > (MAX_SKEW_MS * this.#clockRate) / 1000) this.#reanchor(source, ts, nowMs);
      else this.marker = marker;
    }
    const out = (this.#outRef + ((ts - this.#inRef) | 0)) >>> 0;
    if (((ts - this.#lastIn) | 0) >= 0) {
      this.#lastIn = ts;
      this.#lastInMs = nowMs;
    }
    if (((out - this.#lastOut) | 0) > 0) {
      this.#lastOut = out;
      this.#lastOutMs = nowMs;
    }
    return out;
  }

  #reanchor(source: number, ts: number, nowMs: number): void {
    const elapsed = Math.round(((nowMs - this.#lastOutMs) * this.#clockRate) / 1000);
    // At least one frame on, rounded to whole frames so the receiver's frame grid survives.
    const frames = Math.max(1, Math.round(elapsed / this.#frameUnits));
    this.#anchor(source, ts, (this.#lastOut + frames * this.#frameUnits) >>> 0, nowMs);
    this.#anchors++;
    this.marker = true;
  }

  #anchor(source: number, ts: number, out: number, nowMs: number): void {
    this.#source = source;
    this.#inRef = ts;
    this.#outRef = out;
    this.#lastIn = ts;
    this.#lastInMs = nowMs;
  }
}
