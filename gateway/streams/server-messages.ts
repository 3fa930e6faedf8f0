/**
 * The JSON text messages we send a bot, shaped exactly as Twilio Media Streams sends them (field
 * names, string `sequenceNumber`/`chunk`/`timestamp`, numeric `sampleRate`/`channels`, key order
 * of Twilio's examples), plus our `error` event. Control messages go through JSON.stringify; the
 * per-frame `media` message is one template string around a pre-escaped streamSid.
 */
import type { StreamFormat } from './stream-format.ts';
import type { BotErrorCode } from './stream-error.ts';

/** `start.tracks` / `media.track` values (Twilio: no `_track` suffix here). */
export type StreamTrack = 'inbound' | 'outbound';

/** The ids a stream carries on `start` and `stop`. */
export interface StreamIds {
  streamSid: string;
  accountSid: string;
  callSid: string;
}

/** First message on every stream (no sequenceNumber, no streamSid: Twilio's shape). */
export const CONNECTED_MESSAGE = JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' });

export function startMessage(
  seq: number,
  ids: StreamIds,
  tracks: readonly StreamTrack[],
  customParameters: Readonly<Record<string, string>>,
  format: Pick<StreamFormat, 'encoding' | 'sampleRate'>,
): string {
  return JSON.stringify({
    event: 'start',
    sequenceNumber: String(seq),
    streamSid: ids.streamSid,
    start: {
      accountSid: ids.accountSid,
      streamSid: ids.streamSid,
      callSid: ids.callSid,
      tracks: [...tracks],
      customParameters: { ...customParameters },
      mediaFormat: { encoding: format.encoding, sampleRate: format.sampleRate, channels: 1 },
    },
  });
}

/** Builds `media` messages for one stream (its streamSid escaped once). */
export class MediaMessageWriter {
  readonly #tail: string;
  constructor(streamSid: string) {
    this.#tail = `},"streamSid":${JSON.stringify(streamSid)}}`;
  }
  /** `timestampMs`: integer ms since the stream started; `payload`: base64. */
  write(seq: number, track: StreamTrack, chunk: number, timestampMs: number, payload: string): string {
    return `{"event":"media","sequenceNumber":"${seq}","media":{"track":"${track}","chunk":"${chunk}","timestamp":"${timestampMs}","payload":"${payload}"${this.#tail}`;
  }
}

export function markMessage(seq: number, streamSid: string, name: string): string {
  return JSON.stringify({ event: 'mark', sequenceNumber: String(seq), streamSid, mark: { name } });
}

export function dtmfMessage(seq: number, streamSid: string, digit: string): string {
  return JSON.stringify({ event: 'dtmf', streamSid, sequenceNumber: String(seq), dtmf: { track: 'inbound_track', digit } });
}

export function stopMessage(seq: number, ids: StreamIds): string {
  return JSON.stringify({
    event: 'stop',
    sequenceNumber: String(seq),
    stop: { accountSid: ids.accountSid, callSid: ids.callSid },
    streamSid: ids.streamSid,
  });
}

/** Our extension (not Twilio's): see bot-protocol.md. */
export function errorMessage(seq: number, streamSid: string, code: BotErrorCode, message: string): string {
  return JSON.stringify({ event: 'error', sequenceNumber: String(seq), streamSid, error: { code, message } });
}
