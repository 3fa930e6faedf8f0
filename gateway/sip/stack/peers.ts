/**
 * Peers: OPTIONS keepalives (RFC 3261 §11) toward the configured SIP peers that have a host
 * address, each reporting 'up' or 'down' as the user agent's OptionsKeepalive sees it.
 */
import { EventEmitter } from 'node:events';
import { formatUri } from '../message/index.ts';
import type { OptionsKeepalive, PeerState, UserAgent } from '../ua/index.ts';
import type { PeerSettings, StackLogger } from './options.ts';

export interface PeerStatus {
  name: string;
  /** The OPTIONS target, e.g. 'sip:10.0.0.5:5060'. */
  target: string;
  state: PeerState;
}

export interface PeersEvents {
  status: [status: PeerStatus];
}

/** The OPTIONS Request-URI for a peer. */
export function peerTarget(peer: PeerSettings & { host: string }): string {
  const transport = peer.transport ?? 'udp';
  return formatUri({
    scheme: transport === 'tls' ? 'sips' : 'sip',
    host: peer.host,
    port: peer.port ?? 5060,
    params: transport === 'udp' || transport === 'tls' ? {} : { transport },
    headers: {},
  });
}

export class Peers extends EventEmitter<PeersEvents> {
  readonly #peers: Array<{ name: string; target: string; keepalive?: OptionsKeepalive }>;
  readonly #ua: UserAgent;
  readonly #intervalMs: number;
  readonly #logger: StackLogger | undefined;
  #stopped = false;

  constructor(peers: readonly PeerSettings[], ua: UserAgent, intervalMs: number, logger?: StackLogger) {
    super();
    this.#ua = ua;
    this.#intervalMs = intervalMs;
    this.#logger = logger;
    this.#peers = peers
      .filter((p): p is PeerSettings & { host: string } => p.host !== undefined && !p.host.includes('/'))
      .map((p) => ({ name: p.name, target: peerTarget(p) }));
  }

  /** Starts pinging every peer (idempotent). */
  start(): void {
    if (this.#stopped) return;
    for (const peer of this.#peers) {
      if (peer.keepalive) continue;
      const keepalive = this.#ua.keepalive({ target: peer.target, intervalMs: this.#intervalMs });
      peer.keepalive = keepalive;
      const report = () => {
        const status = { name: peer.name, target: peer.target, state: keepalive.state };
        this.#logger?.info(status, 'SIP peer');
        this.emit('status', status);
      };
      keepalive.on('up', report);
      keepalive.on('down', report);
    }
  }

  statuses(): PeerStatus[] {
    return this.#peers.map((p) => ({ name: p.name, target: p.target, state: p.keepalive?.state ?? 'unknown' }));
  }

  /** Stops every keepalive; idempotent. */
  stop(): void {
    this.#stopped = true;
    for (const p of this.#peers) p.keepalive?.stop();
  }
}
