/**
 * Codec arithmetic for bridging: our name of an SDP encoding, the PCM rate a codec is coded at
 * natively, the rate to code it at opposite another leg (Opus takes the other leg's rate so
 * Opus ⇄ G.711 needs no resampler), RTP units per 20 ms frame, and whether two legs can relay
 * payloads untouched.
 */
import type { CodecName } from '../../media/index.ts';
import type { LegCodec } from './media-leg.ts';

/** Frame duration the bridge works in (ms). */
export const FRAME_MS = 20;

const OPUS_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];

/** Our CodecName for an rtpmap encoding name, or undefined for codecs we cannot code. */
export function codecNameOf(encodingName: string): CodecName | undefined {
  switch (encodingName.toLowerCase()) {
    case 'pcmu':
      return 'PCMU';
    case 'pcma':
      return 'PCMA';
    case 'g722':
      return 'G722';
    case 'opus':
      return 'opus';
    case 'l16':
      return 'L16';
    default:
      return undefined;
  }
}

/** PCM rate of a codec coded natively: 8 kHz G.711, 16 kHz G.722, 48 kHz Opus, the clock for L16. */
export function pcmRate(codec: LegCodec): number {
  switch (codec.name) {
    case 'PCMU':
    case 'PCMA':
      return 8000;
    case 'G722':
      return 16000;
    case 'opus':
      return 48000;
    case 'L16':
      return codec.clockRate;
  }
}

/**
 * The PCM rate to code `codec` at when the other leg is `other`: its own rate, except Opus,
 * which is decoded/encoded straight at the other leg's rate (8 kHz opposite G.711, 16 kHz
 * opposite G.722) when libopus supports that rate.
 */
export function codingRate(codec: LegCodec, other: LegCodec): number {
  if (codec.name !== 'opus') return pcmRate(codec);
  const r = pcmRate(other);
  return OPUS_RATES.includes(r) ? r : 48000;
}

/** RTP timestamp units in one 20 ms frame. */
export function frameUnits(codec: LegCodec): number {
  return (codec.clockRate * FRAME_MS) / 1000;
}

/** Whether payloads of `from` can be relayed to a leg sending `to` unchanged. */
export function samePayloadFormat(from: LegCodec, to: LegCodec): boolean {
  return from.name === to.name && from.clockRate === to.clockRate;
}
