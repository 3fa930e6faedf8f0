/**
 * Player: audio the REST API plays into a call (`POST /v1/calls/{id}/play`) — PCM16 at 8 kHz mono,
 * looped `loopCount` times (0 = until stopped) — cut into 20 ms frames of the call's bot codec,
 * one per media tick. A short last frame is padded with silence. The WireAdapter of
 * gateway/streams converts (and resamples) the PCM into the codec, as for a bot's own audio.
 */
import { resolveStreamFormat, WireAdapter, type CallCodec } from '../../streams/index.ts';

const FRAME_SAMPLES = 160;

export class Player {
  readonly id: string;
  readonly #pcm: Int16Array;
  readonly #loops: number;
  readonly #adapter: WireAdapter;
  readonly #frame = new Uint8Array(FRAME_SAMPLES * 2);
  readonly #frameView = new DataView(this.#frame.buffer);
  #pos = 0;
  #played = 0;
  #done = false;

  constructor(id: string, pcm: Int16Array, loopCount: number, codec: CallCodec) {
    this.id = id;
    this.#pcm = pcm;
    this.#loops = loopCount;
    this.#adapter = new WireAdapter(resolveStreamFormat({ mode: 'twilio', encoding: 'audio/x-l16', sampleRate: 8000 }), codec);
    if (pcm.length === 0) this.#done = true;
  }

  /** Whether everything (every loop) has been played. */
  get done(): boolean {
    return this.#done;
  }

  /** The next 20 ms frame in the call codec (a view valid until the next call), or undefined when done. */
  next(): Uint8Array | undefined {
    if (this.#done) return undefined;
    const pcm = this.#pcm;
    const view = this.#frameView;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      let sample = 0;
      if (this.#pos < pcm.length) sample = pcm[this.#pos++]!;
      view.setInt16(i * 2, sample, true);
    }
    if (this.#pos >= pcm.length) {
      this.#played++;
      if (this.#loops !== 0 && this.#played >= this.#loops) this.#done = true;
      else this.#pos = 0;
    }
    return this.#adapter.fromWire(this.#frame);
  }

  /** Free codec state (idempotent). */
  close(): void {
    this.#done = true;
    this.#adapter.close();
  }
}
