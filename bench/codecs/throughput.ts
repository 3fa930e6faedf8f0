/**
 * Throughput of each codec direction and of the resampler on the speech fixtures in 20 ms frames,
 * with the same objects and buffers the media path uses (caller buffers, no per-frame allocation).
 */
import { PcmaDecoder, PcmaEncoder, PcmuDecoder, PcmuEncoder } from '../../media/codecs/g711.ts';
import { G722Decoder, G722Encoder } from '../../media/codecs/g722.ts';
import { OpusDecoder, OpusEncoder, type OpusBackend, type OpusSampleRate } from '../../media/codecs/opus.ts';
import type { AudioDecoder, AudioEncoder } from '../../media/codecs/types.ts';
import { Resampler } from '../../media/resampler.ts';
import { loadSpeech, type SpeechRate } from '../../media/testing/speech.ts';
import { framesOf, timePass, type Timing } from './timing.ts';

/** Opus settings for every Opus figure here (and the C comparison): VBR, application VOIP. */
export const OPUS_BENCH_BITRATE = 24000;

export interface ThroughputRow {
  what: string;
  rate: number;
  setting: string;
  timing: Timing;
}

/** Encodes all `frames` once; returns the payloads (for decode benchmarks and pipelines). */
export function encodeFrames(encoder: AudioEncoder, frames: Int16Array[]): Uint8Array[] {
  const buf = new Uint8Array(4000);
  return frames.map((f) => buf.slice(0, encoder.encode(f, buf)));
}

export function timeEncoder(encoder: AudioEncoder, frames: Int16Array[]): Timing {
  const out = new Uint8Array(4000);
  return timePass(frames.length * 0.02, () => {
    for (let i = 0; i < frames.length; i++) encoder.encode(frames[i]!, out);
  });
}

export function timeDecoder(decoder: AudioDecoder, payloads: Uint8Array[]): Timing {
  const out = new Int16Array(5760);
  return timePass(payloads.length * 0.02, () => {
    for (let i = 0; i < payloads.length; i++) decoder.decode(payloads[i]!, out);
  });
}

/** Seconds of the speech fixture each timed pass covers: short passes make short, repeatable rounds. */
export const BENCH_SPEECH_SECONDS = 4;

/** The first BENCH_SPEECH_SECONDS of the speech fixture at `rate` (also what the C harness gets). */
export function benchSpeech(rate: SpeechRate): Int16Array {
  return loadSpeech(rate).subarray(0, BENCH_SPEECH_SECONDS * rate);
}

export function speechFrames(rate: SpeechRate): Int16Array[] {
  return framesOf(benchSpeech(rate), rate / 50);
}

export function g711Rows(): ThroughputRow[] {
  const frames = speechFrames(8000);
  const rows: ThroughputRow[] = [];
  for (const [law, Enc, Dec] of [['μ-law (PCMU)', PcmuEncoder, PcmuDecoder], ['A-law (PCMA)', PcmaEncoder, PcmaDecoder]] as const) {
    const payloads = encodeFrames(new Enc(), frames);
    rows.push({ what: `G.711 ${law} encode`, rate: 8000, setting: '', timing: timeEncoder(new Enc(), frames) });
    rows.push({ what: `G.711 ${law} decode`, rate: 8000, setting: '', timing: timeDecoder(new Dec(), payloads) });
  }
  return rows;
}

export function g722Rows(): ThroughputRow[] {
  const frames = speechFrames(16000);
  const payloads = encodeFrames(new G722Encoder(), frames);
  return [
    { what: 'G.722 encode', rate: 16000, setting: '64 kbit/s', timing: timeEncoder(new G722Encoder(), frames) },
    { what: 'G.722 decode', rate: 16000, setting: '64 kbit/s', timing: timeDecoder(new G722Decoder(), payloads) },
  ];
}

/** Opus encode at each complexity and decode, on one backend, at `rate`. */
export function opusRows(rate: OpusSampleRate & SpeechRate, complexities: number[], backend: OpusBackend): ThroughputRow[] {
  const frames = speechFrames(rate);
  const rows: ThroughputRow[] = [];
  const options = { sampleRate: rate, bitrate: OPUS_BENCH_BITRATE, backend } as const;
  for (const complexity of complexities) {
    rows.push({
      what: 'Opus encode',
      rate,
      setting: `cx ${complexity}, ${backend}`,
      timing: timeEncoder(new OpusEncoder({ ...options, complexity }), frames),
    });
  }
  const payloads = encodeFrames(new OpusEncoder({ ...options, complexity: complexities[0] }), frames);
  rows.push({ what: 'Opus decode', rate, setting: backend, timing: timeDecoder(new OpusDecoder(options), payloads) });
  return rows;
}

/** Resampler throughput for each `[from, to]` pair at `quality` (audio seconds = input seconds). */
export function resamplerRows(pairs: [SpeechRate, SpeechRate][], quality = 3): ThroughputRow[] {
  return pairs.map(([from, to]) => {
    const frames = speechFrames(from);
    const r = new Resampler({ from, to, quality });
    const out = new Int16Array(r.maxOutput(from / 50));
    const timing = timePass(frames.length * 0.02, () => {
      for (let i = 0; i < frames.length; i++) r.process(frames[i]!, out);
    });
    r.close();
    return { what: `Resampler ${from / 1000}k → ${to / 1000}k`, rate: from, setting: `quality ${quality}`, timing };
  });
}
