/**
 * Errors of gateway/streams as values with a code a caller can act on (`StreamError('bad-format',
 * …)`), and the snake_case codes of the `error` event a bot receives (see bot-protocol.md).
 */

export type StreamErrorCode =
  /** The requested stream format is not one we carry (mulaw above 8 kHz, an unknown rate, …). */
  | 'bad-format'
  /** Options we cannot use (an Opus callCodec, both tracks in native mode, …). */
  | 'bad-options'
  /** The operation needs a state the leg is not in (closed, not started). */
  | 'invalid-state'
  /** The bot sent more audio than the playout queue holds; the excess was dropped. */
  | 'queue-overflow'
  /** The bot sent a message we ignore: bad JSON, unknown event, wrong fields, wrong size. */
  | 'invalid-message'
  /** Connect-out: the URL is not ws:// or wss://. */
  | 'dial-bad-url'
  /** Connect-out: no upgrade within the connect timeout (Twilio 31901). */
  | 'dial-timeout'
  /** Connect-out: the server answered the upgrade with another status than 101 (Twilio 31920). */
  | 'dial-handshake'
  /** Connect-out: TCP/TLS failed (refused, unreachable, certificate; Twilio 31910). */
  | 'dial-network'
  /** Connect-out: the leg closed (call ended) while dialling. */
  | 'dial-aborted';

export class StreamError extends Error {
  override readonly name = 'StreamError';
  constructor(
    readonly code: StreamErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
  }
  /** HTTP status of a refused upgrade ('dial-handshake'). */
  readonly status: number | undefined;
}

/** Codes of the `error` event sent to the bot (the only StreamErrors a bot ever sees). */
export type BotErrorCode = 'queue_overflow' | 'invalid_message';
