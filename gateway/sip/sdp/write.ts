/**
 * `SdpSession` → SDP text via sdp-transform's writer (CRLF line ends, RFC 4566 line order).
 * Connection data goes at session level when every m-line shares it, else per m-line; ICE, DTLS
 * and direction are always written per m-line (ice-lite at session level).
 */
import * as sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { formatCrypto } from './crypto.ts';
import type { SdpMedia, SdpSession } from './types.ts';

function ipVersion(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/** Serializes a session description. */
export function writeSdp(session: SdpSession): string {
  const addresses = new Set(session.media.map((m) => m.address).filter(Boolean));
  const sessionAddress =
    session.address ?? (addresses.size === 1 ? [...addresses][0]! : session.origin.address);

  const raw: SessionDescription = {
    version: 0,
    origin: {
      username: session.origin.username,
      sessionId: session.origin.sessionId,
      sessionVersion: session.origin.sessionVersion,
      netType: 'IN',
      ipVer: ipVersion(session.origin.address),
      address: session.origin.address,
    },
    name: session.name || '-',
    timing: { start: 0, stop: 0 },
    connection: { version: ipVersion(sessionAddress), ip: sessionAddress },
    media: session.media.map((m) => writeMedia(m, sessionAddress)),
  };
  if (session.groups.length) {
    raw.groups = session.groups.map((g) => ({ type: g.semantics, mids: g.mids.join(' ') }));
  }
  if (session.media.some((m) => m.ice?.lite)) raw.icelite = 'ice-lite';
  if (session.otherAttributes.length) raw.invalid = session.otherAttributes.map((value) => ({ value }));
  return sdpTransform.write(raw);
}

function writeMedia(m: SdpMedia, sessionAddress: string): MediaDescription {
  const out: MediaDescription = {
    type: m.media,
    port: m.port,
    protocol: m.protocol,
    payloads: m.formats.join(' '),
    rtp: m.codecs.map((c) => ({
      payload: c.pt,
      codec: c.name,
      rate: c.clockRate,
      ...(c.channels > 1 ? { encoding: c.channels } : {}),
    })),
    fmtp: m.codecs.filter((c) => c.fmtp !== undefined).map((c) => ({ payload: c.pt, config: c.fmtp! })),
  };
  if (m.address && m.address !== sessionAddress) {
    out.connection = { version: ipVersion(m.address), ip: m.address };
  }
  if (m.bandwidth.length) {
    out.bandwidth = m.bandwidth.map((b) => ({ type: b.type as 'AS', limit: b.limit }));
  }
  const fb = m.codecs.flatMap((c) =>
    (c.rtcpFb ?? []).map((v) => {
      const [type, ...sub] = v.split(' ');
      return { payload: c.pt, type: type!, ...(sub.length ? { subtype: sub.join(' ') } : {}) };
    }),
  );
  if (fb.length) out.rtcpFb = fb;
  if (m.rtcp) {
    out.rtcp = m.rtcp.address
      ? { port: m.rtcp.port, netType: 'IN', ipVer: ipVersion(m.rtcp.address), address: m.rtcp.address }
      : { port: m.rtcp.port };
  }
  if (m.extmaps.length) {
    out.ext = m.extmaps.map((e) => ({
      value: e.id,
      uri: e.uri,
      ...(e.direction !== undefined ? { direction: e.direction } : {}),
      ...(e.config !== undefined ? { config: e.config } : {}),
    }));
  }
  if (m.crypto.length) {
    out.crypto = m.crypto.map((c) => {
      const [, suite, config, ...session] = formatCrypto(c).split(' ');
      return {
        id: c.tag,
        suite: suite!,
        config: config!,
        ...(session.length ? { sessionConfig: session.join(' ') } : {}),
      };
    });
  }
  if (m.dtls) {
    out.setup = m.dtls.setup;
    out.fingerprint = { type: m.dtls.fingerprintAlgorithm, hash: m.dtls.fingerprint };
  }
  if (m.mid !== undefined) out.mid = m.mid;
  if (m.msid !== undefined) out.msid = m.msid;
  if (m.ptime !== undefined) out.ptime = m.ptime;
  if (m.maxptime !== undefined) out.maxptime = m.maxptime;
  out.direction = m.direction;
  if (m.ice) {
    out.iceUfrag = m.ice.ufrag;
    out.icePwd = m.ice.pwd;
    if (m.ice.options !== undefined) out.iceOptions = m.ice.options;
    out.candidates = m.ice.candidates.map((c) => ({
      foundation: c.foundation,
      component: c.component,
      transport: c.transport,
      priority: c.priority,
      ip: c.address,
      port: c.port,
      type: c.type,
      ...(c.relatedAddress !== undefined ? { raddr: c.relatedAddress, rport: c.relatedPort ?? 0 } : {}),
      ...(c.tcpType !== undefined ? { tcptype: c.tcpType } : {}),
      ...(c.generation !== undefined ? { generation: c.generation } : {}),
    }));
    if (m.ice.endOfCandidates) out.endOfCandidates = 'end-of-candidates';
  }
  if (m.ssrcs.length) out.ssrcs = m.ssrcs.map((s) => ({ ...s }));
  if (m.ssrcGroups.length) out.ssrcGroups = m.ssrcGroups.map((g) => ({ ...g }));
  if (m.rtcpMux) out.rtcpMux = 'rtcp-mux';
  if (m.rtcpRsize) out.rtcpRsize = 'rtcp-rsize';
  if (m.otherAttributes.length) out.invalid = m.otherAttributes.map((value) => ({ value }));
  return out;
}
