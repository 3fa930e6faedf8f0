/**
 * The audio format of a bot stream: mode (`twilio` JSON/base64 text frames, or `native` binary
 * frames), encoding (`audio/x-mulaw`, 8 kHz only, or `audio/x-l16`, little-endian PCM16 at
 * 8/16/24/48 kHz) and the sizes of one 20 ms frame. Resolved from the `stream` config block and a
 * per-stream request (query parameters of `/ws/:callId`, or a connect-out's options):
 *
 * - a request field overrides the config field;
 * - `native` mode always carries PCM16 LE (`audio/x-l16`), as the xbridge reference defines it;
 * - μ-law exists only at 8 kHz: a rate above 8 kHz without an explicitly requested encoding means
 *   `audio/x-l16` (so `?sample_rate=16000` just works), an explicit `audio/x-mulaw` at another
 *   rate is a 'bad-format' error.
 */
import { z } from 'zod';
import { StreamError } from './stream-error.ts';

export type StreamMode = 'twilio' | 'native';
export type StreamEncoding = 'audio/x-mulaw' | 'audio/x-l16';
export type StreamSampleRate = 8000 | 16000 | 24000 | 48000;

export const STREAM_SAMPLE_RATES: readonly StreamSampleRate[] = [8000, 16000, 24000, 48000];

/** Frame duration of the stream (ms): what we send per tick and play per tick. */
export const STREAM_FRAME_MS = 20;

/** A resolved stream format with its frame arithmetic. */
export interface StreamFormat {
  mode: StreamMode;
  encoding: StreamEncoding;
  sampleRate: StreamSampleRate;
  /** Bytes per sample on the wire: 1 (μ-law) or 2 (PCM16 LE). */
  bytesPerSample: 1 | 2;
  /** Samples in one 20 ms frame. */
  frameSamples: number;
  /** Bytes in one 20 ms frame (160 μ-law; 320/640/960/1920 PCM16 at 8/16/24/48 kHz). */
  frameBytes: number;
  /** The byte that fills silence (0xff μ-law, 0x00 PCM16). */
  silenceByte: number;
}

/** What a stream asks for; every field optional (the config decides the rest). */
export interface StreamFormatRequest {
  mode?: StreamMode;
  encoding?: StreamEncoding;
  sampleRate?: number;
}

/** The `stream` block of the gateway config (xbridge keys). */
export interface StreamConfig {
  encoding: StreamEncoding;
  sample_rate: number;
}

export const DEFAULT_STREAM_CONFIG: StreamConfig = { encoding: 'audio/x-mulaw', sample_rate: 8000 };

function isRate(r: number): r is StreamSampleRate {
  return (STREAM_SAMPLE_RATES as readonly number[]).includes(r);
}

/** Resolve a request against the config; throws StreamError('bad-format') for what we cannot carry. */
export function resolveStreamFormat(request: StreamFormatRequest = {}, config: StreamConfig = DEFAULT_STREAM_CONFIG): StreamFormat {
  const mode = request.mode ?? 'twilio';
  const sampleRate = request.sampleRate ?? config.sample_rate;
  if (!isRate(sampleRate)) {
    throw new StreamError('bad-format', `sample rate ${sampleRate} Hz: use one of ${STREAM_SAMPLE_RATES.join(', ')}`);
  }
  let encoding: StreamEncoding;
  if (mode === 'native') {
    if (request.encoding === 'audio/x-mulaw') throw new StreamError('bad-format', 'native mode carries PCM16 (audio/x-l16) only');
    encoding = 'audio/x-l16';
  } else if (request.encoding !== undefined) {
    encoding = request.encoding;
    if (encoding === 'audio/x-mulaw' && sampleRate !== 8000) {
      throw new StreamError('bad-format', `audio/x-mulaw is 8000 Hz only, not ${sampleRate} Hz (use audio/x-l16)`);
    }
  } else {
    encoding = sampleRate === 8000 ? config.encoding : 'audio/x-l16';
  }
  const bytesPerSample = encoding === 'audio/x-mulaw' ? 1 : 2;
  const frameSamples = (sampleRate * STREAM_FRAME_MS) / 1000;
  return {
    mode,
    encoding,
    sampleRate,
    bytesPerSample,
    frameSamples,
    frameBytes: frameSamples * bytesPerSample,
    silenceByte: encoding === 'audio/x-mulaw' ? 0xff : 0,
  };
}

/** Query parameters of `GET /ws/:callId`: `mode`, `encoding`, `sample_rate`; others are ignored. */
export const streamQuerySchema = z.object({
  mode: z.enum(['twilio', 'native']).optional(),
  encoding: z.enum(['audio/x-mulaw', 'audio/x-l16']).optional(),
  sample_rate: z
    .string()
    .regex(/^\d+$/, 'an integer number of Hz')
    .transform(Number)
    .refine(isRate, { message: `one of ${STREAM_SAMPLE_RATES.join(', ')}` })
    .optional(),
});

/**
 * Parse a WS URL's query into a format (for the HTTP upgrade: answer 400 with `error.message`
 * before upgrading when it fails).
 */
export function parseStreamQuery(
  query: URLSearchParams | Record<string, string | undefined>,
  config: StreamConfig = DEFAULT_STREAM_CONFIG,
): { ok: true; format: StreamFormat } | { ok: false; error: StreamError } {
  const raw = query instanceof URLSearchParams ? Object.fromEntries(query) : query;
  const parsed = streamQuerySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: new StreamError('bad-format', `query ${issue.path.join('.')}: ${issue.message}`) };
  }
  const q = parsed.data;
  try {
    return { ok: true, format: resolveStreamFormat({ mode: q.mode, encoding: q.encoding, sampleRate: q.sample_rate }, config) };
  } catch (e) {
    return { ok: false, error: e as StreamError };
  }
}
