/**
 * Test helper: a real HTTP server on 127.0.0.1 that records every request (path, headers, raw
 * body, arrival time) and answers through a scripted handler — the stand-in for a bot's webhook
 * endpoint. `close()` drops open connections, so a handler that never answers is fine. A reply
 * may carry bytes and its own headers (e2e tests also serve WAV files for `play` from it).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. "/hooks/incoming". */
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body as received. */
  body: string;
  /** Arrival time (performance.now(), ms) once the body was read. */
  at: number;
}

export interface Reply {
  status?: number;
  body?: string | Uint8Array;
  /** Response headers. Default `Content-Type: application/json`. */
  headers?: Record<string, string>;
}

/** Answers request number `n` (0-based); a promise that never settles leaves the request hanging. */
export type ReplyFn = (req: RecordedRequest, n: number) => Reply | Promise<Reply>;

export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  requests: RecordedRequest[];
  /** Resolves once at least `n` requests have arrived. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(reply: ReplyFn = () => ({ status: 200, body: '' })): Promise<WebhookReceiver> {
  const requests: RecordedRequest[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', async () => {
      const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: performance.now() };
      const n = requests.push(rec) - 1;
      for (const w of waiters.filter((w) => requests.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const r = await reply(rec, n);
      res.writeHead(r.status ?? 200, r.headers ?? { 'Content-Type': 'application/json' }).end(r.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitFor: (n) => (requests.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port bound and released). */
export async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A logger destination that keeps every JSON line, for asserting on log lines. */
export function logSink(): { stream: NodeJS.WritableStream; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const stream = {
    write(chunk: string | Uint8Array) {
      out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  return { stream, lines: () => out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}
