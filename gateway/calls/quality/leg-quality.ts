/**
 * The media quality of one call leg for its CDR: jitter, loss ratio and an E-model MOS estimate
 * (mos.ts) of the stream the leg sent us, from the receive figures the bridge kept (RFC 3550
 * loss and interarrival jitter). Only legs whose media crossed a network as RTP get one: SIP and
 * WebRTC legs. Extension legs (`extension:*`) and bot streams make their audio in-process, so a
 * quality figure for them would only say how steady our own clock is. A leg that received
 * nothing has no figures either.
 */
import { estimateQuality } from './mos.ts';

/** Leg kinds whose received stream is RTP off the network; the histograms' `leg_kind` values. */
export const NETWORK_LEG_KINDS = ['sip', 'webrtc'] as const;
export type NetworkLegKind = (typeof NETWORK_LEG_KINDS)[number];

export function isNetworkLegKind(kind: string): kind is NetworkLegKind {
  return (NETWORK_LEG_KINDS as readonly string[]).includes(kind);
}

/** What the CDR shows per leg under `quality`. */
export interface LegQuality {
  /** RFC 3550 interarrival jitter of the leg's stream toward us (ms, 2 decimals). */
  jitterMs: number;
  /** Packets lost / packets expected of that stream, 0…1 (4 decimals). */
  lossRatio: number;
  /** E-model MOS estimate on the narrowband scale, 1…4.5 (2 decimals; a flawless stream scores 4.40). */
  mos: number;
}

/** The receive figures of one leg (a LegRecord fits), plus the RTCP round trip when known. */
export interface LegQualityInput {
  kind: string;
  codec: string | null | undefined;
  /** Packets the leg sent us. */
  packetsReceived: number;
  /** RFC 3550 cumulative loss (may be negative with duplicates: read as 0). */
  packetsLost: number;
  jitterMs: number;
  /** Round trip from RTCP (ms); half of it is taken as the one-way delay. */
  rttMs?: number | null;
}

/** The quality of a network leg that received media, else null (also for non-finite counters). */
export function legQuality(input: LegQualityInput): LegQuality | null {
  if (!isNetworkLegKind(input.kind) || !(input.packetsReceived > 0)) return null;
  if (![input.packetsReceived, input.packetsLost, input.jitterMs].every(Number.isFinite)) return null;
  const lost = Math.max(0, input.packetsLost);
  const lossRatio = lost / (input.packetsReceived + lost);
  const jitterMs = Math.max(0, input.jitterMs);
  const rtt = input.rttMs;
  const { mos } = estimateQuality({
    codec: input.codec,
    jitterMs,
    lossRatio,
    ...(rtt != null && rtt > 0 ? { oneWayDelayMs: rtt / 2 } : {}),
  });
  return { jitterMs: round(jitterMs, 2), lossRatio: round(lossRatio, 4), mos: round(mos, 2) };
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}
