/**
 * `createAnswer` (RFC 3264 §6): one answer m-line per offered m-line, in order. Accepted lines take
 * the common codecs (offerer's or our order) with the offer's payload types, telephone-event at a
 * matching clock rate, the reversed direction, SDES / DTLS / ICE when the offer's protocol needs
 * them; everything else is rejected with port 0. Nothing accepted → `SdpNegotiationError` (488).
 */
import { codecMatches, isAuxiliaryCodec, isTelephoneEvent, type CodecSpec } from './codecs.ts';
import { generateSdesKey, isValidSdesKey } from './crypto.ts';
import { answerDirection, effectiveDirection } from './direction.ts';
import { SdpNegotiationError } from './errors.ts';
import { primaryCodec, remoteOf, telephoneEventFor, type NegotiatedMedia } from './negotiated.ts';
import { localIce, type LocalIce } from './offer.ts';
import { parseSdp } from './parse.ts';
import type {
  DtlsSetup,
  MediaDirection,
  SdpCodec,
  SdpCrypto,
  SdpMedia,
  SdpOrigin,
  SdpSession,
  SdpSsrc,
} from './types.ts';
import { newSessionId } from './version.ts';
import { writeSdp } from './write.ts';

/** What we can do for one kind of media. */
export interface MediaCapabilities {
  /** Our RTP port for this m-line. */
  port: number;
  /** c= address. Default: the session address. */
  address?: string;
  /** Codecs we handle, in our preference order. */
  codecs: CodecSpec[];
  /** Accept RFC 4733 telephone-event. Default true. */
  telephoneEvent?: boolean;
  /** What we want to do; the answer is the offer's reverse narrowed to this. Default 'sendrecv'. */
  direction?: MediaDirection;
  ptime?: number;
  maxptime?: number;
  /** Accept a=rtcp-mux when offered. Default true. */
  rtcpMux?: boolean;
  /** a=rtcp when our RTCP is not on port+1. */
  rtcp?: { port: number; address?: string };
  /**
   * SDES-SRTP: accept RTP/SAVP(F) offers carrying one of `suites` (default the two
   * AES_CM_128 suites). Our key per suite comes from `keys` or is generated.
   */
  srtp?: { suites?: string[]; keys?: Record<string, string> };
  /** ICE: answered when the offer has ICE. */
  ice?: LocalIce;
  /** DTLS-SRTP: accept UDP/TLS/RTP/SAVP(F). `setup` answers an actpass offer (default 'active'). */
  dtls?: { fingerprintAlgorithm: string; fingerprint: string; setup?: 'active' | 'passive' };
  msid?: string;
  ssrcs?: SdpSsrc[];
  /** Header extension URIs we support; offered extmaps with these URIs are echoed. Default none. */
  extmaps?: string[];
}

export interface AnswerCapabilities {
  /** Our address for c= and o=. */
  address: string;
  /** o= values (keep them across re-answers in one dialog, raising sessionVersion). */
  origin?: Partial<Omit<SdpOrigin, 'address'>>;
  /** s= line. Default 'patchbay'. */
  name?: string;
  /** Capabilities per media type ('audio', 'video', …): only the first offered m-line of a type is accepted. */
  media?: Record<string, MediaCapabilities>;
  /** Full control: capabilities for one offered m-line, or `undefined` to reject it. Overrides `media`. */
  select?: (offered: SdpMedia, index: number) => MediaCapabilities | undefined;
  /** 'offerer' (default) keeps the offer's codec order; 'local' uses our preference order. */
  codecOrder?: 'offerer' | 'local';
  /** Answer at most this many real codecs per m-line (1 = pick one). Default: all common codecs. */
  maxCodecs?: number;
  /** Answer a=group:BUNDLE for the accepted m-lines of an offered BUNDLE group. Default false. */
  bundle?: boolean;
}

export interface SdpAnswer {
  sdp: string;
  description: SdpSession;
  media: NegotiatedMedia[];
}

const DEFAULT_SUITES = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

function isSdesProtocol(p: string): boolean {
  return /^RTP\/SAVPF?$/i.test(p);
}
function isDtlsProtocol(p: string): boolean {
  return /TLS\/RTP\/SAVPF?$/i.test(p);
}
function isRtpProtocol(p: string): boolean {
  return /RTP\/S?AVPF?$/i.test(p);
}

/** Common codecs: [offered, local spec] pairs in the chosen order. */
function commonCodecs(
  offered: SdpCodec[],
  local: CodecSpec[],
  order: 'offerer' | 'local',
): [SdpCodec, CodecSpec][] {
  const pairs: [SdpCodec, CodecSpec][] = [];
  if (order === 'offerer') {
    for (const o of offered) {
      const spec = local.find((l) => codecMatches(o, l));
      if (spec) pairs.push([o, spec]);
    }
  } else {
    for (const spec of local) {
      const o = offered.find((x) => codecMatches(x, spec) && !pairs.some(([p]) => p === x));
      if (o) pairs.push([o, spec]);
    }
  }
  return pairs;
}

function pickCrypto(offered: SdpCrypto[], caps: NonNullable<MediaCapabilities['srtp']>): SdpCrypto | undefined {
  const suites = caps.suites ?? DEFAULT_SUITES;
  return offered.find(
    (c) =>
      suites.includes(c.suite) &&
      c.sessionParams.length === 0 && // we implement none of them (RFC 4568 §6.3: skip the line)
      c.keys.length > 0 &&
      c.keys.every((k) => k.method === 'inline' && isValidSdesKey(c.suite, k.keySalt)),
  );
}

function dtlsAnswerSetup(offered: DtlsSetup, ours: 'active' | 'passive' | undefined): DtlsSetup {
  if (offered === 'active') return 'passive';
  if (offered === 'passive') return 'active';
  return ours ?? 'active';
}

interface Answered {
  media: SdpMedia;
  negotiated: NegotiatedMedia;
}

function reject(offered: SdpMedia, index: number, address: string): Answered {
  const media: SdpMedia = {
    media: offered.media,
    port: 0,
    protocol: offered.protocol,
    formats: offered.formats.length ? [...offered.formats] : ['0'],
    address,
    codecs: [],
    direction: 'inactive',
    rtcpMux: false,
    crypto: [],
    ssrcs: [],
    ssrcGroups: [],
    extmaps: [],
    bandwidth: [],
    otherAttributes: [],
    ...(offered.mid !== undefined ? { mid: offered.mid } : {}),
  };
  return {
    media,
    negotiated: {
      index,
      media: offered.media,
      ...(offered.mid !== undefined ? { mid: offered.mid } : {}),
      accepted: false,
      protocol: offered.protocol,
      direction: 'inactive',
      codecs: [],
      local: { address, port: 0 },
      remote: remoteOf(offered, false),
      rtcpMux: false,
    },
  };
}

function answerMedia(
  offered: SdpMedia,
  index: number,
  caps: MediaCapabilities | undefined,
  local: AnswerCapabilities,
): Answered {
  const address = caps?.address ?? local.address;
  if (!caps || offered.port === 0 || !isRtpProtocol(offered.protocol)) return reject(offered, index, address);

  // Security the offer's protocol demands.
  let crypto: { offered: SdpCrypto; answer: SdpCrypto } | undefined;
  if (isSdesProtocol(offered.protocol)) {
    if (!caps.srtp) return reject(offered, index, address);
    const chosen = pickCrypto(offered.crypto, caps.srtp);
    if (!chosen) return reject(offered, index, address);
    const keySalt = caps.srtp.keys?.[chosen.suite] ?? generateSdesKey(chosen.suite);
    crypto = {
      offered: chosen,
      answer: { tag: chosen.tag, suite: chosen.suite, keys: [{ method: 'inline', keySalt }], sessionParams: [] },
    };
  }
  if (isDtlsProtocol(offered.protocol) && (!caps.dtls || !offered.dtls)) return reject(offered, index, address);

  // Codecs.
  const offeredReal = offered.codecs.filter((c) => !isTelephoneEvent(c));
  const pairs = commonCodecs(offeredReal, caps.codecs, local.codecOrder ?? 'offerer');
  const primaries = pairs.filter(([o]) => !isAuxiliaryCodec(o));
  if (primaries.length === 0) return reject(offered, index, address);
  const chosen = primaries.slice(0, local.maxCodecs ?? primaries.length);
  const rates = new Set(chosen.map(([o]) => o.clockRate));
  // Auxiliary formats we listed (CN, red…) only at a chosen clock rate.
  const aux = pairs.filter(([o]) => isAuxiliaryCodec(o) && rates.has(o.clockRate));
  const codecs: SdpCodec[] = [...chosen, ...aux].map(([o, spec]) => ({
    pt: o.pt,
    name: o.name,
    clockRate: o.clockRate,
    channels: o.channels,
    ...((spec.fmtp ?? o.fmtp) !== undefined ? { fmtp: spec.fmtp ?? o.fmtp } : {}),
  }));
  if (caps.telephoneEvent !== false) {
    const events = offered.codecs.filter(isTelephoneEvent);
    // One per chosen clock rate, in the order of the codecs that use it.
    const matching = [...rates].flatMap((r) => events.filter((e) => e.clockRate === r));
    for (const e of matching.length ? matching : events.slice(0, 1)) {
      codecs.push({ pt: e.pt, name: e.name, clockRate: e.clockRate, channels: e.channels, ...(e.fmtp !== undefined ? { fmtp: e.fmtp } : {}) });
    }
  }

  const rtcpMux = offered.rtcpMux && caps.rtcpMux !== false;
  const direction = answerDirection(effectiveDirection(offered), caps.direction ?? 'sendrecv');
  const media: SdpMedia = {
    media: offered.media,
    port: caps.port,
    protocol: offered.protocol,
    formats: codecs.map((c) => String(c.pt)),
    address,
    codecs,
    direction,
    rtcpMux,
    crypto: crypto ? [crypto.answer] : [],
    ssrcs: caps.ssrcs ?? [],
    ssrcGroups: [],
    extmaps: offered.extmaps.filter((e) => caps.extmaps?.includes(e.uri)),
    bandwidth: [],
    otherAttributes: [],
  };
  if (caps.ptime !== undefined) media.ptime = caps.ptime;
  if (caps.maxptime !== undefined) media.maxptime = caps.maxptime;
  if (caps.rtcp && !rtcpMux) media.rtcp = { ...caps.rtcp };
  if (offered.ice && caps.ice) media.ice = localIce(caps.ice);
  let dtls: NegotiatedMedia['dtls'];
  if (isDtlsProtocol(offered.protocol) && caps.dtls && offered.dtls) {
    const setup = dtlsAnswerSetup(offered.dtls.setup, caps.dtls.setup);
    media.dtls = { fingerprintAlgorithm: caps.dtls.fingerprintAlgorithm, fingerprint: caps.dtls.fingerprint, setup };
    dtls = {
      role: setup === 'active' ? 'client' : 'server',
      remoteFingerprint: { algorithm: offered.dtls.fingerprintAlgorithm, value: offered.dtls.fingerprint },
    };
  }
  if (offered.mid !== undefined) media.mid = offered.mid;
  if (caps.msid !== undefined) media.msid = caps.msid;

  const codec = primaryCodec(codecs);
  const telephoneEvent = telephoneEventFor(codecs, codec);
  const negotiated: NegotiatedMedia = {
    index,
    media: offered.media,
    ...(offered.mid !== undefined ? { mid: offered.mid } : {}),
    accepted: true,
    protocol: offered.protocol,
    direction,
    ...(codec ? { codec } : {}),
    codecs,
    ...(telephoneEvent ? { telephoneEvent } : {}),
    local: { address, port: caps.port },
    remote: remoteOf(offered, rtcpMux),
    rtcpMux,
    ...(crypto ? { srtp: { suite: crypto.answer.suite, local: crypto.answer, remote: crypto.offered } } : {}),
    ...(dtls ? { dtls } : {}),
  };
  return { media, negotiated };
}

/** Answers an offer. Throws `SdpNegotiationError` (sipStatus 488) when no m-line can be accepted. */
export function createAnswer(offer: string | SdpSession, local: AnswerCapabilities): SdpAnswer {
  const o = typeof offer === 'string' ? parseSdp(offer) : offer;
  const taken = new Set<string>();
  const answered = o.media.map((m, i) => {
    let caps: MediaCapabilities | undefined;
    if (local.select) caps = local.select(m, i);
    else if (m.port !== 0 && !taken.has(m.media)) {
      caps = local.media?.[m.media];
      if (caps) taken.add(m.media);
    }
    const a = answerMedia(m, i, caps, local);
    if (!a.negotiated.accepted && caps && !local.select) taken.delete(m.media); // let a later m-line of the type try
    return a;
  });
  if (!answered.some((a) => a.negotiated.accepted)) {
    throw new SdpNegotiationError(
      'no-common-media',
      o.media.length ? 'no offered m-line has a codec, protocol and keys we support' : 'offer has no m-lines',
    );
  }

  const groups: SdpSession['groups'] = [];
  if (local.bundle) {
    for (const g of o.groups.filter((x) => x.semantics === 'BUNDLE')) {
      const mids = g.mids.filter((mid) => answered.some((a) => a.negotiated.accepted && a.negotiated.mid === mid));
      if (mids.length) groups.push({ semantics: 'BUNDLE', mids });
    }
  }
  const description: SdpSession = {
    origin: {
      username: local.origin?.username ?? '-',
      sessionId: local.origin?.sessionId ?? newSessionId(),
      sessionVersion: local.origin?.sessionVersion ?? 1,
      address: local.address,
    },
    name: local.name ?? 'patchbay',
    address: local.address,
    groups,
    media: answered.map((a) => a.media),
    otherAttributes: [],
  };
  return { sdp: writeSdp(description), description, media: answered.map((a) => a.negotiated) };
}
