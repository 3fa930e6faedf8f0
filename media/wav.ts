/**
 * WAV (RIFF/WAVE) reading and writing for the formats the media core uses: 16-bit PCM, mono or
 * stereo, at 8, 16, 24 or 48 kHz. Everything else is refused with a {@link WavFormatError} naming
 * the problem. Reading tolerates what real files contain: extra chunks (LIST, fact, …), odd-size
 * chunks with their pad byte, WAVE_FORMAT_EXTENSIBLE headers carrying PCM, and a data chunk that
 * claims more bytes than the file holds (a WAV written while streaming), which is clamped.
 *
 * Works on Uint8Array (a Node Buffer is one), so it runs in browsers and workers too.
 */

/** Sample rates accepted by {@link readWav} and {@link writeWav}. */
export const WAV_SAMPLE_RATES: readonly number[] = [8000, 16000, 24000, 48000];

/** What went wrong, for callers that act on it. */
export type WavErrorCode =
  | 'truncated' // the header or a required chunk ends early
  | 'not-wav' // not a RIFF/WAVE file
  | 'missing-chunk' // no fmt or no data chunk
  | 'garbled' // header fields contradict each other
  | 'unsupported-encoding' // not integer PCM (float, A-law, ADPCM, …)
  | 'unsupported-bits' // PCM but not 16 bits per sample
  | 'unsupported-channels' // not mono or stereo
  | 'unsupported-rate'; // not one of WAV_SAMPLE_RATES

/** Thrown for a WAV this module cannot or will not handle. */
export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
  constructor(
    /** Machine-readable reason. */
    readonly code: WavErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Decoded audio: interleaved PCM16 frames. */
export interface WavAudio {
  sampleRate: number;
  /** 1 (mono) or 2 (stereo). */
  channels: number;
  /** Interleaved samples; length is a multiple of `channels`. */
  samples: Int16Array;
}

const FORMAT_PCM = 0x0001;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Well-known format tags, for error messages. */
const FORMAT_NAMES: Record<number, string> = {
  0x0002: 'MS ADPCM',
  0x0003: 'IEEE float',
  0x0006: 'A-law',
  0x0007: 'μ-law',
  0x0011: 'IMA ADPCM',
  0x0055: 'MP3',
};

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

function u16(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}

function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

function checkRate(sampleRate: number): void {
  if (!WAV_SAMPLE_RATES.includes(sampleRate)) {
    throw new WavFormatError(
      'unsupported-rate',
      `unsupported sample rate ${sampleRate} Hz (supported: ${WAV_SAMPLE_RATES.join(', ')})`,
    );
  }
}

function checkChannels(channels: number): void {
  if (channels !== 1 && channels !== 2) {
    throw new WavFormatError('unsupported-channels', `unsupported channel count ${channels} (supported: 1, 2)`);
  }
}

/** Parses a WAV file. Throws {@link WavFormatError} for anything but PCM16 mono/stereo at a supported rate. */
export function readWav(buf: Uint8Array): WavAudio {
  if (buf.length < 12) {
    throw new WavFormatError('truncated', `truncated header: ${buf.length} bytes, a WAV needs at least 44`);
  }
  const riff = fourcc(buf, 0);
  if (riff !== 'RIFF') {
    const hint =
      riff === 'RIFX' ? ' (big-endian RIFX is not supported)' : riff === 'RF64' ? ' (RF64 is not supported)' : '';
    throw new WavFormatError('not-wav', `not a RIFF file: starts with ${JSON.stringify(riff)}${hint}`);
  }
  if (fourcc(buf, 8) !== 'WAVE') {
    throw new WavFormatError('not-wav', `RIFF form type is ${JSON.stringify(fourcc(buf, 8))}, not "WAVE"`);
  }

  let fmtAt = -1;
  let fmtSize = 0;
  let dataAt = -1;
  let dataSize = 0;
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = fourcc(buf, at);
    const size = u32(buf, at + 4);
    const body = at + 8;
    if (id === 'fmt ' && fmtAt < 0) {
      fmtAt = body;
      fmtSize = size;
    } else if (id === 'data' && dataAt < 0) {
      dataAt = body;
      // A streaming writer leaves the size at 0xffffffff (or any too-large value): clamp to the file.
      dataSize = Math.min(size, buf.length - body);
    }
    if (dataAt >= 0 && fmtAt >= 0) break;
    at = body + size + (size & 1); // chunks are padded to an even length
  }

  if (fmtAt < 0) throw new WavFormatError('missing-chunk', 'missing fmt chunk');
  if (fmtSize < 16 || fmtAt + 16 > buf.length) {
    throw new WavFormatError('truncated', `truncated fmt chunk: ${Math.min(fmtSize, buf.length - fmtAt)} bytes, need 16`);
  }
  let format = u16(buf, fmtAt);
  const channels = u16(buf, fmtAt + 2);
  const sampleRate = u32(buf, fmtAt + 4);
  const byteRate = u32(buf, fmtAt + 8);
  const blockAlign = u16(buf, fmtAt + 12);
  const bits = u16(buf, fmtAt + 14);
  if (format === FORMAT_EXTENSIBLE) {
    if (fmtSize < 40 || fmtAt + 40 > buf.length) {
      throw new WavFormatError('truncated', 'truncated WAVE_FORMAT_EXTENSIBLE fmt chunk (need 40 bytes)');
    }
    format = u16(buf, fmtAt + 24); // first two bytes of the sub-format GUID carry the format tag
  }
  if (format !== FORMAT_PCM) {
    const name = FORMAT_NAMES[format] ?? `format tag 0x${format.toString(16).padStart(4, '0')}`;
    throw new WavFormatError('unsupported-encoding', `unsupported encoding ${name} (supported: 16-bit integer PCM)`);
  }
  if (bits !== 16) {
    throw new WavFormatError('unsupported-bits', `unsupported sample size ${bits} bits (supported: 16-bit PCM)`);
  }
  checkChannels(channels);
  checkRate(sampleRate);
  if (blockAlign !== channels * 2 || byteRate !== sampleRate * blockAlign) {
    throw new WavFormatError(
      'garbled',
      `garbled fmt chunk: block align ${blockAlign} / byte rate ${byteRate} ` +
        `do not match ${channels} ch × 16 bit at ${sampleRate} Hz`,
    );
  }
  if (dataAt < 0) throw new WavFormatError('missing-chunk', 'missing data chunk');

  const frames = Math.floor(dataSize / blockAlign);
  const samples = new Int16Array(frames * channels);
  for (let i = 0, p = dataAt; i < samples.length; i++, p += 2) {
    samples[i] = buf[p]! | (buf[p + 1]! << 8); // Int16Array store wraps to signed
  }
  return { sampleRate, channels, samples };
}

/** Size of the canonical header {@link writeWavHeader} writes. */
export const WAV_HEADER_BYTES = 44;

/**
 * Writes a canonical 44-byte PCM16 header into `out` (at `offset`) for `dataBytes` of audio; for
 * recorders that stream samples and patch the sizes at the end. Returns {@link WAV_HEADER_BYTES}.
 */
export function writeWavHeader(
  out: Uint8Array,
  sampleRate: number,
  channels: number,
  dataBytes: number,
  offset = 0,
): number {
  checkRate(sampleRate);
  checkChannels(channels);
  if (out.length - offset < WAV_HEADER_BYTES) throw new RangeError('writeWavHeader: output shorter than 44 bytes');
  const view = new DataView(out.buffer, out.byteOffset + offset, WAV_HEADER_BYTES);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) view.setUint8(at + i, s.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, Math.min(0xffffffff, 36 + dataBytes), true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, Math.min(0xffffffff, dataBytes), true);
  return WAV_HEADER_BYTES;
}

/** Serialises interleaved PCM16 as a canonical WAV file. */
export function writeWav(audio: WavAudio): Uint8Array {
  const { sampleRate, channels, samples } = audio;
  checkChannels(channels);
  if (samples.length % channels !== 0) {
    throw new RangeError(`writeWav: ${samples.length} samples is not a whole number of ${channels}-channel frames`);
  }
  const out = new Uint8Array(WAV_HEADER_BYTES + samples.length * 2);
  writeWavHeader(out, sampleRate, channels, samples.length * 2);
  for (let i = 0, p = WAV_HEADER_BYTES; i < samples.length; i++, p += 2) {
    const s = samples[i]!;
    out[p] = s & 0xff;
    out[p + 1] = (s >> 8) & 0xff;
  }
  return out;
}

/**
 * Mixes interleaved multi-channel audio down to mono by averaging channels (rounding toward −∞,
 * so no clipping). Writes into `out` when given (must hold samples/channels), else allocates.
 */
export function downmixToMono(samples: Int16Array, channels: number, out?: Int16Array): Int16Array {
  const frames = Math.floor(samples.length / channels);
  const dest = out ?? new Int16Array(frames);
  if (dest.length < frames) throw new RangeError(`downmixToMono: out holds ${dest.length}, ${frames} needed`);
  if (channels === 1) {
    dest.set(samples.subarray(0, frames));
  } else if (channels === 2) {
    for (let i = 0, p = 0; i < frames; i++, p += 2) dest[i] = (samples[p]! + samples[p + 1]!) >> 1;
  } else {
    for (let i = 0, p = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += samples[p++]!;
      dest[i] = Math.floor(sum / channels);
    }
  }
  return dest;
}

/** Reads a WAV and returns its audio as mono (stereo is averaged). */
export function readWavMono(buf: Uint8Array): { sampleRate: number; samples: Int16Array } {
  const wav = readWav(buf);
  return { sampleRate: wav.sampleRate, samples: downmixToMono(wav.samples, wav.channels) };
}
