/**
 * ApiError: the one error a route or middleware throws to answer with a status. The error
 * handler turns it into `{"message": …}` with that status (and any extra headers, e.g.
 * Retry-After), so callers act on `status`, never on the text.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface ApiErrorOptions {
  /** Extra response headers (e.g. `Retry-After`). Default: none. */
  headers?: Record<string, string>;
  /** The underlying error, kept for logs; never sent to the client. Default: none. */
  cause?: unknown;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status to answer with (4xx/5xx). */
  readonly status: ContentfulStatusCode;
  /** Extra headers to send with the error response. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: ContentfulStatusCode, message: string, options: ApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.headers = options.headers ?? {};
  }
}
