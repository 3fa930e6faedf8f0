/**
 * From the SIP layer's offer/answer result to what an RtpLeg takes: the remote description
 * (address, ports, rtcp-mux, codec + telephone-event, direction, a=ssrc) and the SDES-SRTP keys
 * of the agreed a=crypto pair (our line: the key we encrypt with; the peer's: the one we decrypt
 * with), with the UNENCRYPTED_SRTP/SRTCP session parameters honoured.
 */
import { isSrtpSuiteName, parseInlineKey } from '../../media/srtp/index.ts';
import type { NegotiatedMedia, SdpCrypto } from '../sip/sdp/index.ts';
import { RtpError } from './errors.ts';
import type { RtpLegCodecName, RtpLegRemote, RtpLegSrtp } from './options.ts';

const CODECS: Record<string, RtpLegCodecName> = { pcmu: 'PCMU', pcma: 'PCMA', g722: 'G722', opus: 'opus' };

/** SDES keys of an agreed a=crypto pair; throws RtpError('bad-options') for what we cannot use. */
export function srtpFromCrypto(local: SdpCrypto, remote: SdpCrypto): RtpLegSrtp {
  if (local.suite !== remote.suite) throw new RtpError('bad-options', `a=crypto suites differ: ${local.suite} / ${remote.suite}`);
  const suite = local.suite;
  if (!isSrtpSuiteName(suite)) throw new RtpError('bad-options', `SRTP suite ${suite} is not supported`);
  const key = (c: SdpCrypto, who: string): string => {
    const k = c.keys[0];
    if (!k || k.method !== 'inline') throw new RtpError('bad-options', `${who} a=crypto has no inline key`);
    if (c.keys.length > 1 || k.mki) throw new RtpError('bad-options', `${who} a=crypto uses several keys or an MKI (not supported)`);
    try {
      parseInlineKey(suite, k.keySalt);
    } catch (error) {
      throw new RtpError('bad-options', `${who} a=crypto key: ${(error as Error).message}`, { cause: error });
    }
    return k.keySalt;
  };
  const params = new Set([...local.sessionParams, ...remote.sessionParams]);
  if (params.has('UNAUTHENTICATED_SRTP')) throw new RtpError('bad-options', 'UNAUTHENTICATED_SRTP is not supported');
  return {
    suite,
    localKey: key(local, 'our'),
    remoteKey: key(remote, "the peer's"),
    unencryptedSrtp: params.has('UNENCRYPTED_SRTP'),
    unencryptedSrtcp: params.has('UNENCRYPTED_SRTCP'),
  };
}

/** The RtpLeg remote description for an accepted, negotiated m-line. */
export function rtpRemoteFromNegotiated(media: NegotiatedMedia): RtpLegRemote {
  if (!media.accepted || !media.codec) throw new RtpError('bad-options', 'the m-line was not accepted');
  const codec = CODECS[media.codec.name.toLowerCase()];
  if (!codec) throw new RtpError('bad-options', `codec ${media.codec.name} is not carried by RtpLeg`);
  const te = media.telephoneEvent;
  const remote: RtpLegRemote = {
    address: media.remote.address,
    port: media.remote.port,
    rtcpAddress: media.remote.rtcpAddress,
    rtcpPort: media.remote.rtcpPort,
    rtcpMux: media.rtcpMux,
    direction: media.direction,
    codec: {
      payloadType: media.codec.pt,
      codec,
      clockRate: media.codec.clockRate,
      ...(te ? { telephoneEventPt: te.pt, telephoneEventClockRate: te.clockRate } : {}),
    },
  };
  if (media.srtp) remote.srtp = srtpFromCrypto(media.srtp.local, media.srtp.remote);
  if (media.remote.ssrcs.length === 1) remote.ssrc = media.remote.ssrcs[0]!;
  return remote;
}
