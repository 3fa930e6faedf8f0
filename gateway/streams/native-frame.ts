/**
 * Native binary mode framing (xbridge reference, "Native Binary Mode"): one audio frame per binary
 * WebSocket message, `[0x01][length: 2 bytes big-endian][PCM16 little-endian: length bytes]`, where
 * length counts the audio bytes only (not the 3-byte header). Used in both directions; control
 * messages (mark, clear, and our connected/start/dtmf/mark/stop/error) stay JSON text frames.
 */

/** Tag byte of an audio frame. */
export const NATIVE_AUDIO_TAG = 0x01;
/** Header bytes before the audio. */
export const NATIVE_HEADER_BYTES = 3;
/** Largest audio payload a frame can declare (16-bit length), rounded down to whole samples. */
export const NATIVE_MAX_AUDIO_BYTES = 0xfffe;

/** Write a frame of `audio` (PCM16 LE) into `out` (≥ 3 + audio bytes); returns the frame length. */
export function writeNativeFrame(audio: Uint8Array, out: Uint8Array, length = audio.length): number {
  if (length > NATIVE_MAX_AUDIO_BYTES) throw new RangeError(`native frame audio ${length} bytes > ${NATIVE_MAX_AUDIO_BYTES}`);
  if (out.length < NATIVE_HEADER_BYTES + length) throw new RangeError(`native frame needs ${NATIVE_HEADER_BYTES + length} bytes, out holds ${out.length}`);
  out[0] = NATIVE_AUDIO_TAG;
  out[1] = (length >> 8) & 0xff;
  out[2] = length & 0xff;
  out.set(length === audio.length ? audio : audio.subarray(0, length), NATIVE_HEADER_BYTES);
  return NATIVE_HEADER_BYTES + length;
}

export type NativeFrameResult = { ok: true; audio: Uint8Array } | { ok: false; reason: string };

/**
 * Check a received binary message: the tag, the declared length against the bytes present, and
 * whole 16-bit samples. On success `audio` is a view into `frame` (no copy).
 */
export function parseNativeFrame(frame: Uint8Array): NativeFrameResult {
  if (frame.length < NATIVE_HEADER_BYTES) return { ok: false, reason: `binary frame of ${frame.length} bytes is shorter than the 3-byte header` };
  if (frame[0] !== NATIVE_AUDIO_TAG) return { ok: false, reason: `binary frame tag 0x${frame[0]!.toString(16).padStart(2, '0')} is not 0x01 (audio)` };
  const length = (frame[1]! << 8) | frame[2]!;
  const present = frame.length - NATIVE_HEADER_BYTES;
  if (length !== present) return { ok: false, reason: `binary frame declares ${length} audio bytes but carries ${present}` };
  if (length === 0) return { ok: false, reason: 'binary frame carries no audio' };
  if (length % 2 !== 0) return { ok: false, reason: `binary frame audio of ${length} bytes is not whole 16-bit samples` };
  return { ok: true, audio: frame.subarray(NATIVE_HEADER_BYTES) };
}
