/**
 * One webhook attempt: POST a JSON body, signed when there is a secret, with a per-attempt
 * timeout that covers reading the answer too. Never throws: the outcome is a value, a 2xx with its
 * body text or a WebhookError (network, timeout, http_status, closed).
 */
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './signature.ts';
import { WebhookError } from './webhook-error.ts';

export interface WebhookAttempt {
  /** Absolute URL to POST to. */
  url: string;
  /** The exact JSON text sent (and signed). */
  body: string;
  /** HMAC secret (`webhook.secret`); without one (or empty) the request is unsigned. */
  secret?: string;
  /** Per-attempt timeout in milliseconds. */
  timeoutMs: number;
  /** Aborts the attempt when the sender closes. */
  signal: AbortSignal;
  /** Extra headers (delivery id, attempt number, event name). */
  headers: Record<string, string>;
}

export type AttemptOutcome = { ok: true; status: number; text: string } | { ok: false; error: WebhookError };

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset',
  ENOTFOUND: 'Host not found',
  EAI_AGAIN: 'Host not found',
  EHOSTUNREACH: 'Host unreachable',
  ENETUNREACH: 'Network unreachable',
  UND_ERR_SOCKET: 'Connection closed by peer',
};

export async function postWebhook(a: WebhookAttempt): Promise<AttemptOutcome> {
  const timeout = AbortSignal.timeout(a.timeoutMs);
  const signal = AbortSignal.any([a.signal, timeout]);
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'Patchbay-Webhooks/1',
    [TIMESTAMP_HEADER]: String(timestamp),
    ...a.headers,
  };
  if (a.secret) headers[SIGNATURE_HEADER] = signWebhook(a.secret, timestamp, a.body);
  try {
    const res = await fetch(a.url, { method: 'POST', headers, body: a.body, signal, redirect: 'error' });
    const text = await res.text();
    if (res.status < 200 || res.status > 299) {
      return { ok: false, error: new WebhookError('http_status', `HTTP ${res.status}`, res.status) };
    }
    return { ok: true, status: res.status, text };
  } catch (err) {
    if (a.signal.aborted) return { ok: false, error: new WebhookError('closed', 'Webhook sender closed') };
    if (timeout.aborted) return { ok: false, error: new WebhookError('timeout', `Timeout after ${a.timeoutMs}ms`) };
    return { ok: false, error: new WebhookError('network', networkMessage(err)) };
  }
}

function networkMessage(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  if (code && NETWORK_MESSAGES[code]) return NETWORK_MESSAGES[code];
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}
