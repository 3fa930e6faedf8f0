/**
 * CallerAuthenticator: who is calling, for an INVITE we did not originate. In order: a trunk-host
 * peer by source IP/CIDR (not for SIP over WebSocket: that is a browser); a trunk we register to (the Request-URI is our registered user at that
 * trunk and the source is the trunk's address); one of our directory users (From user), who must
 * prove it with Digest — a 407 challenge (proxy mode; JsSIP and baresip answer it); else the
 * peers' digest credentials (401) or 403 — the xbridge peer order.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { TrunkConfig } from '../../config/index.ts';
import {
  DigestChallenger,
  parseNameAddr,
  parseUri,
  getHeader,
  type DigestAlgorithm,
  type SipEndpoint,
  type SipHeader,
  type SipRequest,
} from '../../sip/index.ts';
import { splitHostPort } from '../../sip/stack/local-address.ts';
import type { PeerAuthorizer } from '../peer-auth.ts';
import type { CallSource } from '../router.ts';

export type CallerAuthResult =
  | { kind: 'ok'; source: CallSource }
  /** Answer with `status` (401/407) and these challenge headers. */
  | { kind: 'challenge'; status: 401 | 407; reason: string; headers: SipHeader[] }
  | { kind: 'forbidden'; reason: string };

export interface CallerAuthenticatorOptions {
  /** Password of a directory user, undefined for none. */
  password: (user: string) => string | undefined;
  realm: string;
  peers: PeerAuthorizer;
  trunks?: readonly TrunkConfig[];
  /** Digest algorithms, most preferred first. Default ['MD5']. */
  algorithms?: DigestAlgorithm[];
  /** Host name lookup for trunk hosts that are names. Default dns.lookup (all addresses). */
  resolve?: (host: string) => Promise<string[]>;
}

/** User part of a SIP URI or name-addr, '' when none. */
export function userOf(value: string): string {
  try {
    const v = value.trim();
    const uri = /^(sips?|tel):/i.test(v) && !v.includes('<') ? v.split(';')[0]! : parseNameAddr(v).uri;
    return parseUri(uri).user ?? '';
  } catch {
    return '';
  }
}

export class CallerAuthenticator {
  readonly #o: CallerAuthenticatorOptions;
  readonly #users: DigestChallenger;
  readonly #resolved = new Map<string, Promise<string[]>>();

  constructor(options: CallerAuthenticatorOptions) {
    this.#o = options;
    this.#users = new DigestChallenger({
      realm: options.realm,
      mode: 'proxy',
      algorithms: options.algorithms ?? ['MD5'],
      lookup: (user) => options.password(user),
    });
  }

  async authenticate(request: SipRequest, source: SipEndpoint): Promise<CallerAuthResult> {
    // A SIP-over-WebSocket client is a browser, never a trunk: its address (often the same
    // 127.0.0.1 or NAT address as a peer's) says nothing about who it is.
    const browser = source.protocol === 'ws' || source.protocol === 'wss';
    const peer = browser ? undefined : this.#o.peers.peerByAddress(source.address);
    if (peer) return { kind: 'ok', source: { kind: 'peer', name: peer.name } };

    const trunk = browser ? undefined : await this.#trunk(request, source);
    if (trunk) return { kind: 'ok', source: { kind: 'trunk', name: trunk.name } };

    const fromUser = userOf(getHeader(request, 'From') ?? '');
    if (fromUser && this.#o.password(fromUser) !== undefined) {
      const verdict = await this.#users.verify(request);
      if (verdict.kind === 'ok') {
        if (verdict.username !== fromUser) return { kind: 'forbidden', reason: `authenticated as ${verdict.username}, calling as ${fromUser}` };
        return { kind: 'ok', source: { kind: 'user', user: fromUser } };
      }
      if (verdict.kind === 'challenge') return { kind: 'challenge', ...verdict.response };
      return { kind: 'forbidden', reason: `digest refused (${verdict.reason})` };
    }

    const byPeer = await this.#o.peers.authorize(request, source.address);
    if (byPeer.kind === 'peer') return { kind: 'ok', source: { kind: 'peer', name: byPeer.peer.name } };
    if (byPeer.kind === 'challenge') return { kind: 'challenge', ...byPeer.response };
    return byPeer;
  }

  /**
   * The trunk this INVITE comes from: from the trunk's address, and either to our registered user
   * there or from the trunk's own SIP port (providers put the dialled DID in the Request-URI as
   * often as our username; the port keeps a phone on the trunk's machine from passing for it).
   */
  async #trunk(request: SipRequest, source: SipEndpoint): Promise<TrunkConfig | undefined> {
    const user = userOf(request.uri);
    for (const t of this.#o.trunks ?? []) {
      // A TLS trunk written without a port is at 5061 (regression: it was compared with 5060, so a
      // DID in the Request-URI from e.g. `host: sip.provider.com, transport: tls` was not the trunk).
      const { host, port } = splitHostPort(t.host, t.transport === 'tls' ? 5061 : 5060);
      if (t.username !== user && source.port !== port) continue;
      const addresses = isIP(host) ? [host] : await this.#resolve(host);
      if (addresses.includes(source.address.replace(/^::ffff:/i, ''))) return t;
    }
    return undefined;
  }

  #resolve(host: string): Promise<string[]> {
    let p = this.#resolved.get(host);
    if (!p) {
      const resolve = this.#o.resolve ?? (async (h: string) => (await dnsLookup(h, { all: true })).map((a) => a.address));
      p = resolve(host).catch(() => [] as string[]);
      this.#resolved.set(host, p);
    }
    return p;
  }
}
