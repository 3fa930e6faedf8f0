/**
 * The call detail record kept for every call when it ends: parties, direction, times, end reason
 * with its SIP status, the bridge mode, and per leg the codec and what its media did (packets
 * each way, loss and jitter of what it sent us, as the bridge measured them).
 */
import type { BridgeMode, BridgeStats } from './bridge.ts';
import type { CallEndReason } from './call-end.ts';
import type { CallLegStats } from './call-leg.ts';

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

/** The record of one leg from its stats and the bridge direction stats (`side` = that leg's side). */
export function legRecord(leg: CallLegStats, bridge: BridgeStats | undefined, side: 'a' | 'b'): LegRecord {
  const fromLeg = side === 'a' ? bridge?.aToB : bridge?.bToA;
  const toLeg = side === 'a' ? bridge?.bToA : bridge?.aToB;
  return {
    id: leg.id,
    kind: leg.kind,
    codec: leg.codec ?? fromLeg?.fromCodec ?? null,
    remote: leg.remote ?? null,
    packetsReceived: fromLeg?.packetsIn ?? 0,
    packetsSent: toLeg?.packetsSent ?? 0,
    packetsLost: fromLeg?.lost ?? 0,
    jitterMs: Math.round((fromLeg?.jitterMs ?? 0) * 100) / 100,
  };
}
