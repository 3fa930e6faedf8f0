/**
 * SDP text → `SdpSession`, on top of sdp-transform. Session-level defaults (c=, direction, ICE
 * credentials, fingerprint, setup) are resolved into each m-line; static payload types without
 * a=rtpmap get their RFC 3551 meaning; a=crypto is read from the raw lines (sdp-transform keeps
 * only one session parameter); attributes without a model field are kept verbatim.
 */
import * as sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { staticCodec } from './codecs.ts';
import { parseCrypto } from './crypto.ts';
import { SdpParseError } from './errors.ts';
import type {
  DtlsSetup,
  MediaDirection,
  SdpCandidate,
  SdpCodec,
  SdpCrypto,
  SdpIce,
  SdpMedia,
  SdpSession,
} from './types.ts';

/** sdp-transform fields the model represents (everything else is carried as text). */
const SESSION_FIELDS = new Set([
  'version', 'origin', 'name', 'timing', 'connection', 'media', 'groups', 'icelite', 'iceUfrag',
  'icePwd', 'iceOptions', 'fingerprint', 'setup', 'direction',
]);
const MEDIA_FIELDS = new Set([
  'type', 'port', 'protocol', 'payloads', 'numPorts', 'connection', 'bandwidth', 'rtp', 'fmtp',
  'rtcpFb', 'rtcp', 'mid', 'msid', 'ptime', 'maxptime', 'crypto', 'candidates', 'endOfCandidates',
  'ssrcs', 'ssrcGroups', 'rtcpMux', 'rtcpRsize', 'direction', 'ext', 'setup', 'iceUfrag', 'icePwd',
  'iceOptions', 'fingerprint',
]);

/** Parses SDP text. Throws `SdpParseError` when there is no usable o= line or an m= line is broken. */
export function parseSdp(text: string): SdpSession {
  const raw = sdpTransform.parse(text) as SessionDescription;
  if (!raw.origin) throw new SdpParseError('missing or malformed o= line');
  const cryptoBySection = rawCryptoLines(text);
  const sessionAddress = raw.connection?.ip !== undefined ? String(raw.connection.ip) : undefined;

  const media = raw.media.map((m, index): SdpMedia => {
    if (m.type === undefined || m.port === undefined || m.protocol === undefined) {
      throw new SdpParseError(`malformed m= line #${index + 1}`);
    }
    const formats = m.payloads === undefined ? [] : String(m.payloads).split(/\s+/).filter(Boolean);
    const isRtp = /RTP\//i.test(m.protocol);
    const codecs = isRtp ? parseCodecs(m, formats) : [];
    const ice = parseIce(raw, m);
    const fingerprint = m.fingerprint ?? raw.fingerprint;
    const setup = (m.setup ?? raw.setup) as DtlsSetup | undefined;
    const out: SdpMedia = {
      media: m.type,
      port: Number(m.port),
      protocol: m.protocol,
      formats,
      address: m.connection?.ip !== undefined ? String(m.connection.ip) : (sessionAddress ?? ''),
      codecs,
      direction: (m.direction ?? raw.direction ?? 'sendrecv') as MediaDirection,
      rtcpMux: m.rtcpMux !== undefined,
      crypto: (cryptoBySection[index + 1] ?? [])
        .map(parseCrypto)
        .filter((c): c is SdpCrypto => c !== undefined),
      ssrcs: (m.ssrcs ?? []).map((s) => ({
        id: Number(s.id),
        attribute: String(s.attribute),
        ...(s.value !== undefined ? { value: String(s.value) } : {}),
      })),
      ssrcGroups: (m.ssrcGroups ?? []).map((g) => ({ semantics: String(g.semantics), ssrcs: String(g.ssrcs) })),
      extmaps: (m.ext ?? []).map((e) => ({
        id: Number(e.value),
        uri: String(e.uri),
        ...(e.direction !== undefined ? { direction: String(e.direction) } : {}),
        ...(e.config !== undefined ? { config: String(e.config) } : {}),
      })),
      bandwidth: (m.bandwidth ?? []).map((b) => ({ type: String(b.type), limit: Number(b.limit) })),
      otherAttributes: leftoverAttributes(m as unknown as Record<string, unknown>, MEDIA_FIELDS, true),
    };
    if (m.ptime !== undefined) out.ptime = Number(m.ptime);
    if (m.maxptime !== undefined) out.maxptime = Number(m.maxptime);
    if (m.rtcpRsize !== undefined) out.rtcpRsize = true;
    if (m.rtcp?.port !== undefined) {
      out.rtcp = { port: Number(m.rtcp.port) };
      if (m.rtcp.address !== undefined) out.rtcp.address = String(m.rtcp.address);
    }
    if (ice) out.ice = ice;
    if (fingerprint && setup) {
      out.dtls = {
        fingerprintAlgorithm: String(fingerprint.type),
        fingerprint: String(fingerprint.hash),
        setup,
      };
    }
    if (m.mid !== undefined) out.mid = String(m.mid);
    if (m.msid !== undefined) out.msid = String(m.msid);
    return out;
  });

  const session: SdpSession = {
    origin: {
      username: String(raw.origin.username),
      sessionId: String(raw.origin.sessionId),
      sessionVersion: Number(raw.origin.sessionVersion),
      address: String(raw.origin.address),
    },
    name: raw.name === undefined ? '-' : String(raw.name),
    groups: (raw.groups ?? []).map((g) => ({
      semantics: String(g.type),
      mids: String(g.mids).split(/\s+/).filter(Boolean),
    })),
    media,
    otherAttributes: leftoverAttributes(raw as unknown as Record<string, unknown>, SESSION_FIELDS, false),
  };
  if (sessionAddress !== undefined) session.address = sessionAddress;
  return session;
}

function parseCodecs(m: MediaDescription, formats: string[]): SdpCodec[] {
  const codecs: SdpCodec[] = [];
  for (const f of formats) {
    const pt = Number(f);
    if (!Number.isInteger(pt)) continue;
    const rtp = m.rtp.find((r) => Number(r.payload) === pt);
    let codec: SdpCodec | undefined;
    if (rtp) {
      codec = {
        pt,
        name: String(rtp.codec),
        clockRate: Number(rtp.rate ?? 8000),
        channels: rtp.encoding !== undefined ? Number(rtp.encoding) : 1,
      };
    } else {
      codec = staticCodec(pt);
    }
    if (!codec) continue; // dynamic payload type without rtpmap: unusable
    const fmtp = m.fmtp.find((x) => Number(x.payload) === pt);
    if (fmtp) codec.fmtp = String(fmtp.config);
    const fb = (m.rtcpFb ?? []).filter((x) => String(x.payload) === f);
    if (fb.length) codec.rtcpFb = fb.map((x) => (x.subtype ? `${x.type} ${x.subtype}` : String(x.type)));
    codecs.push(codec);
  }
  return codecs;
}

function parseIce(raw: SessionDescription, m: MediaDescription): SdpIce | undefined {
  const ufrag = m.iceUfrag ?? raw.iceUfrag;
  const pwd = m.icePwd ?? raw.icePwd;
  if (ufrag === undefined || pwd === undefined) return undefined;
  const candidates = (m.candidates ?? []).map((c): SdpCandidate => {
    const out: SdpCandidate = {
      foundation: String(c.foundation),
      component: Number(c.component),
      transport: String(c.transport),
      priority: Number(c.priority),
      address: String(c.ip),
      port: Number(c.port),
      type: String(c.type),
    };
    if (c.raddr !== undefined) out.relatedAddress = String(c.raddr);
    if (c.rport !== undefined) out.relatedPort = Number(c.rport);
    if (c.tcptype !== undefined) out.tcpType = String(c.tcptype);
    if (c.generation !== undefined) out.generation = Number(c.generation);
    return out;
  });
  const ice: SdpIce = {
    ufrag: String(ufrag),
    pwd: String(pwd),
    lite: raw.icelite !== undefined,
    candidates,
    endOfCandidates: m.endOfCandidates !== undefined,
  };
  const options = m.iceOptions ?? raw.iceOptions;
  if (options !== undefined) ice.options = String(options);
  return ice;
}

/** a=crypto values per section: [0] = session level, [i] = i-th m= section. */
function rawCryptoLines(text: string): string[][] {
  const sections: string[][] = [[]];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.startsWith('m=')) sections.push([]);
    else if (line.startsWith('a=crypto:')) sections[sections.length - 1]!.push(line.slice('a=crypto:'.length));
  }
  return sections;
}

/**
 * The attribute lines of the fields the model has no place for, regenerated by sdp-transform's
 * own writer so they come out exactly as it would write them.
 */
function leftoverAttributes(obj: Record<string, unknown>, known: Set<string>, isMedia: boolean): string[] {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!known.has(k) && v !== undefined) rest[k] = v;
  if (Object.keys(rest).length === 0) return [];
  const probe: Record<string, unknown> = isMedia
    ? { media: [{ type: 'x', port: 0, protocol: 'x', payloads: '', rtp: [], fmtp: [], ...rest }] }
    : { ...rest, media: [] };
  return sdpTransform
    .write(probe as unknown as SessionDescription)
    .split('\r\n')
    .filter((l) => l.startsWith('a='))
    .map((l) => l.slice(2));
}
