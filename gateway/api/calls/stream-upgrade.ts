/**
 * The bot WebSocket endpoint `GET /ws/{call_id}[?mode=native&encoding=…&sample_rate=…]`, as an
 * UpgradeHandler for the gateway's upgrade routing. It claims every upgrade under /ws/ and, in
 * order: checks the bearer key when `auth.api_key` is set (401), applies the rate limit (429),
 * requires a call that streams (404), validates the query (400) — each refusal a raw HTTP answer
 * with a JSON `{"message"}` body — and only then upgrades and hands the socket to
 * `control.attachStream`. Open sockets are counted in patchbay_ws_connections (and their frames).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CallControl } from '../../calls/control/types.ts';
import type { Logger } from '../../observability/index.ts';
import { parseStreamQuery, type StreamConfig } from '../../streams/index.ts';
import type { UpgradeHandler } from '../../sip/stack/index.ts';
import { bearerFailure, principalOf } from '../auth/bearer-auth.ts';
import { RateLimiter, type RateLimitOptions } from '../rate-limit/rate-limiter.ts';
import { CALL_NOT_FOUND } from './control-errors.ts';
import { refuseUpgrade } from './upgrade-reply.ts';
import { countSocket, type WsMetrics } from './ws-metrics.ts';

export const STREAM_PATH_PREFIX = '/ws/';

export interface StreamUpgradeOptions {
  /** The call engine: `get`/`canStream` decide, `attachStream` takes the socket. Required. */
  control: Pick<CallControl, 'get' | 'canStream' | 'attachStream'>;
  /** `auth.api_key`: when set, upgrades need `Authorization: Bearer <key>`. Default: open. */
  apiKey?: string;
  /** `rate_limit` for upgrades: options, or `{ limiter }` to share one with the HTTP API. Default: no limit. */
  rateLimit?: RateLimitOptions | { limiter: RateLimiter };
  /** The `stream` config block the query is resolved against. Default: μ-law 8 kHz. */
  streamConfig?: StreamConfig;
  /** patchbay_ws_connections / patchbay_ws_frames_total. Default: not counted. */
  metrics?: WsMetrics;
  /** Logs attach failures. Default: none. */
  logger?: Logger;
  /** Largest message a bot may send (bytes; ws closes with 1009 beyond it). Default 4 MiB. */
  maxPayload?: number;
}

export class StreamUpgrades {
  readonly #options: StreamUpgradeOptions;
  readonly #wss: WebSocketServer;
  readonly #limiter: RateLimiter | undefined;
  readonly #principal: string | undefined;
  #closed = false;

  constructor(options: StreamUpgradeOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: options.maxPayload ?? 4 * 1024 * 1024 });
    const rl = options.rateLimit;
    this.#limiter = rl && ('limiter' in rl ? rl.limiter : rl.requestsPerSecond > 0 ? new RateLimiter(rl) : undefined);
    this.#principal = options.apiKey ? principalOf(options.apiKey) : undefined;
  }

  /** Bot sockets open now. */
  get connections(): number {
    return this.#wss.clients.size;
  }

  /** For the gateway's upgrade routing: claims upgrades under /ws/ (true), leaves others (false). */
  readonly upgradeHandler: UpgradeHandler = (req, socket, head) => {
    if (this.#closed) return false;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(STREAM_PATH_PREFIX)) return false;
    socket.on('error', () => {});
    this.#handle(req, socket, head, url);
    return true;
  };

  /** Closes every bot socket (1001) and stops taking upgrades. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const ws of this.#wss.clients) ws.close(1001, 'gateway shutting down');
    this.#wss.close();
  }

  #handle(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const { apiKey, control } = this.#options;
    if (apiKey) {
      const failure = bearerFailure(req.headers.authorization, apiKey);
      if (failure) return refuseUpgrade(socket, 401, failure, { 'WWW-Authenticate': 'Bearer' });
    }
    if (this.#limiter) {
      const decision = this.#limiter.take(this.#principal ?? `ip:${req.socket.remoteAddress ?? 'unknown'}`);
      if (!decision.ok) return refuseUpgrade(socket, 429, 'Too many requests', { 'Retry-After': String(decision.retryAfterSeconds) });
    }
    const callId = callIdOf(url.pathname);
    if (callId === undefined || !control.get(callId)) return refuseUpgrade(socket, 404, CALL_NOT_FOUND);
    if (!control.canStream(callId)) return refuseUpgrade(socket, 404, 'Call does not stream');
    const query = parseStreamQuery(url.searchParams, this.#options.streamConfig);
    if (!query.ok) return refuseUpgrade(socket, 400, query.error.message);
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#attach(callId, ws, url.searchParams));
  }

  #attach(callId: string, ws: WebSocket, query: URLSearchParams): void {
    if (this.#options.metrics) countSocket(ws, this.#options.metrics);
    try {
      this.#options.control.attachStream(callId, ws, query);
    } catch (err) {
      this.#options.logger?.warn({ err, callId }, 'bot stream not attached');
      ws.close(1011, ((err as Error).message ?? 'attach failed').slice(0, 120));
    }
  }
}

/** The call id of `/ws/{call_id}`: one non-empty, decodable path segment. */
function callIdOf(pathname: string): string | undefined {
  const raw = pathname.slice(STREAM_PATH_PREFIX.length);
  if (!raw || raw.includes('/')) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** A StreamUpgrades; put its `upgradeHandler` in the gateway's upgrade handlers and `close()` it on stop. */
export function createStreamUpgrades(options: StreamUpgradeOptions): StreamUpgrades {
  return new StreamUpgrades(options);
}
