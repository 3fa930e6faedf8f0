/**
 * The call detail record kept for every call when it ends: parties, direction, times, end reason
 * with its SIP status, the bridge mode, and per leg the codec and what its media did (packets
 * each way, loss and jitter of what it sent us, as the bridge measured them). Network legs that
 * received media also carry `quality`: jitter, loss ratio and an E-model MOS estimate
 * (gateway/calls/quality).
 */
import type { BridgeMode, BridgeStats } from './bridge.ts';
import type { CallEndReason } from './call-end.ts';
import type { CallLegStats } from './call-leg.ts';
import { legQuality, type LegQuality } from './quality/leg-quality.ts';

export type CallDirection = 'inbound' | 'outbound';

/** Who ended the call. */
export type CallEndedBy = 'caller' | 'callee' | 'system';

export interface LegRecord {
  id: string;
  kind: string;
  codec: string | null;
  remote: string | null;
  /** Packets the leg sent us. */
  packetsReceived: number;
  /** Packets we sent the leg. */
  packetsSent: number;
  /** RFC 3550 cumulative loss of the leg's stream toward us. */
  packetsLost: number;
  /** Interarrival jitter of the leg's stream (ms). */
  jitterMs: number;
  /**
   * Quality of the leg's stream toward us: jitter, loss ratio (0…1), MOS estimate. Null for legs
   * without network media (extensions, bot streams) and legs that received nothing.
   */
  quality: LegQuality | null;
}

export interface CallDetailRecord {
  callId: string;
  from: string;
  to: string;
  direction: CallDirection;
  /** How the call was routed, e.g. 'user:1002', 'trunk:telnyx', 'extension:echo'. */
  route: string | null;
  /** ISO 8601 times. */
  startTime: string;
  answerTime: string | null;
  endTime: string;
  /** From answer to end (s); 0 when never answered. */
  durationSeconds: number;
  endReason: CallEndReason;
  /** The SIP status that ended the call (200 for a normal hang-up). */
  sipCode: number;
  endedBy: CallEndedBy;
  bridgeMode: BridgeMode | null;
  legs: { a: LegRecord; b: LegRecord | null };
}

/**
 * The record of one leg from its stats and the bridge direction stats (`side` = that leg's side).
 * A leg whose stats carry an RTCP round trip (`rttMs`) gets half of it counted as one-way delay in
 * its MOS estimate.
 */
export function legRecord(leg: CallLegStats & { rttMs?: number | null }, bridge: BridgeStats | undefined, side: 'a' | 'b'): LegRecord {
  const fromLeg = side === 'a' ? bridge?.aToB : bridge?.bToA;
  const toLeg = side === 'a' ? bridge?.bToA : bridge?.aToB;
  const codec = leg.codec ?? fromLeg?.fromCodec ?? null;
  const packetsReceived = fromLeg?.packetsIn ?? 0;
  const packetsLost = fromLeg?.lost ?? 0;
  const jitterMs = fromLeg?.jitterMs ?? 0;
  return {
    id: leg.id,
    kind: leg.kind,
    codec,
    remote: leg.remote ?? null,
    packetsReceived,
    packetsSent: toLeg?.packetsSent ?? 0,
    packetsLost,
    jitterMs: Math.round(jitterMs * 100) / 100,
    quality: legQuality({ kind: leg.kind, codec, packetsReceived, packetsLost, jitterMs, rttMs: leg.rttMs }),
  };
}
