/**
 * SipError: the error value every SIP operation of the dialog and user-agent layers fails with.
 * `status` is the SIP status code to act on (486 busy, 487 cancelled, 408 timeout, 503 transport
 * failure, 491 glare…), `response` the response that carried it when one arrived (local failures
 * such as a timeout carry a locally made response, or none).
 */
import type { SipResponse } from '../message/types.ts';
import { reasonPhrase } from '../message/index.ts';

export class SipError extends Error {
  /** SIP status code (3xx–6xx), e.g. 486 for Busy Here. */
  readonly status: number;
  /** Reason phrase (from the response when there was one). */
  readonly reason: string;
  /** The response that failed the operation, when one exists. */
  readonly response: SipResponse | undefined;

  constructor(status: number, reason?: string, options: { response?: SipResponse; cause?: unknown } = {}) {
    const phrase = reason ?? options.response?.reason ?? reasonPhrase(status);
    super(`${status} ${phrase}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SipError';
    this.status = status;
    this.reason = phrase;
    this.response = options.response;
  }

  /** The error a final non-2xx response stands for. */
  static fromResponse(response: SipResponse): SipError {
    return new SipError(response.status, response.reason, { response });
  }
}
