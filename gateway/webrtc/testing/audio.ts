/**
 * Test helper: streams a tone through a leg's `sendRtp` in real time (20 ms frames) and collects
 * a leg's received audio as PCM, decoded by codec — so tests judge audio by frequency.
 */
import { ulawEncode, ulawDecode, alawDecode } from '../../../media/codecs/g711.ts';
import { OpusDecoder, OpusEncoder } from '../../../media/codecs/opus.ts';
import { toneCorrelation } from '../../../media/testing/signal.ts';
import { ToneGenerator } from '../../../media/tone.ts';
import type { WebRtcLeg } from '../webrtc-leg.ts';
import type { WebRtcAudioCodec } from '../options.ts';

/** Send `ms` of a `frequency` Hz tone as `codec` through `leg`, paced at 20 ms. Resolves when done. */
export async function streamTone(leg: WebRtcLeg, codec: 'opus' | 'PCMU', frequency: number, ms: number): Promise<number> {
  const rate = codec === 'opus' ? 48000 : 8000;
  const samples = rate / 50;
  const tone = new ToneGenerator({ frequency, sampleRate: rate, dbfs: -10 });
  const pcm = new Int16Array(samples);
  const out = new Uint8Array(1500);
  const encoder = codec === 'opus' ? new OpusEncoder({ sampleRate: 48000 }) : undefined;
  let sent = 0;
  let ts = 0;
  const frames = Math.round(ms / 20);
  const start = performance.now();
  try {
    for (let i = 0; i < frames; i++) {
      tone.fill(pcm);
      const n = encoder ? encoder.encode(pcm, out) : ulawEncode(pcm, out);
      if (leg.sendRtp(out.subarray(0, n), { codec, timestamp: ts, marker: i === 0 })) sent++;
      ts += codec === 'opus' ? 960 : 160;
      const wait = start + (i + 1) * 20 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  } finally {
    encoder?.close();
  }
  return sent;
}

/** Collects a leg's received audio, decoded to PCM at 48 kHz (Opus) or 8 kHz (G.711). */
export class AudioCollector {
  readonly codecs = new Set<string>();
  #chunks: Int16Array[] = [];
  #decoder: OpusDecoder | undefined;
  #frame = new Int16Array(5760);
  #rate = 0;

  constructor(leg: WebRtcLeg) {
    leg.on('rtp', (p) => {
      this.codecs.add(p.codec);
      const codec = p.codec as WebRtcAudioCodec;
      let n: number;
      if (codec === 'opus') {
        this.#decoder ??= new OpusDecoder({ sampleRate: 48000 });
        n = this.#decoder.decode(p.payload, this.#frame);
        this.#rate = 48000;
      } else {
        n = codec === 'PCMU' ? ulawDecode(p.payload, this.#frame) : alawDecode(p.payload, this.#frame);
        this.#rate = 8000;
      }
      this.#chunks.push(this.#frame.slice(0, n));
    });
  }

  get sampleRate(): number {
    return this.#rate;
  }

  get samples(): Int16Array {
    const total = this.#chunks.reduce((a, c) => a + c.length, 0);
    const all = new Int16Array(total);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    return all;
  }

  /** Share of the last `ms` of audio that is a sinusoid at `frequency` (≈1 for a clean tone). */
  toneShare(frequency: number, ms = 500): number {
    const all = this.samples;
    const n = Math.min(all.length, Math.round((this.#rate * ms) / 1000));
    return toneCorrelation(all.subarray(all.length - n), this.#rate, frequency);
  }

  close(): void {
    this.#decoder?.close();
  }
}
