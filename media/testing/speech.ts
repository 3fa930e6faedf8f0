/**
 * Loads the committed speech fixtures (espeak-ng, mono PCM16, normalised to -3 dBFS; see
 * scripts/make-fixtures.sh) for tests and benchmarks. Node only (reads files); cached per rate.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readWav } from '../wav.ts';

/** Rates for which a fixture exists. */
export const SPEECH_RATES = [8000, 16000, 48000] as const;
export type SpeechRate = (typeof SPEECH_RATES)[number];

const cache = new Map<number, Int16Array>();

function checkRate(rate: number): void {
  if (!(SPEECH_RATES as readonly number[]).includes(rate)) {
    throw new RangeError(`no speech fixture at ${rate} Hz (have: ${SPEECH_RATES.join(', ')}); resample one`);
  }
}

/** Path of the fixture WAV for `rate`. Throws RangeError for a rate without a fixture. */
export function speechFixturePath(rate: number): string {
  checkRate(rate);
  return fileURLToPath(new URL(`./fixtures/speech-${rate / 1000}k.wav`, import.meta.url));
}

/**
 * The ~9.5 s speech fixture at `rate` (one of {@link SPEECH_RATES}) as mono PCM16. Returns a fresh
 * copy each call, so callers may modify it. Throws RangeError for a rate without a fixture.
 */
export function loadSpeech(rate: number): Int16Array {
  let samples = cache.get(rate);
  if (!samples) {
    const wav = readWav(readFileSync(speechFixturePath(rate)));
    if (wav.sampleRate !== rate || wav.channels !== 1) {
      throw new Error(`speech fixture for ${rate} Hz is ${wav.channels} ch at ${wav.sampleRate} Hz`);
    }
    samples = wav.samples;
    cache.set(rate, samples);
  }
  return samples.slice();
}
