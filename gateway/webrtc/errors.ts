/**
 * Errors of the WebRTC leg as values a caller can act on: one class, a machine-readable code.
 */

export type WebRtcLegErrorCode =
  | 'bad-options' // an option is out of range or malformed
  | 'bad-sdp' // the remote description was refused (unparsable, no common codec, wrong state)
  | 'invalid-state' // the method does not fit the leg's state (closed, no answer pending, …)
  | 'no-codec' // sendRtp named a codec/payload type not negotiated
  | 'ice-failed' // no candidate pair worked, or consent was lost
  | 'dtls-failed' // the DTLS handshake failed
  | 'fingerprint-mismatch' // the peer's certificate does not match the SDP fingerprint
  | 'connect-timeout' // ICE+DTLS not connected within connectTimeoutMs
  | 'peer-silent'; // nothing received for silenceTimeoutMs

export class WebRtcLegError extends Error {
  override readonly name = 'WebRtcLegError';
  constructor(
    /** Machine-readable reason. */
    readonly code: WebRtcLegErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
