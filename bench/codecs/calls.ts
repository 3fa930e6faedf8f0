/**
 * Codec-bound capacity: one transcoded call = both directions of media through decode → (resample)
 * → encode every 20 ms, timed as one loop with the real objects. Calls per core = × realtime of
 * that loop. No RTP, SRTP, jitter buffer or sockets: an upper bound set by codecs alone.
 */
import { PcmuDecoder, PcmuEncoder } from '../../media/codecs/g711.ts';
import { G722Decoder, G722Encoder } from '../../media/codecs/g722.ts';
import { OpusDecoder, OpusEncoder, type OpusBackend } from '../../media/codecs/opus.ts';
import { Resampler } from '../../media/resampler.ts';
import { OPUS_BENCH_BITRATE, encodeFrames, speechFrames } from './throughput.ts';
import { timePass, type Timing } from './timing.ts';

export interface CallScenario {
  name: string;
  /** Throughput-table rows (what, rate, setting) whose per-frame costs add up to this scenario. */
  parts: { what: string; rate: number; setting: string }[];
  timing: Timing;
}

/** Browser-side Opus at `opusRate` ⇄ PCMU, resampling when `opusRate` isn't 8 kHz. */
export function opusPcmuCall(opusRate: 8000 | 48000, complexity: number, backend: OpusBackend): CallScenario {
  const opusFrames = speechFrames(opusRate);
  const ulawFrames = speechFrames(8000);
  const frames = Math.min(opusFrames.length, ulawFrames.length);
  const opusIn = encodeFrames(new OpusEncoder({ sampleRate: opusRate, bitrate: OPUS_BENCH_BITRATE, complexity, backend }), opusFrames);
  const ulawIn = encodeFrames(new PcmuEncoder(), ulawFrames);

  const opusDec = new OpusDecoder({ sampleRate: opusRate, backend });
  const opusEnc = new OpusEncoder({ sampleRate: opusRate, bitrate: OPUS_BENCH_BITRATE, complexity, backend });
  const ulawEnc = new PcmuEncoder();
  const ulawDec = new PcmuDecoder();
  const resample = opusRate !== 8000;
  const down = resample ? new Resampler({ from: opusRate, to: 8000 }) : null;
  const up = resample ? new Resampler({ from: 8000, to: opusRate }) : null;
  const wide = new Int16Array(opusRate / 50);
  const wideOut = new Int16Array(opusRate / 50);
  const narrow = new Int16Array(160);
  const narrowOut = new Int16Array(160);
  const ulaw = new Uint8Array(160);
  const packet = new Uint8Array(4000);

  const timing = timePass(frames * 0.02, () => {
    for (let i = 0; i < frames; i++) {
      // browser → SIP
      if (down) {
        opusDec.decode(opusIn[i]!, wide);
        down.process(wide, narrow);
      } else {
        opusDec.decode(opusIn[i]!, narrow);
      }
      ulawEnc.encode(narrow, ulaw);
      // SIP → browser
      ulawDec.decode(ulawIn[i]!, narrowOut);
      if (up) {
        up.process(narrowOut, wideOut);
        opusEnc.encode(wideOut, packet);
      } else {
        opusEnc.encode(narrowOut, packet);
      }
    }
  });
  down?.close();
  up?.close();
  const k = `${opusRate / 1000}k`;
  return {
    name: `(${resample ? 'a' : 'b'}) Opus ${k} ⇄ PCMU${resample ? ', resampled' : ', no resampler'} — cx ${complexity}, ${backend}`,
    parts: [
      { what: 'Opus decode', rate: opusRate, setting: backend },
      { what: 'Opus encode', rate: opusRate, setting: `cx ${complexity}, ${backend}` },
      { what: 'G.711 μ-law (PCMU) encode', rate: 8000, setting: '' },
      { what: 'G.711 μ-law (PCMU) decode', rate: 8000, setting: '' },
      ...(resample
        ? [
            { what: `Resampler ${k} → 8k`, rate: opusRate, setting: 'quality 3' },
            { what: `Resampler 8k → ${k}`, rate: 8000, setting: 'quality 3' },
          ]
        : []),
    ],
    timing,
  };
}

/** G.722 (16 kHz) ⇄ PCMU with 16 ↔ 8 kHz resampling. */
export function g722PcmuCall(): CallScenario {
  const g722Frames = speechFrames(16000);
  const ulawFrames = speechFrames(8000);
  const frames = Math.min(g722Frames.length, ulawFrames.length);
  const g722In = encodeFrames(new G722Encoder(), g722Frames);
  const ulawIn = encodeFrames(new PcmuEncoder(), ulawFrames);
  const g722Dec = new G722Decoder();
  const g722Enc = new G722Encoder();
  const ulawEnc = new PcmuEncoder();
  const ulawDec = new PcmuDecoder();
  const down = new Resampler({ from: 16000, to: 8000 });
  const up = new Resampler({ from: 8000, to: 16000 });
  const wide = new Int16Array(320);
  const wideOut = new Int16Array(320);
  const narrow = new Int16Array(160);
  const narrowOut = new Int16Array(160);
  const bytes = new Uint8Array(160);
  const ulaw = new Uint8Array(160);

  const timing = timePass(frames * 0.02, () => {
    for (let i = 0; i < frames; i++) {
      g722Dec.decode(g722In[i]!, wide);
      down.process(wide, narrow);
      ulawEnc.encode(narrow, ulaw);
      ulawDec.decode(ulawIn[i]!, narrowOut);
      up.process(narrowOut, wideOut);
      g722Enc.encode(wideOut, bytes);
    }
  });
  down.close();
  up.close();
  return {
    name: '(c) G.722 ⇄ PCMU, resampled 16k ↔ 8k',
    parts: [
      { what: 'G.722 decode', rate: 16000, setting: '64 kbit/s' },
      { what: 'G.722 encode', rate: 16000, setting: '64 kbit/s' },
      { what: 'G.711 μ-law (PCMU) encode', rate: 8000, setting: '' },
      { what: 'G.711 μ-law (PCMU) decode', rate: 8000, setting: '' },
      { what: 'Resampler 16k → 8k', rate: 16000, setting: 'quality 3' },
      { what: 'Resampler 8k → 16k', rate: 8000, setting: 'quality 3' },
    ],
    timing,
  };
}
