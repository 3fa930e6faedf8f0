/**
 * WireAdapter: converts between the payloads a StreamLeg exchanges with the call (its `callCodec`,
 * RTP payload level, as gateway/calls' Bridge sees every leg) and the bot's wire format (μ-law
 * 8 kHz, or PCM16 little-endian at 8/16/24/48 kHz).
 *
 * By default the call codec is the wire format itself — PCMU/8000 for μ-law, L16/<rate> for PCM16
 * — so the leg does no audio work beyond a byte swap (RTP L16 is big-endian, RFC 3551; the bot
 * streams little-endian, per the xbridge reference), and the Bridge transcodes/resamples when the
 * other leg differs. Given another call codec (PCMU, PCMA, G.722 or L16 at any resampler rate)
 * the adapter decodes, resamples with media's Speex Resampler where the PCM rates differ, and
 * encodes, so the Bridge can relay untouched (no jitter buffer in the bot → caller path, and mark
 * echoes line up with what the caller hears). Buffers are allocated up front (and grown once
 * should a longer call payload ever arrive); per frame nothing is allocated.
 */
import {
  createDecoder,
  createEncoder,
  int16ToLittleEndian,
  littleEndianToInt16,
  Resampler,
  ulawDecode,
  ulawEncode,
  type AudioDecoder,
  type AudioEncoder,
  type CodecName,
} from '../../media/index.ts';
import { StreamError } from './stream-error.ts';
import type { StreamFormat } from './stream-format.ts';

/** A payload format toward the call; structurally gateway/calls' `LegCodec`. */
export interface CallCodec {
  name: CodecName;
  payloadType: number;
  /** RTP clock rate (8000 for G.722 although it codes 16 kHz). */
  clockRate: number;
  channels: number;
}

/** Dynamic payload type we give L16. */
export const L16_PAYLOAD_TYPE = 96;

/** The call codec that carries the wire format unchanged: PCMU/8000 for μ-law, L16/<rate> for PCM16. */
export function wireCallCodec(format: Pick<StreamFormat, 'encoding' | 'sampleRate'>): CallCodec {
  return format.encoding === 'audio/x-mulaw'
    ? { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 }
    : { name: 'L16', payloadType: L16_PAYLOAD_TYPE, clockRate: format.sampleRate, channels: 1 };
}

/** PCM rate a call codec is coded at. */
export function callPcmRate(codec: CallCodec): number {
  switch (codec.name) {
    case 'PCMU':
    case 'PCMA':
      return 8000;
    case 'G722':
      return 16000;
    case 'L16':
      return codec.clockRate;
    case 'opus':
      throw new StreamError('bad-options', 'a StreamLeg does not code Opus: leave callCodec unset and let the Bridge transcode');
  }
}

/** Samples a payload of `bytes` holds in `codec`. */
function samplesOf(codec: CodecName, bytes: number): number {
  return codec === 'L16' ? bytes >> 1 : codec === 'G722' ? bytes * 2 : bytes;
}

/** A growable buffer with cached views of the last length asked for (no allocation when it repeats). */
class Scratch<T extends Uint8Array | Int16Array> {
  #buf: T;
  #view: T;
  constructor(
    readonly make: (n: number) => T,
    size: number,
  ) {
    this.#buf = make(size);
    this.#view = this.#buf;
  }
  /** The whole buffer, at least `n` long. */
  atLeast(n: number): T {
    if (this.#buf.length < n) this.#buf = this.make(Math.max(n, this.#buf.length * 2));
    return this.#buf;
  }
  /** A view of the first `n` elements. */
  view(n: number): T {
    if (this.#view.buffer !== this.#buf.buffer || this.#view.length !== n) this.#view = this.#buf.subarray(0, n) as T;
    return this.#view;
  }
}

/**
 * Byte-pair swapping (PCM16 LE ⇄ BE) into a reused output: memcpy, then Node's native swap16 on a
 * cached Buffer alias of the same memory. Hands out plain Uint8Array views, so a listener's
 * `payload.slice()` copies as it would for any Uint8Array.
 */
class Swapper {
  readonly #bytes = new Scratch((n) => new Uint8Array(n), 0);
  #alias: Buffer = Buffer.alloc(0);
  constructor(size: number) {
    this.#bytes.atLeast(size);
  }
  swap(src: Uint8Array, length: number): Uint8Array {
    this.#bytes.atLeast(length);
    const view = this.#bytes.view(length);
    view.set(length === src.length ? src : src.subarray(0, length));
    if (this.#alias.buffer !== view.buffer || this.#alias.length !== length) this.#alias = Buffer.from(view.buffer, view.byteOffset, length);
    this.#alias.swap16();
    return view;
  }
}

const bytes = (n: number) => new Uint8Array(n);
const samples = (n: number) => new Int16Array(n);

export class WireAdapter {
  readonly callCodec: CallCodec;
  /** Whether payloads pass unchanged or byte-swapped only (call codec = wire format). */
  readonly passthrough: boolean;
  readonly #format: StreamFormat;
  readonly #callRate: number;
  readonly #decoder: AudioDecoder | undefined;
  readonly #encoder: AudioEncoder | undefined;
  readonly #up: Resampler | undefined;
  readonly #down: Resampler | undefined;
  // toWire path
  readonly #callPcm: Scratch<Int16Array>;
  readonly #wirePcm: Scratch<Int16Array>;
  readonly #wireOut: Scratch<Uint8Array>;
  readonly #toWireSwap: Swapper;
  readonly #fromWireSwap: Swapper;
  // fromWire path
  readonly #framePcm: Int16Array;
  readonly #frameCallPcm: Int16Array;
  readonly #callFrameSamples: number;
  readonly #callOut: Scratch<Uint8Array>;
  #closed = false;

  /** Needs `await initResampler()` first when the call codec's PCM rate differs from the stream's. */
  constructor(format: StreamFormat, callCodec: CallCodec = wireCallCodec(format)) {
    this.#format = format;
    this.callCodec = callCodec;
    this.#callRate = callPcmRate(callCodec);
    const wire = wireCallCodec(format);
    this.passthrough = callCodec.name === wire.name && this.#callRate === format.sampleRate;
    const frameMs = 20;
    this.#callFrameSamples = (this.#callRate * frameMs) / 1000;
    const maxCallSamples = this.#callFrameSamples * 6; // 120 ms payloads without growing
    this.#callPcm = new Scratch(samples, maxCallSamples);
    this.#wirePcm = new Scratch(samples, format.frameSamples * 6 + 16);
    this.#wireOut = new Scratch(bytes, format.frameBytes * 6);
    this.#framePcm = new Int16Array(format.frameSamples);
    this.#callOut = new Scratch(bytes, this.#callFrameSamples * 2 + 16);
    this.#toWireSwap = new Swapper(this.passthrough && format.bytesPerSample === 2 ? format.frameBytes * 6 : 0);
    this.#fromWireSwap = new Swapper(this.passthrough && format.bytesPerSample === 2 ? format.frameBytes : 0);
    if (this.passthrough) {
      this.#frameCallPcm = this.#framePcm;
      return;
    }
    this.#decoder = createDecoder(callCodec.name, { sampleRate: this.#callRate });
    this.#encoder = createEncoder(callCodec.name, { sampleRate: this.#callRate });
    if (this.#callRate !== format.sampleRate) {
      this.#up = new Resampler({ from: this.#callRate, to: format.sampleRate });
      this.#down = new Resampler({ from: format.sampleRate, to: this.#callRate });
      this.#frameCallPcm = new Int16Array(this.#down.maxOutput(format.frameSamples) + 16);
    } else {
      this.#frameCallPcm = this.#framePcm;
    }
  }

  /** Whether a resampler sits in the path. */
  get resampling(): boolean {
    return this.#up !== undefined;
  }

  /** A call payload → wire bytes (a view valid until the next call). */
  toWire(payload: Uint8Array): Uint8Array {
    const f = this.#format;
    if (this.passthrough) {
      if (f.encoding === 'audio/x-mulaw') return payload;
      return this.#toWireSwap.swap(payload, payload.length & ~1);
    }
    const need = samplesOf(this.callCodec.name, payload.length);
    const callPcm = this.#callPcm.atLeast(need);
    const n = this.#decoder!.decode(payload, callPcm);
    let pcm: Int16Array = this.#callPcm.view(n);
    let count = n;
    if (this.#up) {
      const out = this.#wirePcm.atLeast(this.#up.maxOutput(n));
      count = this.#up.process(pcm, out);
      pcm = out;
    }
    const outBytes = count * f.bytesPerSample;
    const out = this.#wireOut.atLeast(outBytes);
    if (f.encoding === 'audio/x-mulaw') ulawEncode(pcm, out, count);
    else int16ToLittleEndian(pcm, out, count);
    return this.#wireOut.view(outBytes);
  }

  /** One 20 ms wire frame → a call payload of 20 ms (a view valid until the next call). */
  fromWire(frame: Uint8Array): Uint8Array {
    const f = this.#format;
    if (this.passthrough) {
      if (f.encoding === 'audio/x-mulaw') return frame;
      return this.#fromWireSwap.swap(frame, f.frameBytes);
    }
    const pcm = this.#framePcm;
    if (f.encoding === 'audio/x-mulaw') ulawDecode(frame, pcm, f.frameSamples);
    else littleEndianToInt16(frame, pcm, f.frameBytes);
    let callPcm = pcm;
    if (this.#down) {
      const all = this.#frameCallPcm;
      const got = this.#down.process(pcm, all);
      if (got < this.#callFrameSamples) all.fill(0, got, this.#callFrameSamples);
      callPcm = all.length === this.#callFrameSamples ? all : this.#callView(all);
    }
    const out = this.#callOut.atLeast(this.#callFrameSamples * 2 + 16);
    const n = this.#encoder!.encode(callPcm, out);
    return this.#callOut.view(n);
  }

  #callFrame: Int16Array | undefined;
  #callView(all: Int16Array): Int16Array {
    return (this.#callFrame ??= all.subarray(0, this.#callFrameSamples));
  }

  /** Free codec and resampler state (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoder?.close?.();
    this.#encoder?.close?.();
    this.#up?.close();
    this.#down?.close();
  }
}
