/**
 * The usual negotiated form of each codec we bridge (static or customary payload type, RTP clock,
 * channels as SDP writes them), for legs that pick a codec without SDP of their own (extensions)
 * and for tests.
 */
import type { CodecName } from '../../media/index.ts';
import type { LegCodec } from './media-leg.ts';

const DEFAULTS: Record<CodecName, LegCodec> = {
  PCMU: { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 },
  PCMA: { name: 'PCMA', payloadType: 8, clockRate: 8000, channels: 1 },
  G722: { name: 'G722', payloadType: 9, clockRate: 8000, channels: 1 },
  opus: { name: 'opus', payloadType: 111, clockRate: 48000, channels: 2 },
  L16: { name: 'L16', payloadType: 96, clockRate: 16000, channels: 1 },
};

/** A LegCodec for `name` with its customary payload type (override with `payloadType`). */
export function legCodec(name: CodecName, payloadType?: number): LegCodec {
  const c = DEFAULTS[name];
  return payloadType === undefined ? { ...c } : { ...c, payloadType };
}
