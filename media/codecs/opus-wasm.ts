/**
 * libopus from the WASM build shipped inside `@evan/opus` (wasm/simd.wasm, or wasm/opus.wasm where
 * WASM SIMD is missing), bound directly to its exports instead of through the package's JS wrapper:
 * the wrapper hard-codes `decode_fec = 0` and a 120 ms PLC length and copies every result into a
 * fresh array. Bound here, PLC runs for exactly the asked length, FEC works, and the only per-frame
 * work besides libopus is copying PCM/payload bytes in and out of WASM memory (no allocation).
 *
 * One instance (one linear memory) per thread, created on first use; states and the shared
 * scratch buffers live in it. Everything is synchronous, so sharing scratch between states is safe.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  OPUS_APPLICATION,
  OPUS_MAX_FRAME,
  OPUS_MAX_PACKET,
  OpusError,
  checkPlcSamples,
  type OpusApplication,
  type OpusDecoderCore,
  type OpusEncoderCore,
  type OpusEngine,
  type OpusSampleRate,
} from './opus-engine.ts';

/** The C exports of @evan/opus's WASM build (emscripten, standalone reactor). */
interface OpusWasmExports {
  memory: WebAssembly.Memory;
  malloc(bytes: number): number;
  free(ptr: number): void;
  _initialize?(): void;
  opus_encoder_get_size(channels: number): number;
  opus_encoder_init(st: number, rate: number, channels: number, application: number): number;
  opus_encode(st: number, pcm: number, frameSize: number, data: number, maxBytes: number): number;
  opus_encoder_ctl_set(st: number, request: number, value: number): number;
  opus_encoder_ctl_get(st: number, request: number): number;
  opus_decoder_get_size(channels: number): number;
  opus_decoder_init(st: number, rate: number, channels: number): number;
  opus_decode(st: number, data: number, len: number, pcm: number, frameSize: number, fec: number): number;
  opus_decoder_ctl_set(st: number, request: number, value: number): number;
  opus_decoder_ctl_get(st: number, request: number): number;
}

/** A 1-instruction module using a SIMD opcode: validates only where WASM SIMD is supported. */
const SIMD_PROBE = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11);

/** Compiles the package's WASM build from node_modules (SIMD flavour when supported). */
export function loadOpusWasmModule(): WebAssembly.Module {
  const require = createRequire(import.meta.url);
  const flavour = WebAssembly.validate(SIMD_PROBE) ? 'simd' : 'opus';
  return new WebAssembly.Module(readFileSync(require.resolve(`@evan/opus/wasm/${flavour}.wasm`)));
}

/** An Opus engine on a fresh instance of `module` (default: the package's build). */
export function createWasmOpusEngine(module: WebAssembly.Module = loadOpusWasmModule()): OpusEngine {
  let u8 = new Uint8Array(0);
  let i16 = new Int16Array(0);
  const refresh = (): void => {
    u8 = new Uint8Array(wasm.memory.buffer);
    i16 = new Int16Array(wasm.memory.buffer);
  };
  const instance = new WebAssembly.Instance(module, {
    wasi_snapshot_preview1: {
      fd_seek: () => 0,
      fd_write: () => 0,
      fd_close: () => 0,
      proc_exit: (code: number) => {
        throw new OpusError('internal', `libopus (wasm) exited with ${code}`);
      },
    },
    env: { emscripten_notify_memory_growth: () => refresh() },
  });
  const wasm = instance.exports as unknown as OpusWasmExports;
  wasm._initialize?.();
  const pcmPtr = wasm.malloc(OPUS_MAX_FRAME * 2);
  const pktPtr = wasm.malloc(OPUS_MAX_PACKET);
  refresh();
  /** Views die when memory grows; the growth hook renews them, this covers any other path. */
  const heap = (): void => {
    if (u8.byteLength === 0) refresh();
  };

  /** Frees states whose owner was dropped without close(), so WASM memory cannot creep up. */
  const orphans = new FinalizationRegistry<number>((st) => wasm.free(st));

  function allocState(owner: object, bytes: number, init: (st: number) => number, what: string): number {
    const st = wasm.malloc(bytes);
    if (st === 0) throw new OpusError('alloc-fail', `${what}: out of WASM memory`);
    const rc = init(st);
    if (rc < 0) {
      wasm.free(st);
      throw OpusError.fromLibopus(rc, what);
    }
    orphans.register(owner, st, owner);
    return st;
  }

  function freeState(owner: object, st: number): void {
    if (st === 0) return;
    orphans.unregister(owner);
    wasm.free(st);
  }

  function copyOut(base: number, out: Int16Array, offset: number, n: number): void {
    heap();
    const src = base >> 1;
    for (let i = 0; i < n; i++) out[offset + i] = i16[src + i]!;
  }

  function copyPacketIn(payload: Uint8Array): void {
    if (payload.length > OPUS_MAX_PACKET) throw new OpusError('invalid-packet', `packet of ${payload.length} bytes`);
    heap();
    u8.set(payload, pktPtr);
  }

  class WasmEncoder implements OpusEncoderCore {
    #st: number;
    constructor(sampleRate: OpusSampleRate, application: OpusApplication) {
      this.#st = allocState(
        this,
        wasm.opus_encoder_get_size(1),
        (st) => wasm.opus_encoder_init(st, sampleRate, 1, OPUS_APPLICATION[application]),
        'opus_encoder_init',
      );
    }
    encode(pcm: Int16Array, out: Uint8Array): number {
      const st = this.#live();
      if (pcm.length > OPUS_MAX_FRAME) throw new OpusError('bad-arg', `frame of ${pcm.length} samples`);
      heap();
      i16.set(pcm, pcmPtr >> 1);
      const n = wasm.opus_encode(st, pcmPtr, pcm.length, pktPtr, OPUS_MAX_PACKET);
      if (n < 0) throw OpusError.fromLibopus(n, 'opus_encode');
      if (n > out.length) throw new RangeError(`packet of ${n} bytes does not fit a ${out.length}-byte buffer`);
      heap();
      for (let i = 0; i < n; i++) out[i] = u8[pktPtr + i]!;
      return n;
    }
    set(request: number, value: number): void {
      const rc = wasm.opus_encoder_ctl_set(this.#live(), request, value);
      if (rc < 0) throw OpusError.fromLibopus(rc, `opus_encoder_ctl(${request}, ${value})`);
    }
    get(request: number): number {
      return wasm.opus_encoder_ctl_get(this.#live(), request);
    }
    close(): void {
      freeState(this, this.#st);
      this.#st = 0;
    }
    #live(): number {
      if (this.#st === 0) throw new OpusError('closed', 'Opus encoder is closed');
      return this.#st;
    }
  }

  class WasmDecoder implements OpusDecoderCore {
    #st: number;
    readonly #rate: number;
    constructor(sampleRate: OpusSampleRate) {
      this.#rate = sampleRate;
      this.#st = allocState(
        this,
        wasm.opus_decoder_get_size(1),
        (st) => wasm.opus_decoder_init(st, sampleRate, 1),
        'opus_decoder_init',
      );
    }
    decode(payload: Uint8Array, out: Int16Array): number {
      const st = this.#live();
      copyPacketIn(payload);
      const n = wasm.opus_decode(st, pktPtr, payload.length, pcmPtr, Math.min(out.length, OPUS_MAX_FRAME), 0);
      if (n === -2) throw new RangeError(`decoded frame does not fit ${out.length} samples`);
      if (n < 0) throw OpusError.fromLibopus(n, 'opus_decode');
      copyOut(pcmPtr, out, 0, n);
      return n;
    }
    conceal(out: Int16Array, samples: number): number {
      const st = this.#live();
      checkPlcSamples(samples, this.#rate, out);
      const chunkMax = OPUS_MAX_FRAME * (this.#rate / 48000);
      for (let done = 0; done < samples; ) {
        const n = wasm.opus_decode(st, 0, 0, pcmPtr, Math.min(samples - done, chunkMax), 0);
        if (n <= 0) throw OpusError.fromLibopus(n, 'opus_decode (PLC)');
        copyOut(pcmPtr, out, done, n);
        done += n;
      }
      return samples;
    }
    decodeFec(payload: Uint8Array, out: Int16Array, samples: number): number {
      const st = this.#live();
      checkPlcSamples(samples, this.#rate, out);
      if (samples > OPUS_MAX_FRAME) throw new OpusError('bad-arg', `FEC length ${samples} above 120 ms`);
      copyPacketIn(payload);
      const n = wasm.opus_decode(st, pktPtr, payload.length, pcmPtr, samples, 1);
      if (n < 0) throw OpusError.fromLibopus(n, 'opus_decode (FEC)');
      copyOut(pcmPtr, out, 0, n);
      return n;
    }
    get(request: number): number {
      return wasm.opus_decoder_ctl_get(this.#live(), request);
    }
    close(): void {
      freeState(this, this.#st);
      this.#st = 0;
    }
    #live(): number {
      if (this.#st === 0) throw new OpusError('closed', 'Opus decoder is closed');
      return this.#st;
    }
  }

  return {
    backend: 'wasm',
    canDecodeFec: true,
    createEncoder: (rate, application) => new WasmEncoder(rate, application),
    createDecoder: (rate) => new WasmDecoder(rate),
  };
}
