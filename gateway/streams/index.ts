/**
 * Public face of gateway/streams: bot WebSocket media legs. `StreamLeg` (Twilio Media Streams
 * JSON or xbridge native binary frames, μ-law 8 kHz or PCM16 at 8/16/24/48 kHz, paced playout
 * with marks and clear), `handleSocket` for bots that connect to `/ws/:callId`, `dialStream` for
 * connect-out (`<Connect><Stream>`), and the format/query helpers. Protocol notes for bot authors:
 * bot-protocol.md.
 */
export { StreamLeg } from './stream-leg.ts';
export type {
  StreamLegOptions,
  StreamLegEvents,
  StreamLegStats,
  StreamLegCloseReason,
  StreamLogger,
  StreamRtpPacket,
} from './stream-leg-options.ts';
export { handleSocket, type HandleSocketParams, type StreamLegResult } from './handle-socket.ts';
export { dialStream, type DialStreamOptions } from './dial-stream.ts';
export {
  resolveStreamFormat,
  parseStreamQuery,
  streamQuerySchema,
  DEFAULT_STREAM_CONFIG,
  STREAM_SAMPLE_RATES,
  STREAM_FRAME_MS,
  type StreamFormat,
  type StreamFormatRequest,
  type StreamConfig,
  type StreamMode,
  type StreamEncoding,
  type StreamSampleRate,
} from './stream-format.ts';
export { StreamError, type StreamErrorCode, type BotErrorCode } from './stream-error.ts';
export { WireAdapter, wireCallCodec, callPcmRate, L16_PAYLOAD_TYPE, type CallCodec } from './wire-adapter.ts';
export { DEFAULT_ACCOUNT_SID, newStreamSid } from './sids.ts';
export { botMessageSchema, type BotMessage } from './bot-messages.ts';
export { writeNativeFrame, parseNativeFrame, NATIVE_AUDIO_TAG, NATIVE_HEADER_BYTES } from './native-frame.ts';
export type { StreamTrack, StreamIds } from './server-messages.ts';
