/**
 * EchoLeg (`echo`): plays back what the caller says. Received payloads go through a jitter buffer
 * and decoder, and each media tick the frame due is re-encoded and sent back — so the caller hears
 * themselves after the buffer's delay, smoothed, with loss concealed. DTMF comes back too: every
 * digit received is reported back once its tone would have ended.
 */
import { createDecoder, createEncoder, JitterBuffer, type AudioDecoder, type AudioEncoder } from '../../../media/index.ts';
import type { MediaTick } from '../../../media/clock.ts';
import type { JitterPacket } from '../../../media/jitter-buffer.ts';
import { pcmRate, FRAME_MS } from '../codec-rates.ts';
import { PayloadViews } from '../payload-views.ts';
import { ExtensionLeg, type ExtensionContext } from './extension-leg.ts';

/** Pause between echoed digits (ms), as a DTMF sender would leave. */
const DIGIT_GAP_MS = 50;

export class EchoLeg extends ExtensionLeg {
  readonly #decoder: AudioDecoder;
  readonly #encoder: AudioEncoder;
  readonly #jitter: JitterBuffer;
  readonly #pcm: Int16Array;
  readonly #out = new PayloadViews();
  readonly #in: JitterPacket = { sequenceNumber: 0, timestamp: 0, ssrc: 1, marker: false, payload: new Uint8Array(0) };
  #seq = 0;
  #started = false;
  #playing = false;
  /** Digits to echo, with when each is due (clock ms). */
  readonly #dtmf: Array<{ digit: string; durationMs: number; dueMs: number; done?: () => void }> = [];
  #dtmfFreeMs = 0;

  constructor(context: ExtensionContext) {
    super('echo', context);
    const rate = pcmRate(this.codec);
    this.#decoder = createDecoder(this.codec.name, { sampleRate: rate });
    this.#encoder = createEncoder(this.codec.name, { sampleRate: rate });
    this.#jitter = new JitterBuffer({ decoder: this.#decoder, frameMs: FRAME_MS, clockRate: this.codec.clockRate });
    this.#pcm = new Int16Array(this.#jitter.frameSamples);
  }

  protected receive(payload: Uint8Array, timestamp: number, marker: boolean): void {
    // The bridge's timeline is continuous and relays in arrival order: our own sequence numbers
    // suffice (a gap upstream shows as a timestamp step, which the buffer plays as a pause).
    const p = this.#in;
    p.sequenceNumber = this.#seq;
    this.#seq = (this.#seq + 1) & 0xffff;
    p.timestamp = timestamp;
    p.marker = marker;
    p.payload = payload;
    this.#jitter.push(p, this.clock.nowMs());
    this.#started = true;
  }

  /** Echo the digits back, each after its own duration; resolves when the last one was echoed. */
  override async sendDtmf(digits: string, durationMs = 100): Promise<void> {
    await super.sendDtmf(digits, durationMs);
    const now = this.clock.nowMs();
    let at = Math.max(now, this.#dtmfFreeMs);
    let last: Promise<void> = Promise.resolve();
    for (const digit of digits) {
      if (digit === ',' || digit === ' ') continue;
      at += durationMs;
      const item: { digit: string; durationMs: number; dueMs: number; done?: () => void } = { digit, durationMs, dueMs: at };
      last = new Promise((resolve) => (item.done = resolve));
      this.#dtmf.push(item);
      at += DIGIT_GAP_MS;
    }
    this.#dtmfFreeMs = at;
    return last;
  }

  protected onTick(tick: MediaTick): void {
    while (this.#dtmf.length > 0 && this.#dtmf[0]!.dueMs <= tick.nowMs) {
      const d = this.#dtmf.shift()!;
      this.emitDtmf(d.digit, d.durationMs);
      d.done?.();
    }
    if (!this.#started) return;
    const r = this.#jitter.pull(tick.nowMs, this.#pcm);
    if (r.kind === 'silence' && !this.#playing) return; // filling up to the playout delay
    this.#playing = r.kind !== 'silence';
    this.emitFrame(this.#out.view(this.#encoder.encode(this.#pcm, this.#out.buffer)), tick);
  }

  protected release(): void {
    for (const d of this.#dtmf.splice(0)) d.done?.();
    this.#decoder.close?.();
    this.#encoder.close?.();
  }
}
