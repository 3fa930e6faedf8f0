/**
 * Why calls end and why sign-in fails, in words a person can act on. Maps JsSIP's end causes
 * (with the SIP status when there was one) to a stable reason code — the `reason` of the
 * widget's `ended` event — and a message naming the other party. Pure.
 */

/** Stable reasons (the widget's public API). */
export type EndReason =
  | 'hangup'
  | 'remote-hangup'
  | 'busy'
  | 'not-found'
  | 'rejected'
  | 'unavailable'
  | 'no-answer'
  | 'cancelled'
  | 'missed'
  | 'transferred'
  | 'address-incomplete'
  | 'microphone-denied'
  | 'network'
  | 'media-failed'
  | 'failed';

export interface EndInfo {
  reason: EndReason;
  /** JsSIP's cause string, for logs. */
  cause: string;
  /** SIP status of the final response, when the call failed on one. */
  status?: number;
  /** One sentence for the person. */
  message: string;
  /** Whether to show it as an error (a normal hang-up is not). */
  error: boolean;
}

export interface EndContext {
  cause: string;
  /** 'local' when this browser ended it, 'remote' when the other side or the network did. */
  originator: 'local' | 'remote' | 'system';
  status?: number;
  /** Who the other party is, for the message. */
  peer: string;
  /** Whether the call was answered before it ended. */
  answered: boolean;
  direction: 'incoming' | 'outgoing';
}

/** Classifies the end of a call. */
export function describeEnd(c: EndContext): EndInfo {
  const base = { cause: c.cause, ...(c.status ? { status: c.status } : {}) };
  const info = (reason: EndReason, message: string, error = true): EndInfo => ({ reason, ...base, message, error });
  switch (c.cause) {
    case 'Terminated':
      return c.originator === 'local' ? info('hangup', 'Call ended.', false) : info('remote-hangup', `${c.peer} hung up.`, false);
    case 'Busy':
      return info('busy', `${c.peer} is busy.`);
    case 'Not Found':
      return info('not-found', `${c.peer} was not found. Check the number.`);
    case 'Rejected':
      return c.originator === 'local' ? info('rejected', 'Call declined.', false) : info('rejected', `${c.peer} declined the call.`);
    case 'Unavailable':
      return c.status === 408 ? info('no-answer', `${c.peer} did not answer.`) : info('unavailable', `${c.peer} is not available right now.`);
    case 'No Answer':
    case 'Expires':
      return info('no-answer', `${c.peer} did not answer.`);
    case 'Canceled':
      if (c.direction === 'incoming' && c.originator === 'remote') return info('missed', `Missed call from ${c.peer}.`, false);
      return info('cancelled', 'Call cancelled.', false);
    case 'Address Incomplete':
      return info('address-incomplete', `${c.peer} is not a complete number.`);
    case 'User Denied Media Access':
      return info('microphone-denied', 'Microphone access is blocked. Allow the microphone for this site and try again.');
    case 'Connection Error':
    case 'Request Timeout':
    case 'No ACK':
    case 'Dialog Error':
      return info('network', 'The connection to the gateway was lost. The call ended.');
    case 'RTP Timeout':
      return info('network', 'No audio arrived for too long. The call ended.');
    case 'WebRTC Error':
    case 'Incompatible SDP':
    case 'Missing SDP':
    case 'Bad Media Description':
      return info('media-failed', 'The audio connection could not be set up.');
    case 'transferred':
      return info('transferred', `Transferred ${c.peer}.`, false);
    default:
      if (c.status && c.status >= 500) return info('failed', `The call failed (${c.status}). Try again in a moment.`);
      return info('failed', c.status ? `The call failed (${c.status}).` : `The call failed (${c.cause}).`);
  }
}

export type SignInProblem = 'wrong-credentials' | 'unknown-user' | 'network' | 'failed';

/** Why registration failed, from JsSIP's `registrationFailed` cause and status. */
export function describeRegistrationFailure(cause: string, status?: number): { problem: SignInProblem; message: string } {
  if (cause === 'Authentication Error' || status === 401 || status === 407 || status === 403 || cause === 'Rejected') {
    return { problem: 'wrong-credentials', message: 'Wrong user name or password.' };
  }
  if (cause === 'Not Found' || status === 404) return { problem: 'unknown-user', message: 'This user does not exist on the gateway.' };
  if (cause === 'Connection Error' || cause === 'Request Timeout') {
    return { problem: 'network', message: 'Cannot reach the gateway. Check your network connection.' };
  }
  return { problem: 'failed', message: `Sign-in failed (${status ? `${status} ` : ''}${cause}).` };
}

/** The message for a getUserMedia failure. */
export function describeMicrophoneError(err: unknown): string {
  const name = (err as { name?: string })?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'Microphone access is blocked. Allow the microphone for this site and try again.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No microphone found. Plug one in or pick another in Settings.';
  if (name === 'NotReadableError') return 'The microphone is in use by another application or cannot be opened.';
  return `The microphone could not be opened (${name ?? String(err)}).`;
}
