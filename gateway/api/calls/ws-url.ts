/**
 * Where bots reach `/ws/{call_id}`: the create-call answer's `ws_url`. By default the scheme and
 * authority the API request itself used — `wss` when it came over TLS, the Host header's host:port.
 * Behind a TLS-terminating proxy, pass `wsBase` to the route group instead.
 */
import type { Context } from 'hono';

/** `ws://host[:port]` or `wss://host[:port]` as seen by the request. */
export function requestWsBase(c: Context): string {
  const url = new URL(c.req.url);
  const scheme = url.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${c.req.header('host') || url.host}`;
}

/** The stream URL of `callId` under `base` (no trailing slash expected). */
export function streamUrl(base: string, callId: string): string {
  return `${base.replace(/\/+$/, '')}/ws/${encodeURIComponent(callId)}`;
}
