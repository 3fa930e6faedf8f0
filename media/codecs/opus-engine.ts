/**
 * The seam between Patchbay's Opus codec and a libopus build: the small interface both backends
 * (the `@evan/opus` native addon and its WASM build) implement, the libopus CTL numbers we use, and
 * the typed error they throw.
 */

/** Which libopus build does the work. */
export type OpusBackend = 'native' | 'wasm';

/** libopus application (OPUS_APPLICATION_*). */
export type OpusApplication = 'voip' | 'audio' | 'restricted_lowdelay';

/** Rates libopus encodes from and decodes to. */
export type OpusSampleRate = 8000 | 12000 | 16000 | 24000 | 48000;

export const OPUS_SAMPLE_RATES: readonly OpusSampleRate[] = [8000, 12000, 16000, 24000, 48000];

/** OPUS_APPLICATION_* values. */
export const OPUS_APPLICATION: Record<OpusApplication, number> = {
  voip: 2048,
  audio: 2049,
  restricted_lowdelay: 2051,
};

/** The libopus CTL requests we use (opus_defines.h). */
export const OpusCtl = {
  setBitrate: 4002,
  getBitrate: 4003,
  setVbr: 4006,
  getVbr: 4007,
  setComplexity: 4010,
  getComplexity: 4011,
  setInbandFec: 4012,
  getInbandFec: 4013,
  setPacketLossPerc: 4014,
  getPacketLossPerc: 4015,
  setDtx: 4016,
  getDtx: 4017,
  setSignal: 4024,
  getLookahead: 4027,
  getSampleRate: 4029,
  getLastPacketDuration: 4039,
  getInDtx: 4049,
} as const;

/** OPUS_AUTO / OPUS_SIGNAL_VOICE. */
export const OPUS_AUTO = -1000;
export const OPUS_SIGNAL_VOICE = 3001;

/** Largest Opus packet (RFC 6716 §3.4 R2 × 3 frames of 120 ms) we let an encoder write. */
export const OPUS_MAX_PACKET = 4000;
/** Longest frame libopus handles: 120 ms at 48 kHz. */
export const OPUS_MAX_FRAME = 5760;

export type OpusErrorCode =
  | 'bad-arg'
  | 'buffer-too-small'
  | 'internal'
  | 'invalid-packet'
  | 'unimplemented'
  | 'invalid-state'
  | 'alloc-fail'
  | 'bad-config'
  | 'closed'
  | 'backend-unavailable';

const LIBOPUS_CODES: Record<number, OpusErrorCode> = {
  [-1]: 'bad-arg',
  [-2]: 'buffer-too-small',
  [-3]: 'internal',
  [-4]: 'invalid-packet',
  [-5]: 'unimplemented',
  [-6]: 'invalid-state',
  [-7]: 'alloc-fail',
};

/** Names the native addon (Rust `audiopus`) uses in its error messages, e.g. `Opus(BadArgument)`. */
const NATIVE_NAMES: Record<string, OpusErrorCode> = {
  BadArgument: 'bad-arg',
  BufferTooSmall: 'buffer-too-small',
  InternalError: 'internal',
  InvalidPacket: 'invalid-packet',
  Unimplemented: 'unimplemented',
  InvalidState: 'invalid-state',
  AllocFail: 'alloc-fail',
};

/** An Opus failure a caller can act on by `code`. */
export class OpusError extends Error {
  override readonly name = 'OpusError';
  constructor(
    readonly code: OpusErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** From a negative libopus return value. */
  static fromLibopus(result: number, what: string): OpusError {
    const code = LIBOPUS_CODES[result] ?? 'internal';
    return new OpusError(code, `${what}: libopus error ${result} (${code})`);
  }

  /** From an exception thrown by the native addon. */
  static fromNative(err: unknown, what: string): OpusError {
    const text = err instanceof Error ? err.message : String(err);
    const name = /Opus\((\w+)\)/.exec(text)?.[1];
    return new OpusError((name && NATIVE_NAMES[name]) || 'internal', `${what}: ${text}`);
  }
}

/** One libopus encoder state (mono). */
export interface OpusEncoderCore {
  /** Encodes one frame (2.5–60 ms); returns bytes written. RangeError when `out` is too small. */
  encode(pcm: Int16Array, out: Uint8Array): number;
  /** opus_encoder_ctl set request. */
  set(request: number, value: number): void;
  /** opus_encoder_ctl get request. */
  get(request: number): number;
  /** Frees the state (idempotent). */
  close(): void;
}

/** One libopus decoder state (mono). */
export interface OpusDecoderCore {
  /** Decodes one packet; returns samples written. RangeError when `out` is too small. */
  decode(payload: Uint8Array, out: Int16Array): number;
  /** libopus PLC for `samples` (a multiple of 2.5 ms); returns samples written. */
  conceal(out: Int16Array, samples: number): number;
  /**
   * opus_decode(..., decode_fec = 1): the `samples` before `payload` from its LBRR data. Returns
   * -1 when this backend cannot decode FEC.
   */
  decodeFec(payload: Uint8Array, out: Int16Array, samples: number): number;
  /** opus_decoder_ctl get request. */
  get(request: number): number;
  /** Frees the state (idempotent). */
  close(): void;
}

/** A loaded libopus build. */
export interface OpusEngine {
  readonly backend: OpusBackend;
  /** Whether decoders can run `opus_decode` with `decode_fec = 1`. */
  readonly canDecodeFec: boolean;
  createEncoder(sampleRate: OpusSampleRate, application: OpusApplication): OpusEncoderCore;
  createDecoder(sampleRate: OpusSampleRate): OpusDecoderCore;
}

/** Throws unless `samples` is a whole number of 2.5 ms blocks at `sampleRate` (libopus's PLC/FEC rule). */
export function checkPlcSamples(samples: number, sampleRate: number, out: Int16Array): void {
  if (!Number.isInteger(samples) || samples <= 0 || samples % (sampleRate / 400) !== 0) {
    throw new OpusError('bad-arg', `PLC/FEC length must be a multiple of 2.5 ms (${sampleRate / 400} samples), got ${samples}`);
  }
  if (samples > out.length) throw new RangeError(`output holds ${out.length} samples, need ${samples}`);
}
