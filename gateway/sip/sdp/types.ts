/**
 * The session description model the calls layer works with: one `SdpSession` with resolved
 * per-m-line values (connection address, direction, ICE credentials inherited from session level),
 * typed codecs, ICE, DTLS and SDES. `parseSdp` builds it from text, `writeSdp` turns it back.
 */

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** Transport protocols on m= lines we meet (others are carried as their text). */
export type MediaProtocol =
  | 'RTP/AVP'
  | 'RTP/AVPF'
  | 'RTP/SAVP'
  | 'RTP/SAVPF'
  | 'UDP/TLS/RTP/SAVP'
  | 'UDP/TLS/RTP/SAVPF'
  | (string & {});

/** One RTP payload format (a=rtpmap / a=fmtp, or the RFC 3551 static table). */
export interface SdpCodec {
  /** Payload type. */
  pt: number;
  /** Encoding name as written, e.g. 'opus', 'PCMU', 'telephone-event'. */
  name: string;
  /** RTP clock rate (G.722 says 8000). */
  clockRate: number;
  /** Audio channels; 1 unless the rtpmap says otherwise. */
  channels: number;
  /** a=fmtp parameters, verbatim (e.g. 'minptime=10;useinbandfec=1', '0-16'). */
  fmtp?: string;
  /** a=rtcp-fb values for this payload type, verbatim (e.g. 'transport-cc', 'nack pli'). */
  rtcpFb?: string[];
}

/** An ICE candidate (RFC 8839 §5.1). */
export interface SdpCandidate {
  foundation: string;
  component: number;
  transport: string;
  priority: number;
  address: string;
  port: number;
  type: string;
  relatedAddress?: string;
  relatedPort?: number;
  tcpType?: string;
  generation?: number;
}

export interface SdpIce {
  ufrag: string;
  pwd: string;
  /** a=ice-options, e.g. 'trickle'. */
  options?: string;
  /** a=ice-lite (session level). */
  lite: boolean;
  candidates: SdpCandidate[];
  endOfCandidates: boolean;
}

export type DtlsSetup = 'actpass' | 'active' | 'passive' | 'holdconn';

export interface SdpDtls {
  /** Hash function name as written, e.g. 'sha-256'. */
  fingerprintAlgorithm: string;
  /** Colon-separated upper-case hex. */
  fingerprint: string;
  setup: DtlsSetup;
}

/** One key-params entry of a=crypto (RFC 4568 §6.1): `inline:<key||salt>[|lifetime][|MKI:len]`. */
export interface SdesKey {
  /** 'inline' is the only method defined. */
  method: string;
  /** base64 of master key ‖ master salt. */
  keySalt: string;
  /** e.g. '2^20' (as written). */
  lifetime?: string;
  mki?: { value: number; length: number };
}

/** An a=crypto line (RFC 4568). */
export interface SdpCrypto {
  tag: number;
  /** e.g. 'AES_CM_128_HMAC_SHA1_80'. */
  suite: string;
  keys: SdesKey[];
  /** Session parameters verbatim, e.g. ['UNENCRYPTED_SRTCP']. */
  sessionParams: string[];
}

export interface SdpExtmap {
  id: number;
  uri: string;
  direction?: string;
  config?: string;
}

export interface SdpSsrc {
  id: number;
  attribute: string;
  value?: string;
}

/** One m= section with session-level values already applied. */
export interface SdpMedia {
  /** 'audio', 'video', 'application', … */
  media: string;
  /** 0 = rejected / disabled. */
  port: number;
  protocol: MediaProtocol;
  /** Formats of the m= line in order (payload types as text for RTP). */
  formats: string[];
  /** Connection address (media c= or else session c=); '0.0.0.0' for legacy hold. */
  address: string;
  /** RTP payload formats in m= order, telephone-event / CN / red included. */
  codecs: SdpCodec[];
  direction: MediaDirection;
  ptime?: number;
  maxptime?: number;
  rtcpMux: boolean;
  rtcpRsize?: boolean;
  /** a=rtcp (RFC 3605). */
  rtcp?: { port: number; address?: string };
  ice?: SdpIce;
  dtls?: SdpDtls;
  crypto: SdpCrypto[];
  mid?: string;
  msid?: string;
  ssrcs: SdpSsrc[];
  ssrcGroups: { semantics: string; ssrcs: string }[];
  extmaps: SdpExtmap[];
  /** b= lines, e.g. [{ type: 'AS', limit: 64 }]. */
  bandwidth: { type: string; limit: number }[];
  /** Attribute lines we have no field for, without 'a=' (kept verbatim). */
  otherAttributes: string[];
}

export interface SdpOrigin {
  username: string;
  /** Kept as text: browsers use ids beyond 2^53. */
  sessionId: string;
  sessionVersion: number;
  address: string;
}

export interface SdpSession {
  origin: SdpOrigin;
  /** s= */
  name: string;
  /** Session-level c= address, if any. */
  address?: string;
  /** a=group lines, e.g. [{ semantics: 'BUNDLE', mids: ['0', '1'] }]. */
  groups: { semantics: string; mids: string[] }[];
  media: SdpMedia[];
  /** Session-level attribute lines we have no field for, without 'a=' (msid-semantic, tool, …). */
  otherAttributes: string[];
}
