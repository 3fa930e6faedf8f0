/**
 * e2e harness: the audio verdicts, all by frequency. In the browser: the analyser's level at the
 * expected frequency in dB above the noise floor, its peak frequency, and its margin over other
 * frequencies. At baresip: the Goertzel level (dB re full-scale amplitude) of its recording at the
 * expected frequency and its margin over the phone's own sine. Each returns a one-line summary for
 * the test's diagnostics (measured numbers go into the report).
 */
import assert from 'node:assert/strict';
import type { Heard } from './remote-audio.ts';
import type { ToneReading } from './baresip-phone.ts';

/** Frequencies the browser analyser reports: the test tones and the DTMF rows/columns. */
export const FREQS = [440, 600, 1000, 697, 770, 852, 941, 1209, 1336, 1477] as const;

/** A tone is heard when it is this far above the analyser's floor … */
export const BROWSER_HEARD_DB = 30;
/** … and this far above every other test frequency. */
export const BROWSER_MARGIN_DB = 25;
/** A tone is absent when it is at most this far above the floor. */
export const BROWSER_SILENT_DB = 10;
/** A SIP peer (baresip, the test phone) hears a tone at or above this level (dB re full scale) … */
export const SIP_HEARD_DBFS = -35;
/** … this far above its own sine frequency; absent below SIP_SILENT_DBFS. */
export const SIP_MARGIN_DB = 20;
export const SIP_SILENT_DBFS = -55;

const levelAt = (heard: Heard, hz: number) => heard.levels[FREQS.indexOf(hz as (typeof FREQS)[number])]!;

export function describeHeard(heard: Heard, freqs: number[] = [440, 600, 1000]): string {
  return `peak ${heard.peakHz.toFixed(1)} Hz; ${freqs.map((f) => `${f} Hz ${levelAt(heard, f).toFixed(1)} dB`).join(', ')} above floor (${heard.floorDb.toFixed(1)} dB)`;
}

/** The browser hears `hz` clearly: the peak is there (±1 FFT bin) and it dominates the `others`. */
export function assertBrowserHears(heard: Heard, hz: number, others: number[], what: string): string {
  const summary = `${what}: ${describeHeard(heard, [hz, ...others])}`;
  assert.ok(Math.abs(heard.peakHz - hz) <= 6, `${summary} — expected the peak at ${hz} Hz`);
  assert.ok(levelAt(heard, hz) >= BROWSER_HEARD_DB, `${summary} — ${hz} Hz below ${BROWSER_HEARD_DB} dB`);
  for (const o of others) {
    assert.ok(levelAt(heard, hz) - levelAt(heard, o) >= BROWSER_MARGIN_DB, `${summary} — ${hz} Hz not ${BROWSER_MARGIN_DB} dB above ${o} Hz`);
  }
  return summary;
}

/** The browser does not hear `hz`. */
export function assertBrowserSilent(heard: Heard, hz: number, what: string): string {
  const summary = `${what}: ${describeHeard(heard, [hz])}`;
  assert.ok(levelAt(heard, hz) <= BROWSER_SILENT_DB, `${summary} — ${hz} Hz should be gone`);
  return summary;
}

/** Both DTMF frequencies of `digit` stand out of the browser's audio. */
export function assertBrowserHearsDigit(heard: Heard, digit: string, what: string): string {
  const [low, high] = DTMF_PAIRS[digit]!;
  const others = [697, 770, 852, 941, 1209, 1336, 1477].filter((f) => f !== low && f !== high);
  const summary = `${what}: ${[low, high, ...others].map((f) => `${f} Hz ${levelAt(heard, f).toFixed(1)} dB`).join(', ')}`;
  for (const f of [low, high]) {
    for (const o of others) assert.ok(levelAt(heard, f) - levelAt(heard, o) >= 20, `${summary} — ${f} Hz not 20 dB above ${o} Hz`);
  }
  return summary;
}

export function describeReading(r: ToneReading): string {
  const levels = Object.entries(r.levels).map(([f, l]) => `${f} Hz ${l.toFixed(1)} dBFS`).join(', ');
  return `${(r.samples / r.sampleRate).toFixed(2)} s at ${r.sampleRate} Hz, rms ${r.rmsDbfs.toFixed(1)} dBFS, ${levels}, tone share ${r.share.toFixed(2)}`;
}

/** baresip's recording holds `hz` clearly above its own sine `ownHz`. */
export function assertBaresipHears(r: ToneReading, hz: number, ownHz: number, what: string): string {
  const summary = `${what}: ${describeReading(r)}`;
  assert.ok(r.samples >= r.sampleRate * 0.5, `${summary} — less than 0.5 s of audio recorded`);
  assert.ok(r.levels[hz]! >= SIP_HEARD_DBFS, `${summary} — ${hz} Hz below ${SIP_HEARD_DBFS} dBFS`);
  assert.ok(r.levels[hz]! - r.levels[ownHz]! >= SIP_MARGIN_DB, `${summary} — ${hz} Hz not ${SIP_MARGIN_DB} dB above ${ownHz} Hz`);
  return summary;
}

/** baresip received nothing at `hz` (or nothing at all). */
export function assertBaresipSilent(r: ToneReading, hz: number, what: string): string {
  const summary = `${what}: ${describeReading(r)}`;
  assert.ok(r.samples === 0 || r.levels[hz]! < SIP_SILENT_DBFS, `${summary} — ${hz} Hz should be gone`);
  return summary;
}

export const DTMF_PAIRS: Record<string, [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477],
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
