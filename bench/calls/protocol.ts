/**
 * What the benchmark's processes say to each other over IPC (parent ⇄ load generator, parent ⇄
 * gateway child), and the bench users both sides agree on.
 */

/** transcode: the client offers Opus only (Opus ⇄ PCMU); passthrough: PCMU only (PCMU ⇄ PCMU). */
export type Mode = 'transcode' | 'passthrough';

/** The directory user the load generator's i-th client signs in as. */
export function benchUser(i: number): { username: string; password: string } {
  return { username: `load${String(i).padStart(4, '0')}`, password: `bench-${i}` };
}

export type LoadgenRequest =
  | { type: 'connect'; wsUrl: string; mode: Mode }
  | { type: 'resize'; calls: number }
  | { type: 'counters' }
  | { type: 'stop' };

export type LoadgenReply =
  | { type: 'ready'; sinkPort: number }
  | { type: 'connected' }
  | { type: 'resized'; calls: number; failed: number; errors: string[] }
  | { type: 'counters'; clientSent: number; clientReceived: number; sink: { sent: number; received: number; calls: number }; lateness: number; calls: number }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

export type GatewayRequest = { type: 'reset' } | { type: 'stats' } | { type: 'stop' };

/** The gateway's own view of one measurement window (since the last reset). */
export interface GatewayWindow {
  /** Where the lateness came from: the engine's MediaClock, or event-loop delay when none is reachable. */
  latenessSource: 'media-clock' | 'event-loop';
  ticks: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Active calls the gateway reports. */
  activeCalls: number | null;
  /** Packets that never reached a bridge (RFC 3550 loss at the gateway's sockets) since reset; null when not reachable. */
  ingressLost: number | null;
  /** Packets a bridge received but did not deliver (jitter-buffer discards, refused sends, stray payloads) since reset. */
  dropped: number | null;
  /** Packets into the bridges since reset. */
  packetsIn: number | null;
}

export type GatewayReply =
  | { type: 'ready'; httpPort: number; probe: string }
  | { type: 'reset' }
  | { type: 'stats'; window: GatewayWindow }
  | { type: 'error'; message: string };
