/**
 * dialStream: connect-out, like Twilio's `<Connect><Stream url>` — the gateway is the WebSocket
 * client and dials the bot (ws:// or wss://), then speaks the same protocol as on an accepted
 * socket (`stream.parameters` of the /incoming answer arrive as `start.customParameters`). Resolves
 * with a started StreamLeg, or a StreamError saying why not: 'dial-bad-url', 'dial-timeout' (no
 * upgrade within `connectTimeoutMs`), 'dial-handshake' (another status than 101; `status` set),
 * 'dial-network' (refused, unreachable, TLS) or 'dial-aborted' (the signal fired). Never throws.
 */
import { WebSocket, type ClientOptions } from 'ws';
import { initResampler } from '../../media/index.ts';
import { StreamError } from './stream-error.ts';
import { resolveStreamFormat, type StreamConfig, type StreamEncoding, type StreamMode } from './stream-format.ts';
import { StreamLeg } from './stream-leg.ts';
import type { StreamLegOptions } from './stream-leg-options.ts';
import type { StreamLegResult } from './handle-socket.ts';
import { callPcmRate } from './wire-adapter.ts';

export interface DialStreamOptions extends Omit<StreamLegOptions, 'socket' | 'format'> {
  /** Stream mode. Default 'twilio' (what a Twilio bot expects). */
  mode?: StreamMode;
  /** Wire encoding. Default: the config's (μ-law unless the rate is above 8 kHz). */
  encoding?: StreamEncoding;
  /** Wire sample rate (8000/16000/24000/48000). Default: the config's. */
  sampleRate?: number;
  /** The gateway's `stream` config block. Default μ-law 8 kHz. */
  config?: StreamConfig;
  /** Extra upgrade request headers (e.g. a signature, Authorization). Default none. */
  headers?: Record<string, string>;
  /** Give up when the upgrade has not completed in this long (ms). Default 5000. */
  connectTimeoutMs?: number;
  /** Abort dialling (e.g. the caller hung up first). Default none. */
  signal?: AbortSignal;
  /** TLS settings for wss:// (a private CA, or `rejectUnauthorized: false` in tests). Default Node's. */
  tls?: Pick<ClientOptions, 'ca' | 'rejectUnauthorized' | 'checkServerIdentity'>;
  /** Largest message accepted from the bot (bytes). Default 16 MiB. */
  maxPayload?: number;
  /** Called with the open socket before the leg is made on it (metrics). Default none. */
  onSocket?: (ws: WebSocket) => void;
}

const TLS_CODES = /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/;

export async function dialStream(url: string, options: DialStreamOptions): Promise<StreamLegResult> {
  const { mode, encoding, sampleRate, config, headers, connectTimeoutMs, signal, tls, maxPayload, onSocket, ...legOptions } = options;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return fail('dial-bad-url', `not a URL: ${url.slice(0, 200)}`);
  }
  if (target.protocol !== 'ws:' && target.protocol !== 'wss:') return fail('dial-bad-url', `URL scheme ${target.protocol} is not ws: or wss:`);
  let format;
  try {
    format = resolveStreamFormat({ mode, encoding, sampleRate }, config);
    if (legOptions.callCodec && callPcmRate(legOptions.callCodec) !== format.sampleRate) await initResampler();
  } catch (e) {
    return { ok: false, error: e instanceof StreamError ? e : new StreamError('bad-options', (e as Error).message, { cause: e }) };
  }
  if (signal?.aborted) return fail('dial-aborted', 'aborted before dialling');

  const ws = new WebSocket(target, { headers, maxPayload: maxPayload ?? 16 << 20, perMessageDeflate: false, ...tls });
  ws.on('error', () => {}); // errors are reported through the result (and by the leg once it owns the socket)
  const opened = await new Promise<StreamError | undefined>((resolve) => {
    let done = false;
    const finish = (error: StreamError | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      ws.off('open', onOpen);
      ws.off('error', onError);
      ws.off('unexpected-response', onResponse);
      if (error) ws.terminate();
      resolve(error);
    };
    const onOpen = () => finish(undefined);
    const onError = (e: Error & { code?: string }) => {
      const tlsFailure = TLS_CODES.test(e.code ?? '');
      finish(new StreamError('dial-network', `${tlsFailure ? 'TLS' : 'connect'} to ${target.host} failed: ${e.message}`, { cause: e }));
    };
    const onResponse = (_req: unknown, res: { statusCode?: number }) => {
      const status = res.statusCode ?? 0;
      finish(new StreamError('dial-handshake', `${target.host} answered the upgrade with HTTP ${status}, not 101`, { status }));
    };
    const onAbort = () => finish(new StreamError('dial-aborted', 'aborted while dialling'));
    const timer = setTimeout(
      () => finish(new StreamError('dial-timeout', `no WebSocket upgrade from ${target.host} within ${connectTimeoutMs ?? 5000} ms`)),
      connectTimeoutMs ?? 5000,
    );
    ws.on('open', onOpen);
    ws.on('error', onError);
    ws.on('unexpected-response', onResponse);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  if (opened) return { ok: false, error: opened };
  try {
    onSocket?.(ws);
    return { ok: true, leg: new StreamLeg({ ...legOptions, socket: ws, format }) };
  } catch (e) {
    ws.close(1011);
    return { ok: false, error: e instanceof StreamError ? e : new StreamError('bad-options', (e as Error).message, { cause: e }) };
  }
}

function fail(code: 'dial-bad-url' | 'dial-aborted', message: string): StreamLegResult {
  return { ok: false, error: new StreamError(code, message) };
}
