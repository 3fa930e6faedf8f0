/**
 * ToneLeg (`tone`): a continuous 1 kHz tone (by default; any frequency and level can be asked for)
 * in the codec the caller negotiated — PCMU, PCMA, G.722 or Opus — one frame per media tick. What
 * the caller sends is counted and ignored; so are DTMF digits.
 */
import { createEncoder, ToneGenerator, type AudioEncoder } from '../../../media/index.ts';
import type { MediaTick } from '../../../media/clock.ts';
import { pcmRate, FRAME_MS } from '../codec-rates.ts';
import { PayloadViews } from '../payload-views.ts';
import { ExtensionLeg, type ExtensionContext } from './extension-leg.ts';

export interface ToneLegOptions {
  /** Tone frequency (Hz). Default 1000. */
  frequency?: number;
  /** Peak level (dBFS). Default -10. */
  dbfs?: number;
}

export class ToneLeg extends ExtensionLeg {
  readonly frequency: number;
  readonly #tone: ToneGenerator;
  readonly #encoder: AudioEncoder;
  readonly #pcm: Int16Array;
  readonly #out = new PayloadViews();

  constructor(context: ExtensionContext, options: ToneLegOptions = {}) {
    super('tone', context);
    const rate = pcmRate(this.codec);
    this.frequency = options.frequency ?? 1000;
    this.#tone = new ToneGenerator({ frequency: this.frequency, sampleRate: rate, dbfs: options.dbfs ?? -10 });
    this.#encoder = createEncoder(this.codec.name, { sampleRate: rate });
    this.#pcm = new Int16Array((rate * FRAME_MS) / 1000);
  }

  protected receive(): void {
    // A tone does not listen.
  }

  protected onTick(tick: MediaTick): void {
    this.#tone.fill(this.#pcm);
    this.emitFrame(this.#out.view(this.#encoder.encode(this.#pcm, this.#out.buffer)), tick);
  }

  protected release(): void {
    this.#encoder.close?.();
  }
}
