/**
 * What an RtpLeg is given: its options (the engine's clock and port pool, addresses, timers,
 * latching) with defaults, and the remote description from offer/answer (`RtpLegRemote`: where
 * to send, the negotiated codec and telephone-event, direction, SDES keys). `resolveRtpLegOptions`
 * fills defaults and validates once, so the leg never guesses.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { MediaClock } from '../../media/clock.ts';
import type { SrtpSuiteName } from '../../media/srtp/index.ts';
import { RtpError } from './errors.ts';
import type { RtpPortPool } from './port-pool.ts';

/** SDP direction from our side: what we may do. */
export type RtpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** Codecs an RtpLeg carries (payload level; it never decodes). */
export type RtpLegCodecName = 'PCMU' | 'PCMA' | 'G722' | 'opus';

/** The negotiated codec, as the calls layer hands it over. */
export interface RtpLegCodec {
  /** Payload type we send with and accept for audio. */
  payloadType: number;
  codec: RtpLegCodecName;
  /** RTP clock rate (8000 for G.722, 48000 for Opus). */
  clockRate: number;
  /** Negotiated telephone-event payload type, if any. */
  telephoneEventPt?: number;
  /** Clock rate of telephone-event. Default: `clockRate`. */
  telephoneEventClockRate?: number;
}

/** SDES-SRTP keys from the negotiated a=crypto lines. */
export interface RtpLegSrtp {
  suite: SrtpSuiteName;
  /** Our inline key‖salt (base64), from our a=crypto: we encrypt with it. */
  localKey: string;
  /** The peer's inline key‖salt (base64), from its a=crypto: we decrypt with it. */
  remoteKey: string;
  /** UNENCRYPTED_SRTP was agreed. Default false. */
  unencryptedSrtp?: boolean;
  /** UNENCRYPTED_SRTCP was agreed. Default false. */
  unencryptedSrtcp?: boolean;
}

/** The peer's side of the negotiated m-line. */
export interface RtpLegRemote {
  /** Where to send RTP until latching learns better (the c= address). */
  address: string;
  port: number;
  /** RTCP destination. Default: `address`, and `port` + 1 (or `port` with rtcp-mux). */
  rtcpAddress?: string;
  rtcpPort?: number;
  /** RTP and RTCP share the RTP port (a=rtcp-mux agreed). Default false. */
  rtcpMux?: boolean;
  codec: RtpLegCodec;
  /** What we may do (our direction after offer/answer). Default 'sendrecv'. */
  direction?: RtpDirection;
  /** SDES-SRTP; absent for plain RTP. */
  srtp?: RtpLegSrtp;
  /** The peer's SSRC if its SDP announced one (a=ssrc); the first latch then requires it. */
  ssrc?: number;
}

export interface RtpLegOptions {
  /** The engine's media clock; RTCP, DTMF, timeouts run on its ticks (the leg never starts it). Required. */
  clock: MediaClock;
  /** Where the leg's ports come from (its bind address is where we listen). Required. */
  ports: RtpPortPool;
  /** Leg id for logs and stats. Default: a random UUID. */
  id?: string;
  /**
   * Address we advertise in SDP (`rtp_address`; may differ from the bind address behind 1:1 NAT
   * or when binding the wildcard). Default: the pool's bind address, which must then not be a
   * wildcard.
   */
  advertisedAddress?: string;
  /** RTCP SDES CNAME. Default: `patchbay-<random>`. */
  cname?: string;
  /** Symmetric RTP: send to where the peer's packets come from (see `./source-latch.ts`). Default true. */
  latching?: boolean;
  /** Consecutive packets from a new source before the latch moves; 0 never moves it. Default 5. */
  relatchPackets?: number;
  /** No RTP for this long while the peer should be sending emits `timeout` (ms); 0 turns it off. Default 30000. */
  rtpTimeoutMs?: number;
  /** On hold (we only send, or inactive): no RTP or RTCP for this long emits `timeout` (ms); 0 off. Default 0. */
  holdTimeoutMs?: number;
  /** Mean RTCP report interval (ms); each interval is drawn from [0.5, 1.5] × this (RFC 3550 §6.3.1). Default 5000. */
  rtcpIntervalMs?: number;
  /** An incoming DTMF event without end packets ends after this long (ms). Default 500. */
  dtmfEndTimeoutMs?: number;
  /** SRTP replay window (packets). Default 128. */
  srtpReplayWindow?: number;
  /** Send buffers in the ring (see `./send-ring.ts`). Default 16. */
  sendBuffers?: number;
}

export interface ResolvedRtpLegOptions {
  clock: MediaClock;
  ports: RtpPortPool;
  id: string;
  advertisedAddress: string;
  cname: string;
  latching: boolean;
  relatchPackets: number;
  rtpTimeoutMs: number;
  holdTimeoutMs: number;
  rtcpIntervalMs: number;
  dtmfEndTimeoutMs: number;
  srtpReplayWindow: number;
  sendBuffers: number;
}

function nonNegative(name: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0)) throw new RtpError('bad-options', `${name} must be a number >= 0, got ${v}`);
  return v;
}

export function resolveRtpLegOptions(options: RtpLegOptions): ResolvedRtpLegOptions {
  if (!options?.clock) throw new RtpError('bad-options', 'clock is required');
  if (!options.ports) throw new RtpError('bad-options', 'ports (an RtpPortPool) is required');
  const bind = options.ports.bindAddress;
  const advertised = options.advertisedAddress ?? bind;
  if (!isIP(advertised)) throw new RtpError('bad-options', `advertisedAddress ${JSON.stringify(advertised)} is not an IP address`);
  if (advertised === '0.0.0.0' || advertised === '::') {
    throw new RtpError('bad-options', 'the pool binds a wildcard address: advertisedAddress (rtp_address) is required');
  }
  const interval = nonNegative('rtcpIntervalMs', options.rtcpIntervalMs ?? 5000);
  if (interval < 100) throw new RtpError('bad-options', 'rtcpIntervalMs must be >= 100');
  return {
    clock: options.clock,
    ports: options.ports,
    id: options.id ?? randomUUID(),
    advertisedAddress: advertised,
    cname: options.cname ?? `patchbay-${randomUUID().slice(0, 8)}`,
    latching: options.latching ?? true,
    relatchPackets: Math.floor(nonNegative('relatchPackets', options.relatchPackets ?? 5)),
    rtpTimeoutMs: nonNegative('rtpTimeoutMs', options.rtpTimeoutMs ?? 30_000),
    holdTimeoutMs: nonNegative('holdTimeoutMs', options.holdTimeoutMs ?? 0),
    rtcpIntervalMs: interval,
    dtmfEndTimeoutMs: nonNegative('dtmfEndTimeoutMs', options.dtmfEndTimeoutMs ?? 500) || 500,
    srtpReplayWindow: Math.floor(nonNegative('srtpReplayWindow', options.srtpReplayWindow ?? 128)),
    sendBuffers: Math.max(1, Math.floor(nonNegative('sendBuffers', options.sendBuffers ?? 16))),
  };
}

/** Check a remote description; throws RtpError('bad-options') with what is wrong. */
export function checkRemote(remote: RtpLegRemote): void {
  if (!isIP(remote.address)) throw new RtpError('bad-options', `remote address ${JSON.stringify(remote.address)} is not an IP address`);
  const port = (p: number | undefined) => p === undefined || (Number.isInteger(p) && p > 0 && p <= 65535);
  if (!port(remote.port) || !port(remote.rtcpPort)) throw new RtpError('bad-options', `remote port ${remote.port}/${remote.rtcpPort} invalid`);
  if (remote.rtcpAddress !== undefined && !isIP(remote.rtcpAddress)) throw new RtpError('bad-options', 'remote rtcpAddress is not an IP address');
  const c = remote.codec;
  const pt = (v: number | undefined) => v === undefined || (Number.isInteger(v) && v >= 0 && v <= 127 && !(v >= 64 && v <= 95));
  if (!c || !pt(c.payloadType) || !pt(c.telephoneEventPt)) throw new RtpError('bad-options', 'codec payload types must be 0..127 outside 64..95');
  if (c.telephoneEventPt === c.payloadType) throw new RtpError('bad-options', 'telephone-event and audio share a payload type');
  if (!(c.clockRate > 0)) throw new RtpError('bad-options', 'codec clockRate must be positive');
}
