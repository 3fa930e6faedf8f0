/**
 * Options of a WebRTC leg (what the caller chooses) and their defaults. Every field is optional;
 * `resolveWebRtcLegOptions` fills the defaults and validates once, so the leg itself never guesses.
 * Nothing here defaults to a public server: no STUN/TURN unless `iceServers` names one.
 */
import { isIP } from 'node:net';
import { WebRtcLegError } from './errors.ts';

/** Audio codecs the leg can negotiate (telephone-event is added on its own). */
export type WebRtcAudioCodec = 'opus' | 'PCMU' | 'PCMA';

/** All codec names that can appear on the leg's RTP. */
export type WebRtcCodecName = WebRtcAudioCodec | 'telephone-event';

/** A STUN or TURN server, as in RTCIceServer. */
export interface WebRtcIceServer {
  /** `stun:host:port`, `turn:host:port?transport=udp|tcp` or `turns:host:port`. */
  urls: string | string[];
  /** TURN user name. */
  username?: string;
  /** TURN password. */
  credential?: string;
}

export interface WebRtcLegOptions {
  /** Leg id for logs and stats. Default: a random UUID. */
  id?: string;
  /**
   * Addresses our host candidates are offered on — the only ones; werift's own interface scan is
   * switched off. Use the interface (or 1:1-NATed public) addresses of the media host.
   * Default ['127.0.0.1'] (loopback only: safe, and what tests use).
   */
  hostAddresses?: string[];
  /**
   * Address the UDP sockets bind to. Default: the single IPv4 (and single IPv6) address of
   * `hostAddresses` when there is exactly one per family, else the wildcard address.
   */
  bindAddresses?: { udp4?: string; udp6?: string };
  /** UDP port range [min, max] for ICE sockets. Default: any ephemeral port. */
  portRange?: [number, number];
  /** STUN/TURN servers. Default [] — none; werift's public STUN fallback is always overridden. */
  iceServers?: WebRtcIceServer[];
  /** Gather relay candidates only (needs a TURN server in `iceServers`). Default false. */
  relayOnly?: boolean;
  /**
   * Be an ICE-lite agent (RFC 8445 §2.5): host candidates only, never controlling, no checks of
   * our own — for a gateway on a public address. Default false (full ICE agent).
   */
  iceLite?: boolean;
  /**
   * Extra say over which remote candidate addresses we may send to. Always applied besides it:
   * mDNS (`.local`) candidates are dropped (resolving them would multicast on our LAN) and a
   * loopback address only pairs with a loopback address. Default: every other address allowed.
   */
  allowRemoteAddress?: (address: string) => boolean;
  /**
   * Audio codecs in order of preference; the first one both sides support is what we send
   * (put the far leg's codec first for passthrough). Default ['opus', 'PCMU', 'PCMA'].
   */
  codecs?: WebRtcAudioCodec[];
  /** Offer/accept RFC 4733 telephone-event (48000 and 8000 Hz). Default true. */
  telephoneEvent?: boolean;
  /** Give up when ICE+DTLS are not connected this long after the remote description (ms). Default 20000. */
  connectTimeoutMs?: number;
  /** An incoming DTMF event without end packets ends after this long (ms). Default 500. */
  dtmfEndTimeoutMs?: number;
  /**
   * Fail a connected leg that received nothing (no STUN check, no SRTP/SRTCP) for this long (ms);
   * 0 turns it off. Browsers send consent checks every few seconds even on hold. Default 30000.
   */
  silenceTimeoutMs?: number;
}

/** Options with every default applied. */
export interface ResolvedWebRtcLegOptions {
  id: string;
  hostAddresses: string[];
  bindAddresses: { udp4?: string; udp6?: string };
  portRange: [number, number] | undefined;
  iceServers: WebRtcIceServer[];
  relayOnly: boolean;
  iceLite: boolean;
  allowRemoteAddress: ((address: string) => boolean) | undefined;
  codecs: WebRtcAudioCodec[];
  telephoneEvent: boolean;
  connectTimeoutMs: number;
  dtmfEndTimeoutMs: number;
  silenceTimeoutMs: number;
}

const AUDIO_CODECS: readonly WebRtcAudioCodec[] = ['opus', 'PCMU', 'PCMA'];

export function resolveWebRtcLegOptions(options: WebRtcLegOptions = {}): ResolvedWebRtcLegOptions {
  const hostAddresses = options.hostAddresses ?? ['127.0.0.1'];
  if (hostAddresses.length === 0) throw new WebRtcLegError('bad-options', 'hostAddresses must list at least one address');
  for (const a of hostAddresses) {
    if (!isIP(a)) throw new WebRtcLegError('bad-options', `hostAddresses: ${JSON.stringify(a)} is not an IP address`);
  }
  const v4 = hostAddresses.filter((a) => isIP(a) === 4);
  const v6 = hostAddresses.filter((a) => isIP(a) === 6);
  const bindAddresses = options.bindAddresses ?? {
    ...(v4.length === 1 ? { udp4: v4[0] } : {}),
    ...(v6.length === 1 ? { udp6: v6[0] } : {}),
  };
  const codecs = options.codecs ?? [...AUDIO_CODECS];
  if (codecs.length === 0) throw new WebRtcLegError('bad-options', 'codecs must list at least one codec');
  for (const c of codecs) {
    if (!AUDIO_CODECS.includes(c)) throw new WebRtcLegError('bad-options', `codecs: unknown codec ${JSON.stringify(c)}`);
  }
  const portRange = options.portRange;
  if (portRange && !(portRange[0] > 0 && portRange[0] < portRange[1] && portRange[1] <= 65535)) {
    throw new WebRtcLegError('bad-options', `portRange ${portRange.join('-')} must be 1 ≤ min < max ≤ 65535`);
  }
  const relayOnly = options.relayOnly ?? false;
  const iceServers = (options.iceServers ?? []).map((s) => ({ ...s }));
  if (relayOnly && !iceServers.some((s) => [s.urls].flat().some((u) => u.startsWith('turn')))) {
    throw new WebRtcLegError('bad-options', 'relayOnly needs a TURN server in iceServers');
  }
  return {
    id: options.id ?? crypto.randomUUID(),
    hostAddresses: [...hostAddresses],
    bindAddresses,
    portRange: portRange ? [portRange[0], portRange[1]] : undefined,
    iceServers,
    relayOnly,
    iceLite: options.iceLite ?? false,
    allowRemoteAddress: options.allowRemoteAddress,
    codecs: [...new Set(codecs)],
    telephoneEvent: options.telephoneEvent ?? true,
    connectTimeoutMs: options.connectTimeoutMs ?? 20_000,
    dtmfEndTimeoutMs: options.dtmfEndTimeoutMs ?? 500,
    silenceTimeoutMs: options.silenceTimeoutMs ?? 30_000,
  };
}
