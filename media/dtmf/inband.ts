/**
 * In-band DTMF detector: finds the sixteen DTMF digits in a stream of PCM16 audio (8 kHz, or
 * 16 kHz and other rates by option) and reports each with its start time and duration.
 *
 * Method (the Goertzel receiver of ITU-T Q.24-style designs): the stream is cut into 12.75 ms
 * blocks (102 samples at 8 kHz, 204 at 16 kHz) whatever the caller's framing. Per block a
 * Goertzel bank gives the power at the 4 row (697/770/852/941 Hz) and 4 column
 * (1209/1336/1477/1633 Hz) frequencies and at their second harmonics. The strongest row ×
 * column is a *strong hit* when every check passes:
 *   - level: each tone at least `minToneLevelDbm0`;
 *   - twist: high group at most `normalTwistDb` above the low group, low group at most
 *     `reverseTwistDb` above the high group;
 *   - relative peak: every other row (column) at least `relativePeakDb` below the chosen one;
 *   - tone share: the two tones carry at least `minToneShare` of the block's power;
 *   - second harmonic: power at 2f at least `harmonicRejectDb` below f (voiced speech has
 *     harmonics, a DTMF pair has none). Skipped where the pair's other tone sits within a bin
 *     and a half of 2f (2×697≈1336, 2×770≈1477, 2×852≈1633) and would leak into it;
 *   - frequency: from a run's second block on, the phase step of each tone between blocks puts
 *     it within `maxFrequencyDeviation` of nominal (Q.24: accept ±1.5 %, reject ±3.5 %).
 * A *weak hit* is the same pair passing relaxed margins (see WEAK_*): it extends a run through
 * blocks where speech or noise eats into the tones, but cannot make a digit on its own.
 * Timing: consecutive hits of one digit form a run; the partly covered blocks at either end are
 * credited by the share of the tone amplitude they hold, which puts onset and length within
 * about a millisecond on clean tones. A run becomes a digit once it has two hits (one strong) and
 * lasts `minDurationMs` (so 20–30 ms bursts are rejected, 40 ms tones accepted); a digit then
 * survives dropouts shorter than `minGapMs` and ends after that long without it (so one key
 * pressed twice needs a pause of `minGapMs`). The 'start' event comes as soon as the digit is
 * certain; the 'end' event repeats the onset, refined, with the duration.
 * Pure: no timers; time is the sample count since the first sample (plus `timeOriginMs`).
 */

import { GoertzelBank } from './goertzel-bank.ts';
import type { DtmfDigit } from './rfc4733.ts';

/** Low-group (row) frequencies, Hz. */
export const DTMF_ROW_FREQUENCIES: readonly number[] = [697, 770, 852, 941];
/** High-group (column) frequencies, Hz. */
export const DTMF_COLUMN_FREQUENCIES: readonly number[] = [1209, 1336, 1477, 1633];
/** Keypad layout: `DTMF_KEYPAD[row][column]`. */
export const DTMF_KEYPAD: readonly (readonly DtmfDigit[])[] = [
  ['1', '2', '3', 'A'],
  ['4', '5', '6', 'B'],
  ['7', '8', '9', 'C'],
  ['*', '0', '#', 'D'],
];

/** Level of a full-scale PCM16 sine in dBm0 (G.711 μ-law digital milliwatt convention). */
export const FULL_SCALE_SINE_DBM0 = 3.17;

export interface InbandDtmfDetectorOptions {
  /** Sample rate of the PCM fed in (Hz, 8000–48000). Default 8000. */
  sampleRate?: number;
  /** Minimum level of each tone, dBm0. Default -30. */
  minToneLevelDbm0?: number;
  /** Largest allowed excess of the high group over the low group, dB. Default 8. */
  normalTwistDb?: number;
  /** Largest allowed excess of the low group over the high group, dB. Default 4. */
  reverseTwistDb?: number;
  /** Every other frequency of a group must be this far below the group's peak, dB. Default 6. */
  relativePeakDb?: number;
  /** Smallest share of the block's power the two tones must carry (0–1). Default 0.6. */
  minToneShare?: number;
  /** Second harmonic must be at least this far below its fundamental, dB. Default 10. */
  harmonicRejectDb?: number;
  /**
   * Largest accepted frequency error of each tone, as a fraction (Q.24: accept ±1.5 %, reject
   * ±3.5 %). Measured from the phase step between consecutive blocks, so it applies from a run's
   * second block on, within ±fs/2N (±39 Hz). Default 0.02.
   */
  maxFrequencyDeviation?: number;
  /** Shortest tone accepted as a digit, ms. Default 35 (40 ms tones pass, 30 ms are rejected). */
  minDurationMs?: number;
  /** Silence that ends a digit (and must separate repeats of one key), ms. Default 40. */
  minGapMs?: number;
  /** Time of the first sample, ms (added to every reported time). Default 0. */
  timeOriginMs?: number;
}

export type InbandDtmfEvent =
  | {
      type: 'start';
      digit: DtmfDigit;
      /** Onset of the tone, ms on the stream's time line. */
      startMs: number;
    }
  | {
      type: 'end';
      digit: DtmfDigit;
      startMs: number;
      /** Length of the tone, ms. */
      durationMs: number;
    };

export interface InbandDtmfStats {
  /** Blocks analysed. */
  blocks: number;
  /** Blocks that passed every check for some digit. */
  hits: number;
  /** Digits reported. */
  digits: number;
  /** Runs of hits that ended without becoming a digit (too short, or broken up). */
  rejectedRuns: number;
}

/** One run of hits for a digit (the current digit, or a rival waiting to take over). */
interface Run {
  row: number;
  col: number;
  /** Block index of the first and the latest hit. */
  first: number;
  last: number;
  hits: number;
  /** Tone amplitude share of the block before the first hit / after the last hit (0–1). */
  lead: number;
  trail: number;
  /** Blocks since the last hit. */
  misses: number;
  /** Row + column amplitude of the first hit, the latest hit, and summed over all hits. */
  firstAmp: number;
  lastAmp: number;
  sumAmp: number;
  /** Hits that passed every check (the others were weak). */
  strong: number;
  started: boolean;
}

const NO_EVENTS: readonly InbandDtmfEvent[] = Object.freeze([]);
/** Added to a digit index by #classify for a weak hit. */
const WEAK = 16;
/**
 * Relaxed margins for a weak hit (a block where the digit's tones still lead their groups but
 * speech or noise eats into the margins): peaks 3 dB above the rest of their group, 30 % of the
 * block's power, harmonics 3 dB down; level, twist and frequency checks as for a strong hit.
 * Weak hits extend a run and bridge a digit's loud-speech blocks; a run needs at least one
 * strong hit to become a digit.
 */
const WEAK_RELATIVE_PEAK = db(3);
const WEAK_MIN_SHARE = 0.3;
const WEAK_HARMONIC_REJECT = db(3);

export class InbandDtmfDetector {
  readonly #rate: number;
  readonly #n: number;
  /** Filters 0–3 rows, 4–7 columns, 8–15 their second harmonics. */
  readonly #bank: GoertzelBank;
  /** Amplitude and complex value at the 8 fundamentals: this block and the one before. */
  #amp = new Float64Array(8);
  #prevAmp = new Float64Array(8);
  readonly #prevRe = new Float64Array(8);
  readonly #prevIm = new Float64Array(8);
  /** ω·N per fundamental: the phase step between blocks of a tone exactly on frequency. */
  readonly #phaseStep = new Float64Array(8);
  /** Largest accepted error of that phase step per fundamental, radians. */
  readonly #maxPhaseError = new Float64Array(8);
  /** Classification of the previous block (see #classify). */
  #prevClass = -1;
  /** Index of the block being filled. */
  #block = 0;

  readonly #minTonePower: number;
  readonly #normalTwist: number;
  readonly #reverseTwist: number;
  readonly #relativePeak: number;
  readonly #minShare: number;
  readonly #harmonicReject: number;
  readonly #minDurationBlocks: number;
  readonly #missesToEnd: number;
  readonly #originMs: number;
  /** Per (row, col): whether the row's / col's harmonic check applies. */
  readonly #checkRowHarmonic: boolean[] = [];
  readonly #checkColHarmonic: boolean[] = [];

  #cur: Run | undefined;
  #rival: Run | undefined;
  readonly #stats: InbandDtmfStats = { blocks: 0, hits: 0, digits: 0, rejectedRuns: 0 };

  constructor(options: InbandDtmfDetectorOptions = {}) {
    const rate = options.sampleRate ?? 8000;
    if (!Number.isInteger(rate) || rate < 8000 || rate > 48000) {
      throw new RangeError(`sampleRate ${rate} must be an integer in 8000..48000`);
    }
    this.#rate = rate;
    this.#n = Math.round((102 * rate) / 8000);
    const fundamentals = [...DTMF_ROW_FREQUENCIES, ...DTMF_COLUMN_FREQUENCIES];
    this.#bank = new GoertzelBank([...fundamentals, ...fundamentals.map((f) => 2 * f)], rate, this.#n);
    const maxDeviation = options.maxFrequencyDeviation ?? 0.02;
    fundamentals.forEach((f, i) => {
      this.#phaseStep[i] = (2 * Math.PI * f * this.#n) / rate;
      this.#maxPhaseError[i] = (2 * Math.PI * maxDeviation * f * this.#n) / rate;
    });
    // A full-scale sine is +3.17 dBm0 and has power 32767²/2.
    const fullScalePower = (32767 * 32767) / 2;
    this.#minTonePower = fullScalePower * db(((options.minToneLevelDbm0 ?? -30) - FULL_SCALE_SINE_DBM0));
    this.#normalTwist = db(options.normalTwistDb ?? 8);
    this.#reverseTwist = db(options.reverseTwistDb ?? 4);
    this.#relativePeak = db(options.relativePeakDb ?? 6);
    this.#minShare = options.minToneShare ?? 0.6;
    this.#harmonicReject = db(options.harmonicRejectDb ?? 10);
    const blockMs = (this.#n * 1000) / rate;
    this.#minDurationBlocks = (options.minDurationMs ?? 35) / blockMs;
    this.#missesToEnd = Math.max(2, Math.floor((options.minGapMs ?? 40) / blockMs));
    this.#originMs = options.timeOriginMs ?? 0;
    const bin = (1.5 * rate) / this.#n; // a bin and a half: where a neighbour's leakage matters
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) {
        const fr = DTMF_ROW_FREQUENCIES[r]!;
        const fc = DTMF_COLUMN_FREQUENCIES[c]!;
        this.#checkRowHarmonic[r * 4 + c] = Math.abs(2 * fr - fc) > bin;
        this.#checkColHarmonic[r * 4 + c] = Math.abs(2 * fc - fr) > bin;
      }
    }
  }

  get sampleRate(): number {
    return this.#rate;
  }

  /** Analysis block length in samples (102 at 8 kHz, 204 at 16 kHz). */
  get blockSize(): number {
    return this.#n;
  }

  /** Time of the next sample to be processed, ms. */
  get positionMs(): number {
    return this.#ms(this.#block * this.#n + this.#bank.fill);
  }

  /** Feed PCM16 samples (any frame size); returns the digit starts and ends they complete. */
  process(frame: Int16Array): readonly InbandDtmfEvent[] {
    let out: InbandDtmfEvent[] | undefined;
    for (let i = 0; i < frame.length; ) {
      i = this.#bank.feed(frame, i);
      if (this.#bank.blockReady) out = this.#endBlock(out);
    }
    return out ?? NO_EVENTS;
  }

  /** End of stream: finish a digit in progress (as if silence followed). */
  flush(): readonly InbandDtmfEvent[] {
    let out: InbandDtmfEvent[] | undefined;
    const cur = this.#cur;
    if (cur) {
      this.#qualify(cur, (out ??= []));
      out = this.#finish(cur, out);
      this.#cur = undefined;
    }
    this.#rival = undefined;
    return out ?? NO_EVENTS;
  }

  getStats(): InbandDtmfStats {
    return { ...this.#stats };
  }

  /** Analyse the completed block and run the digit state machine. */
  #endBlock(out: InbandDtmfEvent[] | undefined): InbandDtmfEvent[] | undefined {
    const power = this.#bank.power;
    const swap = this.#prevAmp;
    this.#prevAmp = this.#amp;
    this.#amp = swap;
    for (let k = 0; k < 8; k++) this.#amp[k] = Math.sqrt(2 * power[k]!);
    const c = this.#classify(this.#bank.meanPower);
    this.#prevClass = c;
    for (let k = 0; k < 8; k++) {
      this.#prevRe[k] = this.#bank.re[k]!;
      this.#prevIm[k] = this.#bank.im[k]!;
    }
    this.#stats.blocks++;
    if (c >= 0) this.#stats.hits++;
    out = this.#step(c < 0 ? -1 : c & 15, c >= 0 && c < WEAK, out);
    this.#block++;
    return out;
  }

  /**
   * What this block is: -1 nothing; `row*4+col` a strong hit (every check passed); that plus
   * WEAK a weak hit (the same row and column lead their groups, with relaxed margins).
   */
  #classify(blockPower: number): number {
    const p = this.#bank.power;
    let row = 0;
    let col = 0;
    for (let k = 1; k < 4; k++) {
      if (p[k]! > p[row]!) row = k;
      if (p[4 + k]! > p[4 + col]!) col = k;
    }
    const pr = p[row]!;
    const pc = p[4 + col]!;
    if (pr < this.#minTonePower || pc < this.#minTonePower) return -1;
    let rowMargin = Infinity;
    let colMargin = Infinity;
    for (let k = 0; k < 4; k++) {
      if (k !== row) rowMargin = Math.min(rowMargin, pr / p[k]!);
      if (k !== col) colMargin = Math.min(colMargin, pc / p[4 + k]!);
    }
    const d = row * 4 + col;
    if (this.#prevClass >= 0 && (this.#prevClass & 15) === d) {
      if (!this.#onFrequency(row) || !this.#onFrequency(4 + col)) return -1;
    }
    const rowHarmonic = this.#checkRowHarmonic[d] ? pr / p[8 + row]! : Infinity;
    const colHarmonic = this.#checkColHarmonic[d] ? pc / p[12 + col]! : Infinity;
    const share = (pr + pc) / blockPower;
    if (
      pc <= pr * this.#normalTwist &&
      pr <= pc * this.#reverseTwist &&
      rowMargin >= this.#relativePeak &&
      colMargin >= this.#relativePeak &&
      share >= this.#minShare &&
      rowHarmonic >= this.#harmonicReject &&
      colHarmonic >= this.#harmonicReject
    ) {
      return d;
    }
    if (
      pc <= pr * this.#normalTwist &&
      pr <= pc * this.#reverseTwist &&
      rowMargin >= WEAK_RELATIVE_PEAK &&
      colMargin >= WEAK_RELATIVE_PEAK &&
      share >= WEAK_MIN_SHARE &&
      rowHarmonic >= WEAK_HARMONIC_REJECT &&
      colHarmonic >= WEAK_HARMONIC_REJECT
    ) {
      return d + WEAK;
    }
    return -1;
  }

  /** Whether fundamental `k` advanced in phase since the last block as a tone on frequency would. */
  #onFrequency(k: number): boolean {
    const re = this.#bank.re[k]!;
    const im = this.#bank.im[k]!;
    const pre = this.#prevRe[k]!;
    const pim = this.#prevIm[k]!;
    const step = Math.atan2(im * pre - re * pim, re * pre + im * pim);
    let err = (step - this.#phaseStep[k]!) % (2 * Math.PI);
    if (err > Math.PI) err -= 2 * Math.PI;
    else if (err < -Math.PI) err += 2 * Math.PI;
    return Math.abs(err) <= this.#maxPhaseError[k]!;
  }

  /**
   * Full-block amplitude of the run's tones: the mean over hits, leaving out the first and last
   * hit (which may be partly covered) once there are enough.
   */
  #reference(run: Run): number {
    if (run.hits >= 3) return (run.sumAmp - run.firstAmp - run.lastAmp) / (run.hits - 2);
    return Math.max(run.firstAmp, run.lastAmp);
  }

  /** Share of the block held by the run's tones, judged by amplitude: 0–1. */
  #share(run: Run, amp: number): number {
    return Math.min(1, Math.max(0, amp / this.#reference(run)));
  }

  #runAmp(run: Run, amp: Float64Array): number {
    return amp[run.row]! + amp[4 + run.col]!;
  }

  #newRun(d: number, strong: boolean): Run {
    const row = d >> 2;
    const col = d & 3;
    const a = this.#amp[row]! + this.#amp[4 + col]!;
    const run: Run = {
      row, col, first: this.#block, last: this.#block, hits: 1,
      lead: 0, trail: 0, misses: 0, firstAmp: a, lastAmp: a, sumAmp: a, strong: strong ? 1 : 0, started: false,
    };
    if (this.#block > 0) run.lead = this.#share(run, this.#runAmp(run, this.#prevAmp));
    return run;
  }

  #hit(run: Run, strong: boolean): void {
    const a = this.#runAmp(run, this.#amp);
    run.hits++;
    if (strong) run.strong++;
    run.last = this.#block;
    run.misses = 0;
    run.trail = 0;
    run.lastAmp = a;
    run.sumAmp += a;
  }

  #step(d: number, strong: boolean, out: InbandDtmfEvent[] | undefined): InbandDtmfEvent[] | undefined {
    let cur = this.#cur;
    if (cur && d === cur.row * 4 + cur.col) {
      this.#hit(cur, strong);
      this.#rival = undefined;
      if (!cur.started) this.#qualify(cur, (out ??= []));
      return out;
    }
    if (!cur) {
      if (d >= 0) {
        this.#cur = cur = this.#newRun(d, strong);
        this.#qualify(cur, (out ??= []));
      }
      return out;
    }

    // A miss for the current run (silence, noise, or another digit).
    cur.misses++;
    if (cur.misses === 1) {
      cur.trail = this.#share(cur, this.#runAmp(cur, this.#amp));
      if (!cur.started) this.#qualify(cur, (out ??= []));
    }
    let rival = this.#rival;
    if (d >= 0) {
      if (rival && d === rival.row * 4 + rival.col) this.#hit(rival, strong);
      else this.#rival = rival = this.#newRun(d, strong);
    } else {
      this.#rival = rival = undefined;
    }
    const rivalReady = rival !== undefined && this.#ready(rival);
    if (!cur.started || cur.misses >= this.#missesToEnd || rivalReady) {
      out = this.#finish(cur, out);
      this.#cur = rival;
      this.#rival = undefined;
      if (rival) this.#qualify(rival, (out ??= []));
    }
    return out;
  }

  /** Two hits and long enough (counting the partial blocks on either side). */
  #ready(run: Run): boolean {
    return run.hits >= 2 && run.strong >= 1 && this.#endBlocks(run) - this.#startBlocks(run) >= this.#minDurationBlocks;
  }

  /**
   * Onset in blocks: the first hit block may itself be partly covered (the tone fills its end),
   * and the block before adds its share.
   */
  #startBlocks(run: Run): number {
    return run.first + 1 - this.#share(run, run.firstAmp) - run.lead;
  }

  /** End in blocks: the latest hit's share plus, once a miss followed it, that block's share. */
  #endBlocks(run: Run): number {
    return run.last + this.#share(run, run.lastAmp) + (run.misses > 0 ? run.trail : 0);
  }

  /** Report the start of `run` if it has become a digit. */
  #qualify(run: Run, out: InbandDtmfEvent[]): void {
    if (run.started || !this.#ready(run)) return;
    run.started = true;
    this.#stats.digits++;
    out.push({ type: 'start', digit: DTMF_KEYPAD[run.row]![run.col]!, startMs: this.#ms(this.#startBlocks(run) * this.#n) });
  }

  /** Close `run`: report its end if it was a digit. */
  #finish(run: Run, out: InbandDtmfEvent[] | undefined): InbandDtmfEvent[] | undefined {
    if (!run.started) {
      this.#stats.rejectedRuns++;
      return out;
    }
    const startMs = this.#ms(this.#startBlocks(run) * this.#n);
    (out ??= []).push({
      type: 'end',
      digit: DTMF_KEYPAD[run.row]![run.col]!,
      startMs,
      durationMs: this.#ms(this.#endBlocks(run) * this.#n) - startMs,
    });
    return out;
  }

  #ms(samples: number): number {
    return this.#originMs + (samples * 1000) / this.#rate;
  }
}

/** Power ratio for `dB` decibels. */
function db(dB: number): number {
  return 10 ** (dB / 10);
}
