/**
 * Test helpers: a PCMU tone source that sends one 20 ms frame per media-clock tick on a media
 * leg, and a sink that pushes a leg's received RTP into a jitter buffer and pulls one decoded
 * frame per tick — what a Bridge would do — collecting the audio for frequency checks.
 */
import type { MediaClock } from '../../../media/clock.ts';
import { PcmuDecoder, ulawEncode } from '../../../media/codecs/g711.ts';
import { JitterBuffer } from '../../../media/jitter-buffer.ts';
import { toneCorrelation } from '../../../media/testing/index.ts';
import { ToneGenerator } from '../../../media/tone.ts';
import type { MediaLeg, MediaRtpPacket } from '../media-leg.ts';

/** Send a PCMU sine of `frequency` Hz on `leg`, one frame per tick; returns a stop function. */
export function sendTone(clock: MediaClock, leg: MediaLeg, frequency: number): () => void {
  const tone = new ToneGenerator({ frequency, sampleRate: 8000, dbfs: -6 });
  const pcm = new Int16Array(160);
  const payload = new Uint8Array(160);
  let ts = 0;
  return clock.subscribe(() => {
    tone.fill(pcm);
    ulawEncode(pcm, payload);
    leg.sendRtp(payload, { timestamp: ts, marker: ts === 0 });
    ts += 160;
  });
}

/** Receives PCMU from `leg` through a jitter buffer into `samples` (8 kHz). */
export class ToneSink {
  readonly #jb = new JitterBuffer({ decoder: new PcmuDecoder(), initialDelayMs: 40 });
  readonly #frame = new Int16Array(160);
  readonly #chunks: Int16Array[] = [];
  readonly #stop: () => void;
  packets = 0;

  constructor(clock: MediaClock, leg: MediaLeg) {
    leg.on('rtp', (p: MediaRtpPacket) => {
      this.packets++;
      this.#jb.push(p, clock.nowMs());
    });
    this.#stop = clock.subscribe((tick) => {
      this.#jb.pull(tick.nowMs, this.#frame);
      this.#chunks.push(this.#frame.slice());
    });
  }

  /** Everything pulled so far, or only the last `ms`. */
  samples(lastMs?: number): Int16Array {
    const chunks = lastMs === undefined ? this.#chunks : this.#chunks.slice(-Math.ceil(lastMs / 20));
    const out = new Int16Array(chunks.length * 160);
    chunks.forEach((c, i) => out.set(c, i * 160));
    return out;
  }

  stop(): void {
    this.#stop();
  }

  /** The jitter buffer's statistics (for failure messages). */
  jitterStats(): ReturnType<JitterBuffer['getStats']> {
    return this.#jb.getStats();
  }
}

/**
 * Median over 40 ms blocks of how much of the signal is a `hz` sine (media/testing's
 * toneCorrelation): robust to the odd concealed, inserted or dropped frame a jitter buffer on a
 * loaded machine produces, which breaks the phase of one block but not the tone.
 */
export function medianToneCorrelation(samples: Int16Array, sampleRate: number, hz: number): number {
  const block = Math.round(sampleRate * 0.04);
  const values: number[] = [];
  for (let i = 0; i + block <= samples.length; i += block) values.push(toneCorrelation(samples.subarray(i, i + block), sampleRate, hz));
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}

/** Resolve after `ms` of wall time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolve when `check()` is true (polled every 20 ms), or reject after `ms` with `what`. */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
