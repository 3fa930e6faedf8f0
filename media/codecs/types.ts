/**
 * The codec contract of the media core: every encoder/decoder (G.711, G.722, Opus, L16) works on
 * caller-provided buffers so the 20 ms hot path allocates nothing per frame.
 */

/** Names as used in SDP rtpmap (upper-case except opus), plus 'L16'. */
export type CodecName = 'PCMU' | 'PCMA' | 'G722' | 'opus' | 'L16';

export interface AudioEncoder {
  readonly codec: CodecName;
  /** Rate of the PCM this encoder consumes (Hz). */
  readonly sampleRate: number;
  /**
   * Encode one frame of mono PCM16 into `out`; returns the number of bytes written.
   * Throws RangeError when `out` is too small.
   */
  encode(pcm: Int16Array, out: Uint8Array): number;
  /** Release native/WASM resources (idempotent). */
  close?(): void;
}

export interface AudioDecoder {
  readonly codec: CodecName;
  /** Rate of the PCM this decoder produces (Hz). */
  readonly sampleRate: number;
  /** Decode one payload into `out`; returns the number of samples written. */
  decode(payload: Uint8Array, out: Int16Array): number;
  /**
   * Packet-loss concealment: synthesize `samples` samples for a missing frame into `out`;
   * returns samples written. Codecs without native PLC repeat/fade the last frame.
   */
  conceal(out: Int16Array, samples: number): number;
  /**
   * Forward error correction: recover the frame *before* `nextPayload` from its in-band FEC data.
   * Returns samples written, or -1 when the codec/packet carries no FEC (caller then conceals).
   */
  decodeFec?(nextPayload: Uint8Array, out: Int16Array, samples: number): number;
  close?(): void;
}
