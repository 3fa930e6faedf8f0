/**
 * WebhookSender: delivers the xbridge webhooks. Lifecycle events are POSTed to the base URL, in
 * order per call (one queue per call_id; calls don't wait for each other). /incoming is POSTed to
 * `{url}/incoming` and its synchronous answer validated. Each attempt is signed and has its own
 * timeout; failures are retried `retry` times with the xbridge backoff; a delivery that still
 * fails is stored in the dead-letter queue. Outcomes are values: nothing here throws.
 *
 * /incoming policy — a production gateway fails closed: if the app can't be reached, times out,
 * answers non-2xx (all retried), or answers 2xx with a body that isn't `{action: …}` (not retried:
 * the same request would get the same broken answer while the caller waits), the call is rejected
 * with reason "webhook_failed", a warning is logged and the failure goes to the DLQ. Accepting a
 * call no bot has claimed would leave a caller in silence holding a trunk channel.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayMetrics, Logger } from '../../observability/index.ts';
import { backoffDelay } from './backoff.ts';
import type { DeadLetterQueue } from './dead-letter-queue.ts';
import { incomingResponseSchema, type IncomingCall, type IncomingResponse, type LifecycleEvent } from './events.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { postWebhook, type AttemptOutcome } from './post-webhook.ts';
import { WebhookError } from './webhook-error.ts';
import { formatIssues, requiredMessages } from '../validation/format-issues.ts';

export interface WebhookSenderOptions {
  /** Base webhook URL (`webhook.url`). Default: none — only calls with a per-call URL get webhooks. */
  url?: string;
  /** Timeout of each attempt in milliseconds (`webhook.timeout`). Default: 5000. */
  timeoutMs?: number;
  /** Retries after the first failed attempt (`webhook.retry`). Default: 1. */
  retry?: number;
  /** HMAC-SHA256 secret (`webhook.secret`). Default: none — requests are not signed. */
  secret?: string;
  /** Where deliveries that exhaust their retries are stored. Required. */
  deadLetters: DeadLetterQueue;
  /** Logger for failures and retries. Required. */
  logger: Logger;
  /** patchbay_webhooks_total{result} (per delivery) and patchbay_webhook_duration_seconds (per attempt). Default: none. */
  metrics?: Pick<GatewayMetrics, 'webhooksTotal' | 'webhookDuration'>;
  /** Jitter source in [0, 1). Default: Math.random. */
  random?: () => number;
}

export interface SendOptions {
  /** This call's webhook base URL (POST /v1/calls `webhook_url`). Default: the sender's `url`. */
  url?: string;
}

/** The outcome of one delivery (all its attempts). */
export type Delivery = { ok: true; attempts: number } | { ok: false; attempts: number; error: WebhookError };

export interface IncomingDecision {
  /** What to do with the call: the app's answer, or `{action: 'reject', reason: 'webhook_failed'}`. */
  response: IncomingResponse;
  /** Attempts made (0 when there was no URL). */
  attempts: number;
  /** Why the fallback reject was chosen; absent when `response` is the app's own answer. */
  failure?: WebhookError;
}

const FALLBACK_REJECT: IncomingResponse = { action: 'reject', reason: 'webhook_failed' };

export class WebhookSender {
  readonly #o: Required<Pick<WebhookSenderOptions, 'timeoutMs' | 'retry' | 'random'>> & WebhookSenderOptions;
  readonly #queue = new KeyedQueue();
  readonly #abort = new AbortController();

  constructor(options: WebhookSenderOptions) {
    this.#o = { timeoutMs: 5000, retry: 1, random: Math.random, ...options };
  }

  get closed(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Whether a base URL (`webhook.url`) is configured. */
  get hasUrl(): boolean {
    return Boolean(this.#o.url);
  }

  /** Queues a lifecycle event behind the call's earlier events; resolves when delivered or dead-lettered. */
  notify(event: LifecycleEvent, options: SendOptions = {}): Promise<Delivery> {
    return this.#queue.push(event.call_id, async () => {
      const url = options.url ?? this.#o.url;
      if (!url) return this.#noUrl(event.event);
      const { outcome, attempts } = await this.#deliver(url, event, event.event);
      if (outcome.ok) return { ok: true, attempts };
      return { ok: false, attempts, error: outcome.error };
    });
  }

  /** POSTs /incoming and returns the app's validated answer, or a reject when that fails. */
  async decideIncoming(call: IncomingCall, options: SendOptions = {}): Promise<IncomingDecision> {
    const base = options.url ?? this.#o.url;
    if (!base) return { response: FALLBACK_REJECT, attempts: 0, failure: this.#noUrl('call.incoming').error };
    const { outcome, attempts } = await this.#deliver(incomingUrl(base), call, 'call.incoming', parseIncoming);
    if (outcome.ok) return { response: outcome.value, attempts };
    return { response: FALLBACK_REJECT, attempts, failure: outcome.error };
  }

  /** Resolves when every queued lifecycle event has been delivered or dead-lettered. */
  flush(): Promise<void> {
    return this.#queue.idle();
  }

  /** Aborts in-flight attempts and backoffs; what was pending lands in the DLQ (error "closed"). Idempotent. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#queue.idle();
  }

  async #deliver<T = undefined>(
    url: string,
    payload: LifecycleEvent | IncomingCall,
    eventName: string,
    parse?: (text: string) => { ok: true; value: T } | { ok: false; error: WebhookError },
  ): Promise<{ outcome: { ok: true; value: T } | { ok: false; error: WebhookError }; attempts: number }> {
    const { timeoutMs, retry, secret, random, metrics, logger, deadLetters } = this.#o;
    const signal = this.#abort.signal;
    const body = JSON.stringify(payload);
    const delivery = randomUUID();
    let attempts = 0;
    let error = new WebhookError('closed', 'Webhook sender closed');
    while (!signal.aborted && attempts <= retry) {
      if (attempts > 0) {
        const aborted = await sleep(backoffDelay(attempts, random), false, { signal }).catch(() => true);
        if (aborted) {
          error = new WebhookError('closed', `Webhook sender closed (last error: ${error.message})`);
          break;
        }
      }
      attempts++;
      const started = performance.now();
      const res: AttemptOutcome = await postWebhook({
        url, body, secret, timeoutMs, signal,
        headers: { 'X-Patchbay-Event': eventName, 'X-Patchbay-Delivery': delivery, 'X-Patchbay-Attempt': String(attempts) },
      });
      metrics?.webhookDuration.observe((performance.now() - started) / 1000);
      if (res.ok) {
        const parsed = parse ? parse(res.text) : { ok: true as const, value: undefined as T };
        if (parsed.ok) {
          metrics?.webhooksTotal.inc({ result: 'success' });
          return { outcome: parsed, attempts };
        }
        error = parsed.error;
        break;
      }
      error = res.error;
      if (!error.retryable) break;
      if (attempts <= retry) logger.debug({ url, event: eventName, attempt: attempts, error: error.message }, 'webhook attempt failed; retrying');
    }
    metrics?.webhooksTotal.inc({ result: 'failure' });
    logger.warn({ url, event: eventName, call_id: payload.call_id, attempts, error: error.message, code: error.code }, 'webhook delivery failed');
    deadLetters.add({ event: { ...payload }, error: error.message, attempts, url });
    return { outcome: { ok: false, error }, attempts };
  }

  #noUrl(eventName: string): { ok: false; attempts: 0; error: WebhookError } {
    this.#o.logger.debug({ event: eventName }, 'no webhook URL configured; event not sent');
    return { ok: false, attempts: 0, error: new WebhookError('no_url', 'No webhook URL configured') };
  }
}

/** `{base}/incoming`, keeping the base's query string. */
export function incomingUrl(base: string): string {
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/incoming`;
  return u.toString();
}

function parseIncoming(text: string): { ok: true; value: IncomingResponse } | { ok: false; error: WebhookError } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: new WebhookError('invalid_response', 'Invalid /incoming response: not JSON') };
  }
  const parsed = incomingResponseSchema.safeParse(json, requiredMessages);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: new WebhookError('invalid_response', `Invalid /incoming response: ${formatIssues(parsed.error.issues)}`) };
}
