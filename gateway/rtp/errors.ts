/**
 * Errors of gateway/rtp as values with a code a caller can act on.
 */

export type RtpErrorCode =
  /** Every port of the configured range is in use (by us or by others). */
  | 'ports-exhausted'
  /** Binding failed for a reason other than the port being in use. */
  | 'bind-failed'
  /** Options or a remote description we cannot use. */
  | 'bad-options'
  /** The operation needs a state the leg is not in (e.g. closed). */
  | 'invalid-state'
  /** sendDtmf without a negotiated telephone-event payload type. */
  | 'no-telephone-event';

export class RtpError extends Error {
  override readonly name = 'RtpError';
  constructor(
    readonly code: RtpErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
