/**
 * libopus from the native addon shipped inside `@evan/opus` (node/<arch>-<platform>.node, Rust
 * `audiopus` over libopus 1.3), bound to the raw addon classes rather than the package's wrapper,
 * which slices (allocates) every result. The raw `encode`/`decode` return a byte count and leave
 * the bytes in one output buffer per direction owned by the addon; we copy from there into the
 * caller's buffer, so nothing is allocated per frame.
 *
 * What the addon forces (measured, see opus.test.ts):
 * - no FEC: `decode` takes no `decode_fec` flag (extra arguments are ignored), so decoders on this
 *   backend cannot recover frames from in-band FEC (`canDecodeFec` is false);
 * - no direct PLC: an empty packet is rejected (`Opus(BadArgument)`: the addon passes its 16384-
 *   sample buffer as frame_size, not a multiple of 2.5 ms). We conceal by decoding 1-byte TOC-only
 *   packets instead, which libopus treats exactly like a lost frame (bit-identical, tested);
 * - one process-wide output buffer per direction, shared by every thread: two worker threads
 *   using the addon at once overwrite each other's packets, and a worker that loaded it crashes
 *   the process (SIGSEGV) when it exits unless the main thread loaded it too. Hence the backend
 *   choice in opus-backend.ts keeps this addon to the main thread.
 * - states have no explicit free; `close()` drops our reference and the GC finalizer frees them.
 */
import { createRequire } from 'node:module';
import {
  OPUS_MAX_FRAME,
  OpusError,
  checkPlcSamples,
  type OpusApplication,
  type OpusDecoderCore,
  type OpusEncoderCore,
  type OpusEngine,
  type OpusSampleRate,
} from './opus-engine.ts';
import { opusPlcPacket } from './opus-packet.ts';

interface NativeEncoderState {
  /** Encodes PCM (frame size = byteLength / 2 / channels); returns bytes in the encoder buffer. */
  encode(pcm: ArrayBufferView): number;
  ctl(request: number, value?: number): number;
}

interface NativeDecoderState {
  /** Decodes a packet; returns bytes of PCM in the decoder buffer. */
  decode(packet: ArrayBufferView): number;
  ctl(request: number, value?: number): number;
}

/** The raw exports of `@evan/opus/node/<arch>-<platform>.node`. */
export interface NativeOpusAddon {
  Encoder: new (options: { channels: 1 | 2; sample_rate: number; application: OpusApplication }) => NativeEncoderState;
  Decoder: new (options: { channels: 1 | 2; sample_rate: number }) => NativeDecoderState;
  buffers: { encoder(): Uint8Array; decoder(): Uint8Array };
}

/** Loads the addon for this platform; throws when there is none or it fails to link. */
export function loadNativeOpusAddon(): NativeOpusAddon {
  const require = createRequire(import.meta.url);
  return require(`@evan/opus/node/${process.arch}-${process.platform}.node`) as NativeOpusAddon;
}

/** Quarter-frames (2.5 ms units) of the PLC packets we decode, longest first. */
const PLC_STEPS = [8, 4, 2, 1] as const;

/** An Opus engine on the native addon. */
export function createNativeOpusEngine(addon: NativeOpusAddon): OpusEngine {
  const encBuf = addon.buffers.encoder();
  const decBuf = addon.buffers.decoder();
  const dec16 = new Int16Array(decBuf.buffer, decBuf.byteOffset, decBuf.byteLength >> 1);

  class NativeEncoder implements OpusEncoderCore {
    #st: NativeEncoderState | null;
    constructor(sampleRate: OpusSampleRate, application: OpusApplication) {
      try {
        this.#st = new addon.Encoder({ channels: 1, sample_rate: sampleRate, application });
      } catch (err) {
        throw OpusError.fromNative(err, 'opus_encoder_create');
      }
    }
    encode(pcm: Int16Array, out: Uint8Array): number {
      const st = this.#live();
      if (pcm.length > OPUS_MAX_FRAME) throw new OpusError('bad-arg', `frame of ${pcm.length} samples`);
      let n: number;
      try {
        n = st.encode(pcm);
      } catch (err) {
        throw OpusError.fromNative(err, 'opus_encode');
      }
      if (n > out.length) throw new RangeError(`packet of ${n} bytes does not fit a ${out.length}-byte buffer`);
      for (let i = 0; i < n; i++) out[i] = encBuf[i]!;
      return n;
    }
    set(request: number, value: number): void {
      try {
        this.#live().ctl(request, value);
      } catch (err) {
        throw OpusError.fromNative(err, `opus_encoder_ctl(${request}, ${value})`);
      }
    }
    get(request: number): number {
      return this.#live().ctl(request);
    }
    close(): void {
      this.#st = null;
    }
    #live(): NativeEncoderState {
      if (this.#st === null) throw new OpusError('closed', 'Opus encoder is closed');
      return this.#st;
    }
  }

  class NativeDecoder implements OpusDecoderCore {
    #st: NativeDecoderState | null;
    readonly #quarter: number;
    constructor(sampleRate: OpusSampleRate) {
      this.#quarter = sampleRate / 400;
      try {
        this.#st = new addon.Decoder({ channels: 1, sample_rate: sampleRate });
      } catch (err) {
        throw OpusError.fromNative(err, 'opus_decoder_create');
      }
    }
    decode(payload: Uint8Array, out: Int16Array): number {
      return this.#run(this.#live(), payload, out, 0, 'opus_decode');
    }
    conceal(out: Int16Array, samples: number): number {
      const st = this.#live();
      checkPlcSamples(samples, this.#quarter * 400, out);
      let done = 0;
      for (let s = 0; s < PLC_STEPS.length; s++) {
        const step = PLC_STEPS[s]!;
        while (samples - done >= step * this.#quarter) {
          done += this.#run(st, opusPlcPacket(step), out, done, 'opus_decode (PLC)');
        }
      }
      return done;
    }
    decodeFec(): number {
      return -1;
    }
    get(request: number): number {
      return this.#live().ctl(request);
    }
    close(): void {
      this.#st = null;
    }
    #run(st: NativeDecoderState, payload: Uint8Array, out: Int16Array, offset: number, what: string): number {
      let bytes: number;
      try {
        bytes = st.decode(payload);
      } catch (err) {
        throw OpusError.fromNative(err, what);
      }
      const n = bytes >> 1;
      if (offset + n > out.length) throw new RangeError(`decoded frame does not fit ${out.length} samples`);
      for (let i = 0; i < n; i++) out[offset + i] = dec16[i]!;
      return n;
    }
    #live(): NativeDecoderState {
      if (this.#st === null) throw new OpusError('closed', 'Opus decoder is closed');
      return this.#st;
    }
  }

  return {
    backend: 'native',
    canDecodeFec: false,
    createEncoder: (rate, application) => new NativeEncoder(rate, application),
    createDecoder: (rate) => new NativeDecoder(rate),
  };
}
