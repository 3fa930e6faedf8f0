/**
 * Transcoder: one direction's decode → (resample) → encode pipeline, run once per media-clock
 * tick. Packets go into a jitter buffer whose decoder works at the rate the other side needs
 * (Opus decodes straight to 8/16 kHz opposite G.711/G.722 and encodes from them), so a resampler
 * exists only where the rates truly differ (G.711 ⇄ G.722). Every buffer is allocated here, in
 * the constructor; `push` and `pull` allocate nothing.
 */
import { createDecoder, createEncoder, JitterBuffer, Resampler, type AudioDecoder, type AudioEncoder, type OpusEncoderOptions } from '../../media/index.ts';
// Types media/index.ts does not re-export (yet).
import type { JitterBufferOptions, JitterBufferStats, JitterFrameKind, JitterPacket } from '../../media/jitter-buffer.ts';
import { codingRate, FRAME_MS } from './codec-rates.ts';
import { PayloadViews } from './payload-views.ts';
import type { LegCodec } from './media-leg.ts';

/** Largest encoded frame we produce (bytes). */
const MAX_FRAME_BYTES = 1500;

export interface TranscoderOptions {
  /** Codec of the packets pushed. */
  from: LegCodec;
  /** Codec to produce. */
  to: LegCodec;
  /** Jitter buffer tuning (decoder, frameMs and clockRate are set here). Default: the buffer's defaults. */
  jitter?: Omit<JitterBufferOptions, 'decoder' | 'frameMs' | 'clockRate'>;
  /** Opus encoder settings when `to` is Opus. Default: FEC on, 5 % expected loss. */
  opus?: Omit<OpusEncoderOptions, 'sampleRate'>;
}

export class Transcoder {
  readonly from: LegCodec;
  readonly to: LegCodec;
  /** PCM rate decoded at. */
  readonly decodeRate: number;
  /** PCM rate encoded from. */
  readonly encodeRate: number;
  readonly #decoder: AudioDecoder;
  readonly #encoder: AudioEncoder;
  readonly #resampler: Resampler | undefined;
  readonly #jitter: JitterBuffer;
  readonly #decoded: Int16Array;
  /** Resampler output buffer (a little larger than a frame) and its one-frame view. */
  readonly #resampledAll: Int16Array;
  readonly #resampled: Int16Array;
  readonly #encoded = new PayloadViews(MAX_FRAME_BYTES);
  readonly #encodeSamples: number;
  #lastKind: JitterFrameKind = 'silence';
  #started = false;
  #closed = false;

  constructor(options: TranscoderOptions) {
    const { from, to } = options;
    this.from = from;
    this.to = to;
    this.decodeRate = codingRate(from, to);
    this.encodeRate = codingRate(to, from);
    this.#decoder = createDecoder(from.name, { sampleRate: this.decodeRate });
    this.#encoder = createEncoder(to.name, {
      sampleRate: this.encodeRate,
      opus: options.opus ?? { fec: true, packetLossPercent: 5 },
    });
    this.#resampler = this.decodeRate === this.encodeRate ? undefined : new Resampler({ from: this.decodeRate, to: this.encodeRate });
    this.#jitter = new JitterBuffer({ ...options.jitter, decoder: this.#decoder, frameMs: FRAME_MS, clockRate: from.clockRate });
    this.#decoded = new Int16Array(this.#jitter.frameSamples);
    this.#encodeSamples = (this.encodeRate * FRAME_MS) / 1000;
    const resampled = this.#resampler ? new Int16Array(this.#resampler.maxOutput(this.#decoded.length) + 16) : this.#decoded;
    this.#resampledAll = resampled;
    this.#resampled = resampled.subarray(0, this.#encodeSamples);
  }

  /** Whether a resampler sits in the pipeline. */
  get resampling(): boolean {
    return this.#resampler !== undefined;
  }

  /** What the last pull produced. */
  get lastKind(): JitterFrameKind {
    return this.#lastKind;
  }

  /** Whether any packet has been pushed yet. */
  get started(): boolean {
    return this.#started;
  }

  /** Queue a received packet (copied). */
  push(packet: JitterPacket, arrivalMs: number): void {
    this.#started = true;
    this.#jitter.push(packet, arrivalMs);
  }

  /**
   * Play the frame due at `nowMs` through the pipeline: returns the PCM the encoder consumes
   * (at `encodeRate`; zeroed when `mute`) for taps, after which `encode()` makes the payload.
   */
  pull(nowMs: number, mute: boolean): Int16Array {
    const r = this.#jitter.pull(nowMs, this.#decoded);
    this.#lastKind = r.kind;
    let pcm = this.#decoded;
    if (this.#resampler) {
      const n = this.#resampler.process(this.#decoded, this.#resampledAll);
      pcm = this.#resampled;
      // Whole 20 ms frames give exactly a frame each; pad should a call ever come up short.
      if (n < this.#encodeSamples) pcm.fill(0, n, this.#encodeSamples);
    }
    if (mute) pcm.fill(0, 0, this.#encodeSamples);
    return pcm;
  }

  /** Encode one frame of PCM (from `pull`); the returned view is valid until the next call. */
  encode(pcm: Int16Array): Uint8Array {
    return this.#encoded.view(this.#encoder.encode(pcm, this.#encoded.buffer));
  }

  getStats(): JitterBufferStats {
    return this.#jitter.getStats();
  }

  /** Free codec and resampler state (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoder.close?.();
    this.#encoder.close?.();
    this.#resampler?.close();
  }
}
