/**
 * `applyAnswer`: the offerer's side of RFC 3264 §7 — checks that the answer fits the offer and
 * reports, per m-line, the codec and payload type to send, the peer's RTP/RTCP addresses, the
 * direction we may use, and the SDES keys / DTLS role that were agreed.
 */
import { effectiveDirection, intersectDirections, reverseDirection } from './direction.ts';
import { SdpNegotiationError } from './errors.ts';
import { primaryCodec, remoteOf, telephoneEventFor, type NegotiatedMedia } from './negotiated.ts';
import { parseSdp } from './parse.ts';
import type { SdpSession } from './types.ts';

/**
 * Applies an answer to the offer we sent. Throws `SdpNegotiationError` when the answer does not
 * match the offer's m-lines (`answer-mismatch`) or accepts none of them (`no-common-media`).
 */
export function applyAnswer(offer: string | SdpSession, answer: string | SdpSession): NegotiatedMedia[] {
  const o = typeof offer === 'string' ? parseSdp(offer) : offer;
  const a = typeof answer === 'string' ? parseSdp(answer) : answer;
  if (o.media.length !== a.media.length) {
    throw new SdpNegotiationError(
      'answer-mismatch',
      `answer has ${a.media.length} m-lines, offer had ${o.media.length}`,
    );
  }
  const result = o.media.map((om, index): NegotiatedMedia => {
    const am = a.media[index]!;
    if (am.media !== om.media) {
      throw new SdpNegotiationError('answer-mismatch', `m-line ${index}: answer ${am.media} for offered ${om.media}`);
    }
    const codec = primaryCodec(am.codecs);
    const accepted = om.port !== 0 && am.port !== 0 && codec !== undefined;
    const rtcpMux = accepted && om.rtcpMux && am.rtcpMux;
    const telephoneEvent = telephoneEventFor(am.codecs, codec);
    const out: NegotiatedMedia = {
      index,
      media: om.media,
      ...(om.mid !== undefined ? { mid: om.mid } : {}),
      accepted,
      protocol: am.protocol,
      direction: accepted ? intersectDirections(om.direction, reverseDirection(effectiveDirection(am))) : 'inactive',
      ...(accepted && codec ? { codec } : {}),
      codecs: accepted ? am.codecs : [],
      ...(accepted && telephoneEvent ? { telephoneEvent } : {}),
      local: { address: om.address, port: om.port },
      remote: remoteOf(am, rtcpMux),
      rtcpMux,
    };
    if (!accepted) return out;
    const remoteCrypto = am.crypto[0];
    if (remoteCrypto) {
      const localCrypto = om.crypto.find((c) => c.tag === remoteCrypto.tag && c.suite === remoteCrypto.suite);
      if (!localCrypto) {
        throw new SdpNegotiationError(
          'answer-mismatch',
          `m-line ${index}: answer crypto tag ${remoteCrypto.tag} ${remoteCrypto.suite} was not offered`,
        );
      }
      out.srtp = { suite: remoteCrypto.suite, local: localCrypto, remote: remoteCrypto };
    }
    if (am.dtls && om.dtls) {
      out.dtls = {
        // The answerer chose: active means it connects (client), so we serve.
        role: am.dtls.setup === 'active' ? 'server' : 'client',
        remoteFingerprint: { algorithm: am.dtls.fingerprintAlgorithm, value: am.dtls.fingerprint },
      };
    }
    return out;
  });
  if (!result.some((m) => m.accepted)) {
    throw new SdpNegotiationError('no-common-media', 'the answer rejected every m-line');
  }
  return result;
}
