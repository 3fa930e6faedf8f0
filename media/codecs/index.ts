/**
 * Public face of media/codecs: every codec of the media core behind the AudioEncoder/AudioDecoder
 * contract, and factories that build the right one from a negotiated codec name and PCM rate.
 */
export type { AudioDecoder, AudioEncoder, CodecName } from './types.ts';
export * from './g711.ts';
export * from './g722.ts';
export * from './l16.ts';
export * from './opus.ts';
export { FadeConcealer, PLC_FADE_FRAMES } from './fade-plc.ts';

import type { AudioDecoder, AudioEncoder, CodecName } from './types.ts';
import { PcmaDecoder, PcmaEncoder, PcmuDecoder, PcmuEncoder } from './g711.ts';
import { G722Decoder, G722Encoder } from './g722.ts';
import { L16Decoder, L16Encoder } from './l16.ts';
import { OpusDecoder, OpusEncoder, type OpusEncoderOptions, type OpusSampleRate } from './opus.ts';

export interface CodecFactoryOptions {
  /**
   * PCM rate to code at. Fixed for G.711 (8000) and G.722 (16000); for Opus any of 8/12/16/24/48 kHz
   * (code Opus at the other leg's rate so Opus ⇄ G.711 needs no resampler); for L16 the stream rate.
   */
  sampleRate?: number;
  /** Opus encoder settings (bitrate, complexity, fec, dtx…). */
  opus?: Omit<OpusEncoderOptions, 'sampleRate'>;
}

/** The PCM rate a codec works at when coded natively. */
export function nativeRate(codec: CodecName): number {
  switch (codec) {
    case 'PCMU':
    case 'PCMA':
      return 8000;
    case 'G722':
      return 16000;
    default:
      return 48000;
  }
}

export function createEncoder(codec: CodecName, options: CodecFactoryOptions = {}): AudioEncoder {
  switch (codec) {
    case 'PCMU':
      return new PcmuEncoder();
    case 'PCMA':
      return new PcmaEncoder();
    case 'G722':
      return new G722Encoder();
    case 'L16':
      return new L16Encoder(options.sampleRate ?? 8000);
    case 'opus':
      return new OpusEncoder({ ...options.opus, sampleRate: (options.sampleRate ?? 48000) as OpusSampleRate });
  }
}

export function createDecoder(codec: CodecName, options: CodecFactoryOptions = {}): AudioDecoder {
  switch (codec) {
    case 'PCMU':
      return new PcmuDecoder();
    case 'PCMA':
      return new PcmaDecoder();
    case 'G722':
      return new G722Decoder();
    case 'L16':
      return new L16Decoder(options.sampleRate ?? 8000);
    case 'opus':
      return new OpusDecoder({ sampleRate: (options.sampleRate ?? 48000) as OpusSampleRate });
  }
}
