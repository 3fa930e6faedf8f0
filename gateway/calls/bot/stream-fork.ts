/**
 * StreamFork: a bot listening to a call that is bridged to a person (Twilio `<Start><Stream>`):
 * the caller's audio, tapped as PCM from the Bridge, is fed to a StreamLeg whose call codec is
 * L16 at the stream's rate, resampled here when the tap's rate differs. The fork only listens —
 * the bot's own audio is not heard by anyone (as with Twilio's forked streams); DTMF the caller
 * sends is passed on. Per frame nothing is allocated once the first frame sized the buffers.
 */
import { Resampler } from '../../../media/index.ts';
import type { StreamLeg } from '../../streams/index.ts';
import type { CallCodec } from '../../streams/index.ts';
import { L16_PAYLOAD_TYPE } from '../../streams/index.ts';
import type { BridgeTap } from '../bridge.ts';

/** The call codec a fork's StreamLeg takes: L16 (big-endian, RTP style) at `rate`. */
export function forkCallCodec(rate: number): CallCodec {
  return { name: 'L16', payloadType: L16_PAYLOAD_TYPE, clockRate: rate, channels: 1 };
}

export class StreamFork {
  readonly #stream: StreamLeg;
  readonly #rate: number;
  #resampler: Resampler | undefined;
  #fromRate = 0;
  #pcm = new Int16Array(0);
  #bytes = new Uint8Array(0);
  #timestamp = 0;

  /** `rate`: the clock rate of the stream leg's call codec (`forkCallCodec(rate)`). */
  constructor(stream: StreamLeg, rate: number) {
    this.#stream = stream;
    this.#rate = rate;
  }

  /** The tap to give the Bridge for the caller's direction. */
  readonly tap: BridgeTap = (pcm, sampleRate) => {
    if (this.#stream.closed || !this.#stream.started) return;
    let samples: Int16Array = pcm;
    let count = pcm.length;
    if (sampleRate !== this.#rate) {
      if (sampleRate !== this.#fromRate) {
        this.#resampler?.close();
        this.#resampler = new Resampler({ from: sampleRate, to: this.#rate });
        this.#fromRate = sampleRate;
      }
      const need = this.#resampler!.maxOutput(pcm.length);
      if (this.#pcm.length < need) this.#pcm = new Int16Array(need);
      count = this.#resampler!.process(pcm, this.#pcm);
      samples = this.#pcm;
    }
    if (this.#bytes.length < count * 2) this.#bytes = new Uint8Array(count * 2);
    const out = this.#bytes;
    for (let i = 0; i < count; i++) {
      const s = samples[i]!;
      out[2 * i] = (s >> 8) & 0xff;
      out[2 * i + 1] = s & 0xff;
    }
    this.#stream.sendRtp(out.subarray(0, count * 2), this.#timestamp);
    this.#timestamp = (this.#timestamp + count) >>> 0;
  };

  /** A DTMF digit from the caller. */
  dtmf(digit: string): void {
    if (this.#stream.started) void this.#stream.sendDtmf(digit).catch(() => undefined);
  }

  close(): void {
    this.#resampler?.close();
    this.#resampler = undefined;
  }
}
