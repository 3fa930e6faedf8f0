/**
 * The audio of POST /v1/calls/{call_id}/play, as PCM16 8 kHz mono samples: either inline
 * (`audio`: base64 raw PCM16 LE) or a WAV file at `url`, fetched with a timeout and a size limit
 * (the download is aborted as soon as it exceeds the limit) and required to be 8000 Hz, mono,
 * 16-bit PCM. Failures are ApiErrors: 400 for what the client sent (bad base64, odd byte count,
 * WAV format), 500 for a fetch that failed (network, non-2xx, timeout, too large).
 */
import { ApiError } from '../errors/api-error.ts';
import { readWav, WavFormatError } from '../../../media/index.ts';

export interface PlayFetchOptions {
  /** Whole download, headers and body (ms). Default 10 000. */
  timeoutMs?: number;
  /** Largest WAV file (and largest inline audio) accepted, in bytes. Default 10 MiB. */
  maxBytes?: number;
  /** The fetch implementation. Default: global fetch. */
  fetch?: typeof fetch;
}

/** Exactly one of the two is set (the request schema enforces it). */
export interface PlaySource {
  url?: string;
  audio?: string;
}

export const DEFAULT_PLAY_TIMEOUT_MS = 10_000;
export const DEFAULT_PLAY_MAX_BYTES = 10 * 1024 * 1024;
const PLAY_RATE = 8000;
const NEED = 'the play API needs 8000 Hz, mono, 16-bit PCM';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The samples to play for `source`. */
export async function loadPlayAudio(source: PlaySource, options: PlayFetchOptions = {}): Promise<Int16Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_PLAY_MAX_BYTES;
  if (source.audio !== undefined) return decodePcmBase64(source.audio, maxBytes);
  if (source.url !== undefined) return wavToPlayPcm(await fetchLimited(source.url, options));
  throw new ApiError(400, 'No audio source');
}

/** Base64 raw PCM16 LE → samples; whitespace (line-wrapped base64) is ignored. */
export function decodePcmBase64(audio: string, maxBytes = DEFAULT_PLAY_MAX_BYTES): Int16Array {
  const text = audio.replace(/\s+/g, '');
  if (!BASE64.test(text)) throw new ApiError(400, 'audio: invalid base64');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0) throw new ApiError(400, 'audio: empty');
  if (bytes.length % 2 !== 0) throw new ApiError(400, `audio: odd byte count ${bytes.length} (PCM16 needs 2 bytes per sample)`);
  if (bytes.length > maxBytes) throw new ApiError(400, `audio: larger than ${maxBytes} bytes`);
  const samples = new Int16Array(bytes.length / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
  return samples;
}

/** A WAV file's samples, when it is 8000 Hz mono PCM16 with at least one sample. */
export function wavToPlayPcm(file: Uint8Array): Int16Array {
  let wav;
  try {
    wav = readWav(file);
  } catch (err) {
    if (err instanceof WavFormatError) {
      throw new ApiError(400, `WAV format error: ${err.message.replace(/ \(supported: [^)]*\)$/, '')}; ${NEED}`, { cause: err });
    }
    throw err;
  }
  if (wav.sampleRate !== PLAY_RATE) throw new ApiError(400, `WAV format error: sample rate ${wav.sampleRate} Hz; ${NEED}`);
  if (wav.channels !== 1) throw new ApiError(400, `WAV format error: ${wav.channels} channels; ${NEED}`);
  if (wav.samples.length === 0) throw new ApiError(400, 'WAV format error: no audio samples');
  return wav.samples;
}

/** GETs `url` into memory within `timeoutMs` and `maxBytes`; 500 ApiError otherwise. */
export async function fetchLimited(url: string, options: PlayFetchOptions = {}): Promise<Uint8Array> {
  const { timeoutMs = DEFAULT_PLAY_TIMEOUT_MS, maxBytes = DEFAULT_PLAY_MAX_BYTES, fetch: fetchFn = fetch } = options;
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, timeoutMs);
  const tooLarge = () => new ApiError(500, `Audio fetch failed: larger than ${maxBytes} bytes`);
  try {
    const res = await fetchFn(url, { signal: abort.signal, redirect: 'follow' });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new ApiError(500, `Audio fetch failed: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    }
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      abort.abort();
      throw tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          abort.abort();
          throw tooLarge();
        }
        chunks.push(value);
      }
    }
    return Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (timedOut) throw new ApiError(500, `Audio fetch failed: timed out after ${timeoutMs / 1000} s`, { cause: err });
    throw new ApiError(500, `Audio fetch failed: ${describe(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** undici's "fetch failed" hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, …). */
function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
