/**
 * The leg's codec list for werift (Opus 48 kHz with in-band FEC, PCMU, PCMA, telephone-event at
 * 48000 then 8000 Hz) and the payload-type table built from what was negotiated, so the per-packet
 * path maps a payload type to its codec with one array lookup and no string work.
 */
import { RTCRtpCodecParameters } from 'werift';
import type { WebRtcAudioCodec, WebRtcCodecName } from './options.ts';

/** Opus fmtp we offer: 10 ms minimum packet time, in-band FEC (RFC 7587). */
export const OPUS_FMTP = 'minptime=10;useinbandfec=1';

const AUDIO_PARAMS: Record<WebRtcAudioCodec, () => RTCRtpCodecParameters> = {
  opus: () => new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, parameters: OPUS_FMTP }),
  PCMU: () => new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, payloadType: 0 }),
  PCMA: () => new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, payloadType: 8 }),
};

/**
 * werift codec parameters in preference order. telephone-event/48000 is listed before /8000:
 * werift pairs telephone-event entries by position, and browsers list 48000 first.
 */
export function weriftAudioCodecs(codecs: readonly WebRtcAudioCodec[], telephoneEvent: boolean): RTCRtpCodecParameters[] {
  const list = codecs.map((c) => AUDIO_PARAMS[c]());
  if (telephoneEvent) {
    list.push(
      new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 48000, parameters: '0-15' }),
      new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: 8000, parameters: '0-15' }),
    );
  }
  return list;
}

/** One negotiated payload type. */
export interface NegotiatedCodec {
  payloadType: number;
  name: WebRtcCodecName;
  clockRate: number;
  channels: number;
  /** fmtp parameters as negotiated, e.g. 'minptime=10;useinbandfec=1'. */
  parameters: string | undefined;
}

/** Our canonical spelling of an rtpmap encoding name, or undefined for codecs we do not carry. */
export function canonicalCodecName(encodingName: string): WebRtcCodecName | undefined {
  switch (encodingName.toLowerCase()) {
    case 'opus':
      return 'opus';
    case 'pcmu':
      return 'PCMU';
    case 'pcma':
      return 'PCMA';
    case 'telephone-event':
      return 'telephone-event';
    default:
      return undefined;
  }
}

/** Payload type → codec for one negotiation, plus the send choices. */
export class CodecTable {
  /** Indexed by payload type (0–127). */
  readonly #byPt: (NegotiatedCodec | undefined)[] = new Array(128).fill(undefined);
  /** Negotiated codecs in the order werift reports (ours when we answered, the answer's when we offered). */
  readonly list: readonly NegotiatedCodec[];
  /** The audio codec we send by default (first negotiated audio codec). */
  readonly primary: NegotiatedCodec | undefined;

  constructor(codecs: readonly { payloadType: number; mimeType: string; clockRate: number; channels?: number; parameters?: string }[]) {
    const list: NegotiatedCodec[] = [];
    for (const c of codecs) {
      const name = canonicalCodecName(c.mimeType.split('/')[1] ?? '');
      if (!name || c.payloadType < 0 || c.payloadType > 127) continue;
      const entry: NegotiatedCodec = {
        payloadType: c.payloadType,
        name,
        clockRate: c.clockRate,
        channels: c.channels ?? 1,
        parameters: c.parameters,
      };
      list.push(entry);
      this.#byPt[c.payloadType] = entry;
    }
    this.list = list;
    this.primary = list.find((c) => c.name !== 'telephone-event');
  }

  /** The codec of a payload type, or undefined when it was not negotiated. */
  byPayloadType(pt: number): NegotiatedCodec | undefined {
    return this.#byPt[pt & 0x7f];
  }

  /** The first negotiated payload type of a codec name. */
  byName(name: WebRtcCodecName): NegotiatedCodec | undefined {
    return this.list.find((c) => c.name === name);
  }

  /** The telephone-event payload type to pair with an audio codec: same clock rate if negotiated, else any. */
  telephoneEventFor(audio: NegotiatedCodec | undefined): NegotiatedCodec | undefined {
    const events = this.list.filter((c) => c.name === 'telephone-event');
    return events.find((c) => c.clockRate === audio?.clockRate) ?? events[0];
  }
}
