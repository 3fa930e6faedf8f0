/**
 * MediaPolicy: per-leg media limits from configuration, for a leg toward or from one xbridge
 * `server.peers[]` entry or one trunk — `codecs` (the codecs allowed on that leg, named as xbridge writes them:
 * ulaw/pcmu, alaw/pcma, g722, opus; telephone-event is always allowed; empty = any) and
 * `rtpAddress` (the address advertised in c=/o= of that leg's SDP instead of server.rtp_address;
 * RTP still binds where the port pool binds) and, for a trunk with its own RTP range, `ports`. The SessionFactory applies it: our offer lists only
 * the allowed codecs, our answer picks only among them, and an offer with none of them is refused
 * with `SdpNegotiationError` (488 Not Acceptable Here) before any media is allocated.
 * Pure functions only; `peerMediaPolicy` turns a PeerConfig into a policy.
 */
import type { CodecName } from '../../../media/index.ts';
import type { PeerConfig } from '../../config/index.ts';
import type { RtpPortPool } from '../../rtp/index.ts';
import { SdpNegotiationError } from '../../sip/index.ts';
import { isWebRtcOffer, offeredCodecs, RTP_CODECS, WEBRTC_CODECS } from './media-session.ts';

type RtpCodec = Exclude<CodecName, 'L16'>;

/** Media limits for one leg. Both fields optional; an absent or empty `codecs` allows every codec. */
export interface MediaPolicy {
  /** Allowed codecs as xbridge names them (ulaw, alaw, pcmu, pcma, g722, opus; any case). Empty/absent = any. */
  codecs?: readonly string[];
  /** Address advertised in this leg's SDP (c= and o=), overriding server.rtp_address. Must be an IP address. */
  rtpAddress?: string;
  /** Where this leg's RTP ports come from (a trunk's own rtp_port_min..max). Default: the engine's pool. */
  ports?: RtpPortPool;
}

/** xbridge / config codec names → ours. telephone-event maps to itself: it is always allowed. */
const POLICY_NAMES: Readonly<Record<string, RtpCodec | 'telephone-event'>> = {
  ulaw: 'PCMU',
  mulaw: 'PCMU',
  pcmu: 'PCMU',
  g711u: 'PCMU',
  alaw: 'PCMA',
  pcma: 'PCMA',
  g711a: 'PCMA',
  g722: 'G722',
  opus: 'opus',
  'telephone-event': 'telephone-event',
};

/** Our codec for one policy name (case-insensitive), 'telephone-event', or undefined when unknown. */
export function policyCodec(name: string): RtpCodec | 'telephone-event' | undefined {
  return POLICY_NAMES[name.trim().toLowerCase()];
}

/**
 * The audio codecs a policy allows, in the policy's order without duplicates; undefined when it
 * allows any (no policy, no `codecs`, or none that names an audio codec — unknown names are
 * ignored, and the config schema refuses them anyway).
 */
export function policyCodecs(policy: MediaPolicy | undefined): RtpCodec[] | undefined {
  const out: RtpCodec[] = [];
  for (const name of policy?.codecs ?? []) {
    const c = policyCodec(name);
    if (c && c !== 'telephone-event' && !out.includes(c)) out.push(c);
  }
  return out.length > 0 ? out : undefined;
}

/** `codecs` narrowed to those `policy` allows (all of them when it allows any), order kept. */
export function allowedByPolicy<T extends string>(codecs: readonly T[], policy: MediaPolicy | undefined): T[] {
  const allowed = policyCodecs(policy) as readonly string[] | undefined;
  return allowed ? codecs.filter((c) => allowed.includes(c)) : [...codecs];
}

/**
 * Why `policy` refuses an offer, or undefined when it may be answered: the offer's first audio
 * m-line carries none of the allowed codecs that its kind of leg can take (Opus/PCMU/PCMA for a
 * browser's offer, any RTP codec we bridge otherwise). The error is the SDP layer's 488.
 */
export function policyRefusal(offer: string, policy: MediaPolicy | undefined): SdpNegotiationError | undefined {
  const allowed = policyCodecs(policy);
  if (!allowed) return undefined;
  const carried: readonly string[] = isWebRtcOffer(offer) ? WEBRTC_CODECS : RTP_CODECS;
  const offered = offeredCodecs(offer).filter((c) => carried.includes(c));
  if (offered.some((c) => allowed.includes(c))) return undefined;
  return new SdpNegotiationError(
    'no-common-media',
    `the offer has none of the allowed codecs (${allowed.join(', ')}); it offers ${offered.join(', ') || 'none we carry'}`,
  );
}

/**
 * The media policy of an xbridge peer (server.peers[]): its `codecs` and `rtp_address`; undefined
 * for no peer, or a peer that sets neither (nothing to apply).
 */
export function peerMediaPolicy(peer: PeerConfig | undefined): MediaPolicy | undefined {
  if (!peer) return undefined;
  const codecs = peer.codecs ?? [];
  const rtpAddress = peer.rtp_address;
  if (codecs.length === 0 && rtpAddress === undefined) return undefined;
  return {
    ...(codecs.length > 0 ? { codecs: [...codecs] } : {}),
    ...(rtpAddress !== undefined ? { rtpAddress } : {}),
  };
}
