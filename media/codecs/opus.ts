/**
 * Opus (RFC 6716, RTP per RFC 7587) as a Patchbay AudioEncoder/AudioDecoder: mono, at 8, 12, 16,
 * 24 or 48 kHz — code Opus at the other leg's rate and no resampler is needed (libopus resamples
 * internally). Encoder: application VOIP by default, bitrate, complexity, in-band FEC with the
 * expected loss, DTX, all settable mid-call. Decoder: libopus PLC for `conceal()`, in-band FEC for
 * `decodeFec()`. Runs on the native addon or the WASM build (opus-backend.ts picks);
 * buffers are the caller's and nothing is allocated per frame.
 */
import type { AudioDecoder, AudioEncoder } from './types.ts';
import {
  OPUS_AUTO,
  OPUS_SAMPLE_RATES,
  OpusCtl,
  OpusError,
  type OpusApplication,
  type OpusBackend,
  type OpusDecoderCore,
  type OpusEncoderCore,
  type OpusEngine,
  type OpusSampleRate,
} from './opus-engine.ts';
import { opusEngine, opusEngineFor } from './opus-backend.ts';
import { OPUS_DTX_MAX_BYTES, opusPacketHasFec, opusPacketSamples } from './opus-packet.ts';

export { OpusError, type OpusApplication, type OpusBackend, type OpusSampleRate } from './opus-engine.ts';
export { opusBackend, opusBackendInfo } from './opus-backend.ts';
export { OPUS_DTX_MAX_BYTES, opusPacketHasFec } from './opus-packet.ts';

/** RTP clock rate of Opus whatever the coded rate (RFC 7587 §4.1). */
export const OPUS_RTP_CLOCK_RATE = 48000;

/** Our default complexity: libopus's is 9; 5 encodes speech with ≈25–35 % less CPU at 16/48 kHz (npm run bench). */
export const OPUS_DEFAULT_COMPLEXITY = 5;

export interface OpusEncoderOptions {
  /** Rate of the PCM fed in (Hz). Default 48000. */
  sampleRate?: OpusSampleRate;
  /** libopus application. Default 'voip'. */
  application?: OpusApplication;
  /** Target bitrate in bit/s (500–512000) or 'auto' (libopus picks from rate and mode). Default 'auto'. */
  bitrate?: number | 'auto';
  /** Encoder complexity 0–10. Default OPUS_DEFAULT_COMPLEXITY (5). */
  complexity?: number;
  /** Add in-band FEC (SILK LBRR) for the previous frame to each packet. Default false. */
  fec?: boolean;
  /** Expected packet loss in percent (0–100); libopus only spends bits on FEC when above 0. Default 0. */
  packetLossPercent?: number;
  /** Discontinuous transmission: during silence, packets of ≤ OPUS_DTX_MAX_BYTES that need not be sent. Default false. */
  dtx?: boolean;
  /** Variable bitrate. Default true. */
  vbr?: boolean;
  /** libopus build to use. Default: this thread's choice (opusBackend()). */
  backend?: OpusBackend;
}

export interface OpusDecoderOptions {
  /** Rate of the PCM produced (Hz). Default 48000. */
  sampleRate?: OpusSampleRate;
  /**
   * Make `decodeFec()` work. The native addon cannot decode FEC, so `true` puts this decoder on the
   * WASM build (decoding then costs ≈1.3–1.8× the native CPU — see `npm run bench`). Default false:
   * `decodeFec()` returns -1 on the native backend and the caller conceals.
   */
  fec?: boolean;
  /** libopus build to use. Default: WASM when `fec`, else this thread's choice (opusBackend()). */
  backend?: OpusBackend;
}

function checkRate(rate: number): OpusSampleRate {
  if (!(OPUS_SAMPLE_RATES as readonly number[]).includes(rate)) {
    throw new OpusError('bad-config', `Opus sample rate must be one of ${OPUS_SAMPLE_RATES.join(', ')} Hz, not ${rate}`);
  }
  return rate as OpusSampleRate;
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new OpusError('bad-config', `Opus ${name} must be an integer in ${min}–${max}, not ${value}`);
  }
  return value;
}

function engineFor(backend: OpusBackend | undefined): OpusEngine {
  return backend === undefined ? opusEngine() : opusEngineFor(backend);
}

/** Mono Opus encoder on caller buffers. */
export class OpusEncoder implements AudioEncoder {
  readonly codec = 'opus' as const;
  readonly sampleRate: OpusSampleRate;
  /** The libopus build doing the work. */
  readonly backend: OpusBackend;
  #core: OpusEncoderCore;
  #closed = false;

  constructor(options: OpusEncoderOptions = {}) {
    this.sampleRate = checkRate(options.sampleRate ?? 48000);
    const engine = engineFor(options.backend);
    this.backend = engine.backend;
    this.#core = engine.createEncoder(this.sampleRate, options.application ?? 'voip');
    try {
      this.bitrate = options.bitrate ?? 'auto';
      this.complexity = options.complexity ?? OPUS_DEFAULT_COMPLEXITY;
      this.fec = options.fec ?? false;
      this.packetLossPercent = options.packetLossPercent ?? 0;
      this.dtx = options.dtx ?? false;
      this.#core.set(OpusCtl.setVbr, options.vbr === false ? 0 : 1);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Encodes one frame of 2.5, 5, 10, 20, 40 or 60 ms; returns the packet length in bytes. */
  encode(pcm: Int16Array, out: Uint8Array): number {
    return this.#core.encode(pcm, out);
  }

  /** Target bitrate (bit/s) as libopus reports it. Set a number or 'auto'. */
  get bitrate(): number {
    return this.#core.get(OpusCtl.getBitrate);
  }
  set bitrate(value: number | 'auto') {
    this.#core.set(OpusCtl.setBitrate, value === 'auto' ? OPUS_AUTO : checkRange('bitrate', value, 500, 512000));
  }

  get complexity(): number {
    return this.#core.get(OpusCtl.getComplexity);
  }
  set complexity(value: number) {
    this.#core.set(OpusCtl.setComplexity, checkRange('complexity', value, 0, 10));
  }

  /** In-band FEC on/off. */
  get fec(): boolean {
    return this.#core.get(OpusCtl.getInbandFec) !== 0;
  }
  set fec(on: boolean) {
    this.#core.set(OpusCtl.setInbandFec, on ? 1 : 0);
  }

  /** Expected loss (%) the encoder tunes FEC and its robustness for. */
  get packetLossPercent(): number {
    return this.#core.get(OpusCtl.getPacketLossPerc);
  }
  set packetLossPercent(value: number) {
    this.#core.set(OpusCtl.setPacketLossPerc, checkRange('packetLossPercent', value, 0, 100));
  }

  get dtx(): boolean {
    return this.#core.get(OpusCtl.getDtx) !== 0;
  }
  set dtx(on: boolean) {
    this.#core.set(OpusCtl.setDtx, on ? 1 : 0);
  }

  /** Whether the last frame was coded as DTX silence. */
  get inDtx(): boolean {
    return this.#core.get(OpusCtl.getInDtx) !== 0;
  }

  /** Encoder lookahead in samples at `sampleRate`: how far decoded audio lags the input. */
  get lookahead(): number {
    return this.#core.get(OpusCtl.getLookahead);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Frees the libopus state (idempotent); encode() afterwards throws OpusError('closed'). */
  close(): void {
    this.#closed = true;
    this.#core.close();
  }
}

/** Mono Opus decoder on caller buffers, with libopus PLC and in-band FEC. */
export class OpusDecoder implements AudioDecoder {
  readonly codec = 'opus' as const;
  readonly sampleRate: OpusSampleRate;
  /** The libopus build doing the work. */
  readonly backend: OpusBackend;
  /** Whether `decodeFec()` can recover frames on this decoder's backend. */
  readonly canDecodeFec: boolean;
  #core: OpusDecoderCore;
  #closed = false;
  /** Length of the last decoded packet; an empty payload is concealed for this long. */
  #lastSamples: number;

  constructor(options: OpusDecoderOptions = {}) {
    this.sampleRate = checkRate(options.sampleRate ?? 48000);
    if (options.fec && options.backend === 'native') {
      throw new OpusError('bad-config', 'the native Opus addon cannot decode FEC; use backend wasm or leave it unset');
    }
    const engine = engineFor(options.backend ?? (options.fec ? 'wasm' : undefined));
    this.backend = engine.backend;
    this.canDecodeFec = engine.canDecodeFec;
    this.#core = engine.createDecoder(this.sampleRate);
    this.#lastSamples = this.sampleRate / 50;
  }

  /**
   * Decodes one packet into `out`; returns samples written (the packet's duration). An empty
   * payload counts as lost and is concealed for the last packet's duration.
   */
  decode(payload: Uint8Array, out: Int16Array): number {
    if (payload.length === 0) return this.conceal(out, this.#lastSamples);
    const n = this.#core.decode(payload, out);
    this.#lastSamples = n;
    return n;
  }

  /** libopus PLC: exactly `samples` (a multiple of 2.5 ms) of concealment, fading to silence. */
  conceal(out: Int16Array, samples: number): number {
    return this.#core.conceal(out, samples);
  }

  /**
   * Recovers the `samples` lost just before `nextPayload` from its in-band FEC. Returns -1 when the
   * packet carries none or this backend cannot decode it (see `canDecodeFec`); then conceal. After
   * this, decode `nextPayload` itself as usual.
   */
  decodeFec(nextPayload: Uint8Array, out: Int16Array, samples: number): number {
    if (!this.canDecodeFec || !opusPacketHasFec(nextPayload)) return -1;
    const total = opusPacketSamples(nextPayload, this.sampleRate);
    if (total < 0) return -1;
    return this.#core.decodeFec(nextPayload, out, samples);
  }

  /** Duration (samples) of the last packet decoded or concealed. */
  get lastPacketDuration(): number {
    return this.#core.get(OpusCtl.getLastPacketDuration);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Frees the libopus state (idempotent); decode() afterwards throws OpusError('closed'). */
  close(): void {
    this.#closed = true;
    this.#core.close();
  }
}

/** Whether an encoded packet is a DTX/comfort-noise packet that need not be sent (RFC 7587 §3.3). */
export function isOpusDtxPacket(length: number): boolean {
  return length <= OPUS_DTX_MAX_BYTES;
}
