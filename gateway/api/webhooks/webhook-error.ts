/**
 * WebhookError: why one webhook attempt (or a whole delivery) failed, as a code a caller can act
 * on. `message` is the operator-facing text stored in the dead-letter queue ("Connection refused",
 * "HTTP 500", "Timeout after 5000ms").
 */
export type WebhookErrorCode =
  /** No webhook URL configured and no per-call override. */
  | 'no_url'
  /** TCP/TLS/DNS failure before a response. */
  | 'network'
  /** No response within `webhook.timeout`. */
  | 'timeout'
  /** The receiver answered with a non-2xx status. */
  | 'http_status'
  /** A 2xx /incoming answer that is not valid JSON or not `{action: …}`. */
  | 'invalid_response'
  /** The sender was closed before the delivery finished. */
  | 'closed';

export class WebhookError extends Error {
  override readonly name = 'WebhookError';

  constructor(
    readonly code: WebhookErrorCode,
    message: string,
    /** The HTTP status, for `http_status`. */
    readonly status?: number,
  ) {
    super(message);
  }

  /** Whether another attempt may succeed (everything but a malformed 2xx answer or a shutdown). */
  get retryable(): boolean {
    return this.code === 'network' || this.code === 'timeout' || this.code === 'http_status';
  }
}
