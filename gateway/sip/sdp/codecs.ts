/**
 * Codec identity for offer/answer: the RFC 3551 static payload types, local codec specs, and
 * when an offered payload format "is" one of ours (name + clock rate + channels, plus the fmtp
 * parameters that change the bitstream, e.g. AMR octet-align or H.264 packetization-mode).
 */
import type { SdpCodec } from './types.ts';

/** A codec we can handle, as the local side describes it (no payload type needed). */
export interface CodecSpec {
  /** Encoding name, case-insensitive ('PCMU', 'opus', 'G722', …). */
  name: string;
  clockRate: number;
  /** Default 1 (2 for opus, whose rtpmap is always opus/48000/2). */
  channels?: number;
  /** fmtp to advertise, e.g. 'minptime=10;useinbandfec=1'. */
  fmtp?: string;
  /** Payload type to use in offers; default: the static one, else a free dynamic one. */
  pt?: number;
}

/** RFC 3551 §6 static audio/video payload types. */
const STATIC: ReadonlyMap<number, readonly [string, number, number]> = new Map([
  [0, ['PCMU', 8000, 1]],
  [3, ['GSM', 8000, 1]],
  [4, ['G723', 8000, 1]],
  [5, ['DVI4', 8000, 1]],
  [6, ['DVI4', 16000, 1]],
  [7, ['LPC', 8000, 1]],
  [8, ['PCMA', 8000, 1]],
  [9, ['G722', 8000, 1]],
  [10, ['L16', 44100, 2]],
  [11, ['L16', 44100, 1]],
  [12, ['QCELP', 8000, 1]],
  [13, ['CN', 8000, 1]],
  [14, ['MPA', 90000, 1]],
  [15, ['G728', 8000, 1]],
  [16, ['DVI4', 11025, 1]],
  [17, ['DVI4', 22050, 1]],
  [18, ['G729', 8000, 1]],
  [25, ['CelB', 90000, 1]],
  [26, ['JPEG', 90000, 1]],
  [28, ['nv', 90000, 1]],
  [31, ['H261', 90000, 1]],
  [32, ['MPV', 90000, 1]],
  [33, ['MP2T', 90000, 1]],
  [34, ['H263', 90000, 1]],
]);

/** The codec a static payload type stands for when no a=rtpmap describes it. */
export function staticCodec(pt: number): SdpCodec | undefined {
  const s = STATIC.get(pt);
  return s ? { pt, name: s[0], clockRate: s[1], channels: s[2] } : undefined;
}

/** The static payload type of a codec, if it has one. */
export function staticPayloadType(spec: CodecSpec): number | undefined {
  const channels = specChannels(spec);
  for (const [pt, [name, rate, ch]] of STATIC) {
    if (name.toLowerCase() === spec.name.toLowerCase() && rate === spec.clockRate && ch === channels) {
      return pt;
    }
  }
  return undefined;
}

/** Channels of a spec with the defaults applied. */
export function specChannels(spec: CodecSpec): number {
  return spec.channels ?? (spec.name.toLowerCase() === 'opus' ? 2 : 1);
}

export function isTelephoneEvent(codec: { name: string }): boolean {
  return codec.name.toLowerCase() === 'telephone-event';
}

/**
 * Formats that ride along a real codec rather than carry media by themselves: RFC 4733 events,
 * comfort noise, redundancy, FEC and retransmission.
 */
export function isAuxiliaryCodec(codec: { name: string }): boolean {
  return ['telephone-event', 'cn', 'red', 'ulpfec', 'flexfec-03', 'rtx'].includes(codec.name.toLowerCase());
}

/** fmtp as a map: 'a=1; b=2' → {a: '1', b: '2'} (keys lower-cased). */
export function parseFmtp(fmtp: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!fmtp) return out;
  for (const part of fmtp.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (part.trim()) out.set(part.trim().toLowerCase(), '');
    } else {
      out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
    }
  }
  return out;
}

/** fmtp parameters that must agree for two descriptions to be the same payload format. */
const FMTP_IDENTITY: Record<string, [param: string, fallback: string][]> = {
  amr: [['octet-align', '0']],
  'amr-wb': [['octet-align', '0']],
  h264: [['packetization-mode', '0']],
  vp9: [['profile-id', '0']],
  ilbc: [['mode', '30']],
};

/** Whether an offered payload format is the codec `spec` describes. */
export function codecMatches(offered: SdpCodec, spec: CodecSpec): boolean {
  const name = offered.name.toLowerCase();
  if (name !== spec.name.toLowerCase()) return false;
  if (offered.clockRate !== spec.clockRate) return false;
  if (offered.channels !== specChannels(spec)) return false;
  const identity = FMTP_IDENTITY[name];
  if (identity) {
    const a = parseFmtp(offered.fmtp);
    const b = parseFmtp(spec.fmtp);
    for (const [param, dflt] of identity) {
      if ((a.get(param) ?? dflt) !== (b.get(param) ?? dflt)) return false;
    }
  }
  return true;
}
