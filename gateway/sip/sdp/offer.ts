/**
 * `createOffer`: an SDP offer from local capabilities — codecs in preference order with static or
 * dynamic payload types, RFC 4733 telephone-event per clock rate, direction, ptime, rtcp-mux, and
 * optional SDES keys, ICE and DTLS attributes. Re-offers pass the previous origin with a higher
 * version (RFC 3264 §8).
 */
import { isTelephoneEvent, specChannels, staticPayloadType, type CodecSpec } from './codecs.ts';
import { generateSdesKey } from './crypto.ts';
import { newSessionId } from './version.ts';
import { writeSdp } from './write.ts';
import type {
  MediaDirection,
  MediaProtocol,
  SdpCandidate,
  SdpCodec,
  SdpCrypto,
  SdpDtls,
  SdpExtmap,
  SdpMedia,
  SdpOrigin,
  SdpSession,
  SdpSsrc,
} from './types.ts';

/** ICE attributes of a local description. */
export interface LocalIce {
  ufrag: string;
  pwd: string;
  /** Default []. */
  candidates?: SdpCandidate[];
  /** We are an ICE-lite agent (a gateway with a public address). Default false. */
  lite?: boolean;
  /** e.g. 'trickle'. */
  options?: string;
  /** Write a=end-of-candidates. Default true when candidates are given. */
  endOfCandidates?: boolean;
}

/** One m-line of an offer. */
export interface MediaOffer {
  /** Media type. Default 'audio'. */
  media?: string;
  /** Our RTP port. */
  port: number;
  /** Default 'RTP/AVP'; 'RTP/SAVP' with crypto; 'UDP/TLS/RTP/SAVPF' with dtls. */
  protocol?: MediaProtocol;
  /** c= address for this m-line. Default: the session address. */
  address?: string;
  /** Codecs in our order of preference. */
  codecs: CodecSpec[];
  /**
   * telephone-event clock rates, in order. Default: one per distinct audio codec clock rate, in
   * codec order (Opus + PCMU → 48000, 8000). [] offers none.
   */
  telephoneEvents?: number[];
  /** Events offered. Default '0-16'. */
  telephoneEventFmtp?: string;
  /** Default 'sendrecv'. */
  direction?: MediaDirection;
  ptime?: number;
  maxptime?: number;
  /** Offer a=rtcp-mux. Default false (true with dtls). */
  rtcpMux?: boolean;
  /** a=rtcp (RFC 3605) when RTCP is not on port+1. */
  rtcp?: { port: number; address?: string };
  /** SDES keys (see `makeCryptoOffer`). */
  crypto?: SdpCrypto[];
  ice?: LocalIce;
  dtls?: SdpDtls;
  mid?: string;
  msid?: string;
  ssrcs?: SdpSsrc[];
  extmaps?: SdpExtmap[];
}

export interface OfferOptions {
  /** Our address for c= and o=. */
  address: string;
  /** o= values; keep sessionId and raise sessionVersion for re-offers. Defaults: '-', random id, 1. */
  origin?: Partial<Omit<SdpOrigin, 'address'>>;
  /** s= line. Default 'patchbay'. */
  name?: string;
  media: MediaOffer[];
  /** Group all m-lines in a=group:BUNDLE (needs mids). Default false. */
  bundle?: boolean;
}

/** One SDES crypto line per suite, tags 1…n, each with a fresh key. */
export function makeCryptoOffer(
  suites: string[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'],
): SdpCrypto[] {
  return suites.map((suite, i) => ({
    tag: i + 1,
    suite,
    keys: [{ method: 'inline', keySalt: generateSdesKey(suite) }],
    sessionParams: [],
  }));
}

/**
 * Payload types: explicit ones, then static ones (RFC 3551), then dynamic from 96 in preference
 * order; telephone-event/8000 gets 101 when free (the value much deployed gear expects).
 */
function assignPayloadTypes(o: MediaOffer, media: string): SdpCodec[] {
  const rates =
    o.telephoneEvents ??
    (media === 'audio' ? [...new Set(o.codecs.filter((c) => !isTelephoneEvent(c)).map((c) => c.clockRate))] : []);
  const events: CodecSpec[] = rates.map((clockRate) => ({
    name: 'telephone-event',
    clockRate,
    fmtp: o.telephoneEventFmtp ?? '0-16',
  }));
  const specs = [...o.codecs, ...events];
  const fixed = specs.map((s) => s.pt ?? staticPayloadType(s));
  const used = new Set(fixed.filter((pt): pt is number => pt !== undefined));
  const keep101 = !used.has(101) && events.some((e) => e.clockRate === 8000);
  if (keep101) used.add(101);
  let next = 96;
  return specs.map((spec, i): SdpCodec => {
    let pt = fixed[i];
    if (pt === undefined) {
      if (keep101 && isTelephoneEvent(spec) && spec.clockRate === 8000) {
        pt = 101;
      } else {
        while (used.has(next)) next++;
        if (next > 127) throw new RangeError('out of dynamic payload types');
        pt = next;
        used.add(pt);
      }
    }
    return {
      pt,
      name: spec.name,
      clockRate: spec.clockRate,
      channels: specChannels(spec),
      ...(spec.fmtp !== undefined ? { fmtp: spec.fmtp } : {}),
    };
  });
}

function offerMedia(o: MediaOffer, sessionAddress: string): SdpMedia {
  const media = o.media ?? 'audio';
  const codecs = assignPayloadTypes(o, media);
  const protocol = o.protocol ?? (o.dtls ? 'UDP/TLS/RTP/SAVPF' : o.crypto?.length ? 'RTP/SAVP' : 'RTP/AVP');
  const m: SdpMedia = {
    media,
    port: o.port,
    protocol,
    formats: codecs.map((c) => String(c.pt)),
    address: o.address ?? sessionAddress,
    codecs,
    direction: o.direction ?? 'sendrecv',
    rtcpMux: o.rtcpMux ?? o.dtls !== undefined,
    crypto: o.crypto ?? [],
    ssrcs: o.ssrcs ?? [],
    ssrcGroups: [],
    extmaps: o.extmaps ?? [],
    bandwidth: [],
    otherAttributes: [],
  };
  if (o.ptime !== undefined) m.ptime = o.ptime;
  if (o.maxptime !== undefined) m.maxptime = o.maxptime;
  if (o.rtcp) m.rtcp = { ...o.rtcp };
  if (o.ice) m.ice = localIce(o.ice);
  if (o.dtls) m.dtls = { ...o.dtls };
  if (o.mid !== undefined) m.mid = o.mid;
  if (o.msid !== undefined) m.msid = o.msid;
  return m;
}

/** The model of an ICE description from local settings. */
export function localIce(ice: LocalIce): NonNullable<SdpMedia['ice']> {
  const candidates = ice.candidates ?? [];
  return {
    ufrag: ice.ufrag,
    pwd: ice.pwd,
    lite: ice.lite ?? false,
    candidates,
    endOfCandidates: ice.endOfCandidates ?? candidates.length > 0,
    ...(ice.options !== undefined ? { options: ice.options } : {}),
  };
}

/** The offer as a model (for callers who keep it to apply the answer later). */
export function createOfferDescription(options: OfferOptions): SdpSession {
  const media = options.media.map((o) => offerMedia(o, options.address));
  const mids = media.map((m) => m.mid).filter((x): x is string => x !== undefined);
  return {
    origin: {
      username: options.origin?.username ?? '-',
      sessionId: options.origin?.sessionId ?? newSessionId(),
      sessionVersion: options.origin?.sessionVersion ?? 1,
      address: options.address,
    },
    name: options.name ?? 'patchbay',
    address: options.address,
    groups: options.bundle && mids.length ? [{ semantics: 'BUNDLE', mids }] : [],
    media,
    otherAttributes: [],
  };
}

/** An SDP offer, as text. */
export function createOffer(options: OfferOptions): string {
  return writeSdp(createOfferDescription(options));
}
