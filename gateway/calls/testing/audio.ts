/**
 * Audio helpers for calls tests: a ToneSource that encodes a sine in a leg's codec and feeds one
 * 20 ms packet per media tick into a FakeMediaLeg (as the far end would), and `decodeSent`, which
 * decodes what a leg was asked to send (in timestamp order, gaps as silence) so a test can check
 * the frequency with Goertzel.
 */
import { createDecoder, createEncoder, ToneGenerator, type AudioEncoder } from '../../../media/index.ts';
import { goertzelPower } from '../../../media/testing/index.ts';
import { frameUnits, pcmRate, FRAME_MS } from '../codec-rates.ts';
import type { LegCodec } from '../media-leg.ts';
import type { FakeMediaLeg, SentPacket } from './fake-leg.ts';

export type { SentPacket } from './fake-leg.ts';

export class ToneSource {
  readonly #leg: FakeMediaLeg;
  readonly #codec: LegCodec;
  readonly #tone: ToneGenerator;
  readonly #encoder: AudioEncoder;
  readonly #pcm: Int16Array;
  readonly #out = new Uint8Array(1500);
  #seq = 1000;
  #ts = 5000;
  ssrc = 0xabcdef;
  sent = 0;

  constructor(leg: FakeMediaLeg, frequency: number, codec: LegCodec = leg.codec) {
    this.#leg = leg;
    this.#codec = codec;
    const rate = pcmRate(codec);
    this.#tone = new ToneGenerator({ frequency, sampleRate: rate, dbfs: -6 });
    this.#encoder = createEncoder(codec.name, { sampleRate: rate });
    this.#pcm = new Int16Array((rate * FRAME_MS) / 1000);
  }

  /** Send the next frame. */
  frame(): void {
    this.#tone.fill(this.#pcm);
    const n = this.#encoder.encode(this.#pcm, this.#out);
    this.#leg.receive(this.#out.subarray(0, n), { seq: this.#seq++, ts: this.#ts, ssrc: this.ssrc, codec: this.#codec });
    this.#ts += frameUnits(this.#codec);
    this.sent++;
  }

  /** Skip `frames` frames of time without sending (a pause on the wire). */
  skip(frames: number, keepSequence = true): void {
    this.#ts += frames * frameUnits(this.#codec);
    if (!keepSequence) this.#seq += frames;
  }

  close(): void {
    this.#encoder.close?.();
  }
}

/** Decode `packets` (payloads of `codec`) in timestamp order into PCM at the codec's rate. */
export function decodeSent(packets: readonly SentPacket[], codec: LegCodec): Int16Array {
  const rate = pcmRate(codec);
  const frame = (rate * FRAME_MS) / 1000;
  const units = frameUnits(codec);
  const sorted = [...packets].sort((x, y) => x.timestamp - y.timestamp);
  if (sorted.length === 0) return new Int16Array(0);
  const first = sorted[0]!.timestamp;
  const frames = Math.round((sorted[sorted.length - 1]!.timestamp - first) / units) + 1;
  const out = new Int16Array(frames * frame);
  const decoder = createDecoder(codec.name, { sampleRate: rate });
  const tmp = new Int16Array(frame * 6);
  for (const p of sorted) {
    const n = decoder.decode(p.payload, tmp);
    const at = Math.round((p.timestamp - first) / units) * frame;
    out.set(tmp.subarray(0, Math.min(n, frame)), at);
  }
  decoder.close?.();
  return out;
}

/**
 * Share of `frequency` in the signal, skipping `skipMs` at the start (codec start-up, jitter
 * buffer fill): Goertzel power over total power, ≈1 for a clean tone.
 */
export function toneShare(pcm: Int16Array, rate: number, frequency: number, skipMs = 100): number {
  const body = pcm.subarray(Math.min(pcm.length, Math.round((skipMs * rate) / 1000)));
  if (body.length === 0) return 0;
  let energy = 0;
  for (let i = 0; i < body.length; i++) energy += body[i]! * body[i]!;
  if (energy === 0) return 0;
  // A tone A·sin reads A² in Goertzel and has mean power A²/2.
  return goertzelPower(body, rate, frequency) / 2 / (energy / body.length);
}
