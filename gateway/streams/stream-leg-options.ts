/**
 * Options of a StreamLeg (every field documented with its default), the events it emits, its
 * stats, and the small logger shape it needs (a pino Logger fits).
 */
import type { WebSocket } from 'ws';
import type { MediaClock } from '../../media/index.ts';
import type { StreamError } from './stream-error.ts';
import type { StreamFormat } from './stream-format.ts';
import type { StreamTrack } from './server-messages.ts';
import type { CallCodec } from './wire-adapter.ts';

/** What a StreamLeg logs through; pino's Logger fits. */
export interface StreamLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

export interface StreamLegOptions {
  /** The bot's socket, open: a server-side socket from the `/ws/:callId` upgrade, or one `dialStream` opened. */
  socket: WebSocket;
  /** The engine's shared media clock; the bot's audio plays one 20 ms frame per tick. Required. */
  clock: MediaClock;
  /** The call this stream belongs to (logs; default `callSid`). Required. */
  callId: string;
  /** Wire format (see `resolveStreamFormat` / `parseStreamQuery`). Default: twilio mode, μ-law 8 kHz. */
  format?: StreamFormat;
  /** `start.callSid` and `stop.callSid`. Default: `callId`, so the bot can use it with REST /v1/calls/{id}. */
  callSid?: string;
  /** `start.accountSid` and `stop.accountSid`. Default `AC` + 32 zeros. */
  accountSid?: string;
  /** The stream's sid. Default: a fresh `MZ` + 32 hex. */
  streamSid?: string;
  /** Leg id within the call. Default `stream-<streamSid>`. */
  id?: string;
  /** `start.customParameters` (a connect-out's `stream.parameters`). Default `{}`. */
  parameters?: Readonly<Record<string, string>>;
  /**
   * Tracks sent to the bot: `['inbound']` (the caller; Twilio `<Connect><Stream>`), or
   * `['inbound', 'outbound']` to also get each frame we play into the call as `track: "outbound"`
   * media (twilio mode only). Default `['inbound']`.
   */
  tracks?: readonly StreamTrack[];
  /**
   * Payload format the leg exchanges with the call (what the Bridge sees as its codec). Default:
   * the wire format itself (PCMU/8000, or L16/<rate>), so the Bridge transcodes when the other leg
   * differs. Set it to the other leg's PCMU/PCMA/G.722/L16 codec to let the leg convert (and
   * resample; `await initResampler()` first) so the Bridge relays untouched.
   */
  callCodec?: CallCodec;
  /** Most bot audio waiting to be played (ms); beyond it audio is dropped and the bot told. Default 60000. */
  maxQueueMs?: number;
  /** Send `start` at once (default true); false sends only `connected` until `start()` (e.g. while ringing). */
  autoStart?: boolean;
  /** Drop caller audio while this many bytes wait unsent on the socket (a stalled bot). Default 1 MiB. */
  maxBufferedBytes?: number;
  /** `invalid_message` error events sent per stream at most (later ones are only logged). Default 10. */
  maxInvalidNotices?: number;
  /** Logger. Default: none. */
  logger?: StreamLogger;
}

/** Why the leg closed: we closed it, its call did, the bot closed the socket, or the socket failed. */
export type StreamLegCloseReason = 'local' | 'parent' | 'remote' | 'failed';

/** One frame of the bot's audio toward the call; the object and `payload` are reused next tick. */
export interface StreamRtpPacket {
  payloadType: number;
  codec: string;
  clockRate: number;
  payload: Uint8Array;
  timestamp: number;
  sequenceNumber: number;
  marker: boolean;
  ssrc: number;
}

export type StreamLegEvents = {
  /** A 20 ms frame of the bot's audio, played now (one per tick while the bot's queue has audio). */
  rtp: [packet: StreamRtpPacket];
  /** Never emitted: neither Twilio nor xbridge lets a bot send DTMF (use REST). Here for MediaLeg. */
  dtmf: [digit: string, durationMs: number];
  /** Never emitted (no re-offers on a WebSocket). Here for MediaLeg. */
  direction: [change: { remote: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'; onHold: boolean }];
  /** `start` went to the bot: media flows. Once. */
  connected: [];
  /** The socket failed; `close('failed')` follows. */
  failed: [error: Error];
  /** Closed. Once. */
  close: [reason: StreamLegCloseReason];
  /** A mark was echoed to the bot: the audio before it has been played (or cleared). */
  mark: [name: string];
  /** The bot cleared its audio: how much was dropped and how many marks were echoed. */
  clear: [droppedMs: number, marks: number];
  /** The playout queue was full; `droppedMs` of the bot's audio was dropped. */
  overflow: [droppedMs: number];
  /** A bot message was ignored (code 'invalid-message'; the reason is the message). */
  invalid: [error: StreamError];
};

export interface StreamLegStats {
  id: string;
  kind: string;
  /** Codec toward the call, e.g. 'PCMU'. */
  codec: string;
  /** Frames of bot audio played into the call. */
  packetsReceived: number;
  /** Caller payloads sent to the bot. */
  packetsSent: number;
  /** Bot audio bytes accepted into the queue (wire format). */
  bytesReceived: number;
  /** Caller audio bytes sent to the bot (wire format). */
  bytesSent: number;
  dtmfReceived: number;
  dtmfSent: number;
  streamSid: string;
  callSid: string;
  state: 'connected' | 'started' | 'closed';
  mode: StreamFormat['mode'];
  encoding: StreamFormat['encoding'];
  sampleRate: number;
  /** Whether the leg resamples between the call codec and the wire. */
  resampling: boolean;
  /** Messages (text + binary) from the bot. */
  messagesReceived: number;
  /** Messages to the bot. */
  messagesSent: number;
  /** Bot messages ignored as invalid. */
  invalidMessages: number;
  /** Bot audio waiting to be played (ms). */
  queuedMs: number;
  pendingMarks: number;
  marksEchoed: number;
  clears: number;
  /** Bot audio dropped by clears (ms). */
  clearedMs: number;
  /** Media messages that did not fit the queue (wholly or partly). */
  overflows: number;
  /** Bot audio dropped for lack of room (ms). */
  overflowDroppedMs: number;
  /** Caller payloads not sent: before start, or the socket backed up. */
  callerDropped: number;
  /** Bytes waiting unsent on the socket now. */
  bufferedBytes: number;
}
