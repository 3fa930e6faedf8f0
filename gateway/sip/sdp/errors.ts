/**
 * Errors of the SDP layer, as values a caller can act on: each carries the SIP status to answer
 * the offending request with (488 Not Acceptable Here for failed negotiation, RFC 3261 §21.4.26;
 * 400 for SDP we cannot read).
 */

/** The SDP text could not be understood. */
export class SdpParseError extends Error {
  readonly sipStatus = 400 as const;
  constructor(message: string) {
    super(message);
    this.name = 'SdpParseError';
  }
}

/** Why negotiation failed. */
export type SdpNegotiationFailure =
  /** No m-line could be accepted (no common codec, protocol or keys). */
  | 'no-common-media'
  /** An answer that does not fit its offer (m-line count, rejected-vs-accepted shape). */
  | 'answer-mismatch';

/** Offer/answer failed; answer the request carrying the offer with `sipStatus` (488). */
export class SdpNegotiationError extends Error {
  readonly sipStatus = 488 as const;
  readonly reason: SdpNegotiationFailure;
  constructor(reason: SdpNegotiationFailure, message: string) {
    super(message);
    this.name = 'SdpNegotiationError';
    this.reason = reason;
  }
}
