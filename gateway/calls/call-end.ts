/**
 * Why calls end: the end reasons the CDR, webhooks and metrics use, how a SIP failure status
 * maps onto them, and the status and Reason header we use when we end a call ourselves.
 */

export type CallEndReason =
  /** Someone hung up an answered call (BYE) or the API ended it. */
  | 'normal'
  /** The callee was busy (486, 600). */
  | 'busy'
  /** Nobody answered: our no-answer timeout, or 408/480 from the callee. */
  | 'no_answer'
  /** The callee (or routing) refused: 403, 404, 603, other 4xx/6xx. */
  | 'rejected'
  /** The caller gave up before the answer (CANCEL), or the call was ended before answer. */
  | 'cancelled'
  /** A server failure on the way (5xx, internal errors). */
  | 'error'
  /** No RTP for `calls.rtp_timeout`. */
  | 'media_timeout'
  /** ICE or DTLS of a browser leg failed. */
  | 'ice_failed';

/** The end reason a final SIP failure status stands for. */
export function endReasonForStatus(status: number): CallEndReason {
  if (status === 486 || status === 600) return 'busy';
  if (status === 408 || status === 480) return 'no_answer';
  if (status === 487) return 'cancelled';
  if (status >= 500 && status < 600) return 'error';
  return 'rejected';
}

/** The SIP status recorded (and sent to an unanswered caller) when we end a call for `reason`. */
export const LOCAL_END_STATUS: Readonly<Record<CallEndReason, number>> = {
  normal: 200,
  busy: 486,
  no_answer: 480,
  rejected: 403,
  cancelled: 487,
  error: 500,
  media_timeout: 408,
  ice_failed: 503,
};

/** A Reason header (RFC 3326) for a BYE we send because of `reason`. */
export function reasonHeader(reason: CallEndReason): string | undefined {
  switch (reason) {
    case 'media_timeout':
      return 'SIP;cause=408;text="RTP timeout"';
    case 'ice_failed':
      return 'SIP;cause=503;text="ICE/DTLS failed"';
    case 'error':
      return 'SIP;cause=500;text="Internal error"';
    default:
      return undefined;
  }
}
