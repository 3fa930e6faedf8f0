/**
 * handleSocket: attach a bot that connected to us (`GET /ws/:callId[?mode=native&sample_rate=…]`,
 * upgraded by gateway/api) to a call as a StreamLeg. The query picks the format within the
 * `stream` config block (stream-format.ts); a bad query closes the socket with 1008 and returns
 * the error — better still, check it with `parseStreamQuery` before upgrading and answer 400.
 */
import type { WebSocket } from 'ws';
import { StreamError } from './stream-error.ts';
import { parseStreamQuery, type StreamConfig } from './stream-format.ts';
import { StreamLeg } from './stream-leg.ts';
import type { StreamLegOptions } from './stream-leg-options.ts';

export interface HandleSocketParams extends Omit<StreamLegOptions, 'socket' | 'format'> {
  /** The upgrade URL's query: `mode` (twilio|native), `encoding`, `sample_rate`; others ignored. Default none. */
  query?: URLSearchParams | Record<string, string | undefined>;
  /** The gateway's `stream` config block. Default μ-law 8 kHz. */
  config?: StreamConfig;
}

export type StreamLegResult = { ok: true; leg: StreamLeg } | { ok: false; error: StreamError };

export function handleSocket(ws: WebSocket, params: HandleSocketParams): StreamLegResult {
  const { query, config, ...legOptions } = params;
  const parsed = parseStreamQuery(query ?? {}, config);
  if (!parsed.ok) {
    ws.close(1008, parsed.error.message.slice(0, 120));
    return parsed;
  }
  try {
    return { ok: true, leg: new StreamLeg({ ...legOptions, socket: ws, format: parsed.format }) };
  } catch (e) {
    const error = e instanceof StreamError ? e : new StreamError('bad-options', (e as Error).message, { cause: e });
    ws.close(1011, error.message.slice(0, 120));
    return { ok: false, error };
  }
}
