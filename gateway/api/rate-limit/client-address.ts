/**
 * The client's address as seen on the socket (from @hono/node-server's `env.incoming`).
 * X-Forwarded-For is deliberately ignored: anyone can send it. Under `app.request()` (tests) there
 * is no socket, and the answer is "unknown".
 */
import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';

export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
