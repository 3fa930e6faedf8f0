/**
 * PeerAuthorizer: who may send us calls as a trunk-host peer (config `server.peers`), in the
 * xbridge reference's order — 1. the source IP against each peer's `host`/`hosts` (IPs or CIDR
 * ranges; an IP match wins even when the peer also has credentials), 2. else the request's
 * Authorization against the peers' digest credentials, 3. no Authorization but digest peers
 * exist → a 401 challenge, 4. otherwise 403. Usable by the SipStack or Gateway for any request.
 */
import { BlockList, isIP } from 'node:net';
import type { PeerConfig } from '../config/index.ts';
import { DigestChallenger, getHeader, type DigestChallengeResponse, type DigestAlgorithm, type SipRequest } from '../sip/index.ts';

export type PeerAuthResult =
  /** The request comes from `peer`. */
  | { kind: 'peer'; peer: PeerConfig; via: 'ip' | 'digest' }
  /** Answer with this 401 (first request, or a stale nonce). */
  | { kind: 'challenge'; response: DigestChallengeResponse }
  /** Answer 403. */
  | { kind: 'forbidden'; reason: string };

export interface PeerAuthorizerOptions {
  /** Digest realm of our 401 challenges. */
  realm: string;
  /** Digest algorithms offered, most preferred first. Default ['MD5'] (what baresip and JsSIP do). */
  algorithms?: DigestAlgorithm[];
  /** Clock for nonces (ms since the epoch). Default Date.now. */
  now?: () => number;
}

function blockListOf(peer: PeerConfig): BlockList | undefined {
  const entries = [...(peer.host !== undefined ? [peer.host] : []), ...peer.hosts];
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const e of entries) {
    const slash = e.indexOf('/');
    const ip = slash < 0 ? e : e.slice(0, slash);
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (slash < 0) list.addAddress(ip, family);
    else list.addSubnet(ip, Number(e.slice(slash + 1)), family);
  }
  return list;
}

/** '::ffff:10.0.0.1' → '10.0.0.1' (dual-stack sockets report IPv4 sources this way). */
function plainAddress(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export class PeerAuthorizer {
  readonly #byIp: Array<{ peer: PeerConfig; list: BlockList }>;
  readonly #digestPeers: Map<string, PeerConfig>;
  readonly #challenger: DigestChallenger | undefined;

  constructor(peers: readonly PeerConfig[], options: PeerAuthorizerOptions) {
    this.#byIp = peers.flatMap((peer) => {
      const list = blockListOf(peer);
      return list ? [{ peer, list }] : [];
    });
    this.#digestPeers = new Map(peers.filter((p) => p.auth !== undefined).map((p) => [p.auth!.username, p]));
    this.#challenger =
      this.#digestPeers.size > 0
        ? new DigestChallenger({
            realm: options.realm,
            mode: 'www',
            algorithms: options.algorithms ?? ['MD5'],
            now: options.now,
            lookup: (username) => this.#digestPeers.get(username)?.auth?.password,
          })
        : undefined;
  }

  /** The peer whose host/hosts cover `address`, if any (step 1 alone). */
  peerByAddress(address: string): PeerConfig | undefined {
    const ip = plainAddress(address);
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(ip) === 0) return undefined;
    return this.#byIp.find((e) => e.list.check(ip, family))?.peer;
  }

  /** Whether any peer authenticates by digest. */
  get hasDigestPeers(): boolean {
    return this.#challenger !== undefined;
  }

  /** Decide on a request (an INVITE) that arrived from `sourceAddress`. */
  async authorize(request: SipRequest, sourceAddress: string): Promise<PeerAuthResult> {
    const byIp = this.peerByAddress(sourceAddress);
    if (byIp) return { kind: 'peer', peer: byIp, via: 'ip' };
    const challenger = this.#challenger;
    if (!challenger) return { kind: 'forbidden', reason: 'no peer matches the source address' };
    if (getHeader(request, 'Authorization') === undefined) return { kind: 'challenge', response: challenger.challenge() };
    const verdict = await challenger.verify(request);
    if (verdict.kind === 'ok') {
      const peer = this.#digestPeers.get(verdict.username);
      if (peer) return { kind: 'peer', peer, via: 'digest' };
      return { kind: 'forbidden', reason: `no peer with user "${verdict.username}"` };
    }
    if (verdict.kind === 'challenge' && verdict.stale) return { kind: 'challenge', response: verdict.response };
    return { kind: 'forbidden', reason: `digest credentials refused (${verdict.reason})` };
  }
}
