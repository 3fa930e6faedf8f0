/**
 * Turns resolved leg options into werift's RTCPeerConnection configuration, with every ICE
 * setting explicit. What werift 0.25.2 would otherwise do, and how each is forced off:
 * - `iceServers` defaults to Google's public STUN server → always passed (default []).
 * - host candidates come from scanning every non-internal interface (`os.networkInterfaces`)
 *   → the scan is disabled (`iceUseIpv4/6: false` only gate that scan) and our `hostAddresses`
 *   are given as `iceAdditionalHostAddresses`, the only candidates left.
 * - sockets bind to the wildcard address → bound to `bindAddresses` (`iceInterfaceAddresses`).
 * - remote `.local` candidates are resolved by multicast DNS → stripped from the SDP before
 *   werift sees it (see sdp-text.ts); pairs are filtered here (`iceFilterCandidatePair`) so a
 *   loopback candidate never pairs with a non-loopback one and `allowRemoteAddress` has its say.
 * - ICE over TCP is off (`iceUseTcp: false`, werift's default, stated anyway).
 */
import { isIP } from 'node:net';
import type { RTCPeerConnection } from 'werift';
import { weriftAudioCodecs } from './codecs.ts';
import type { ResolvedWebRtcLegOptions } from './options.ts';

/** werift's constructor argument, as werift declares it. */
export type WeriftPeerConfig = NonNullable<ConstructorParameters<typeof RTCPeerConnection>[0]>;

/** True for 127.0.0.0/8 and ::1 (and IPv4-mapped loopback). */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  if (a === '::1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** May a pair with these local/remote addresses be checked? */
export function pairAllowed(local: string, remote: string, allowRemote: ((address: string) => boolean) | undefined): boolean {
  if (remote.endsWith('.local')) return false;
  if (isLoopback(local) !== isLoopback(remote)) return false;
  return allowRemote ? allowRemote(remote) : true;
}

export function weriftPeerConfig(options: ResolvedWebRtcLegOptions): WeriftPeerConfig {
  const { bindAddresses, allowRemoteAddress } = options;
  return {
    codecs: { audio: weriftAudioCodecs(options.codecs, options.telephoneEvent), video: [] },
    headerExtensions: { audio: [], video: [] },
    iceServers: options.iceServers.map((s) => ({ ...s })),
    iceTransportPolicy: options.relayOnly ? 'relay' : 'all',
    iceLite: options.iceLite,
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceUseTcp: false,
    iceUseLinkLocalAddress: false,
    iceAdditionalHostAddresses: [...options.hostAddresses],
    ...(bindAddresses.udp4 || bindAddresses.udp6 ? { iceInterfaceAddresses: { ...bindAddresses } } : {}),
    ...(options.portRange ? { icePortRange: options.portRange } : {}),
    iceFilterCandidatePair: (pair) =>
      pairAllowed(pair.localCandidate.host, pair.remoteCandidate.host, allowRemoteAddress),
    bundlePolicy: 'max-bundle',
  } as WeriftPeerConfig;
}
