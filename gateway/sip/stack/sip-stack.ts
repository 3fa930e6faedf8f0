/**
 * SipStack: Patchbay's SIP stack assembled and running — TransportLayer (UDP+TCP on the listen
 * address, TLS, WebSocket via `handleUpgrade()`), TransactionLayer, UserAgent, the Registrar with
 * its LocationService (Digest over the directory users; bindings of a closed connection are
 * dropped), the trunk registrations and OPTIONS keepalives toward peers. `SipStack.start()`
 * binds every socket; `close()` unregisters trunks (briefly) and releases them all.
 * Incoming INVITEs are the calls layer's: listen for `stack.ua.on('invite')`; without a
 * listener the user agent answers 480.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { DigestChallenger } from '../auth/index.ts';
import type { SipEndpoint } from '../message/types.ts';
import { Registrar, type LocationService, type LocationStats, type RegistrationChange } from '../registrar/index.ts';
import type { TrunkRegistrationStatus } from '../registration/index.ts';
import { TransactionLayer, type TransactionLayerStats } from '../transaction/index.ts';
import { TransportLayer, type TransportLayerStats, type TransportListenOptions } from '../transport/index.ts';
import { UserAgent, type ContactSettings, type UserAgentStats } from '../ua/index.ts';
import { localAddressToward, splitHostPort } from './local-address.ts';
import type { SipStackOptions } from './options.ts';
import { Peers, type PeerStatus } from './peers.ts';
import { Trunks } from './trunks.ts';

/** A bound endpoint; WebSocket ones carry their URL path. */
export interface ListeningEndpoint extends SipEndpoint {
  path?: string;
}

export interface SipStackStats {
  transport: TransportLayerStats;
  transactions: TransactionLayerStats;
  ua: UserAgentStats;
  location: LocationStats;
  trunks: TrunkRegistrationStatus[];
  peers: PeerStatus[];
}

export interface SipStackEvents {
  /** A trunk registration changed state. */
  trunk: [status: TrunkRegistrationStatus];
  /** A peer went up or down. */
  peer: [status: PeerStatus];
  /** A user's bindings changed (REGISTER, expiry by REGISTER, or its connection closed). */
  registration: [change: RegistrationChange];
}

/** How long close() waits for trunk un-REGISTERs before releasing the sockets anyway. */
const UNREGISTER_GRACE_MS = 2000;
/** How often expired bindings are swept from the location service. */
const SWEEP_INTERVAL_MS = 30_000;

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

export class SipStack extends EventEmitter<SipStackEvents> {
  readonly transport: TransportLayer;
  readonly transactions: TransactionLayer;
  readonly ua: UserAgent;
  readonly registrar: Registrar;
  readonly trunks: Trunks;
  readonly peers: Peers;
  readonly #options: SipStackOptions;
  readonly #sweep: NodeJS.Timeout;
  #serving = false;
  #closing: Promise<void> | undefined;

  /** Binds the sockets, then starts trunk registrations and peer keepalives. Rejects (with everything released) when a socket cannot be bound. */
  static async start(options: SipStackOptions = {}): Promise<SipStack> {
    const transport = new TransportLayer({ logger: options.logger });
    try {
      const serving = await listen(transport, options);
      const contact = await contactSettings(transport, options);
      const stack = new SipStack(options, transport, contact);
      stack.#serving = serving;
      stack.trunks.start();
      stack.peers.start();
      options.logger?.info({ endpoints: stack.listening.map(describeEndpoint) }, 'SIP listening');
      return stack;
    } catch (err) {
      await transport.close();
      throw err;
    }
  }

  private constructor(options: SipStackOptions, transport: TransportLayer, contact: ContactSettings) {
    super();
    this.#options = options;
    this.transport = transport;
    this.transactions = new TransactionLayer(transport, { ...options.timers, logger: options.logger });
    const users = new Map((options.users ?? []).map((u) => [u.username, u.password]));
    const challenger = new DigestChallenger({
      realm: options.realm ?? (options.listen && !isWildcard(options.listen.host) ? options.listen.host : 'patchbay'),
      lookup: (username) => users.get(username),
      algorithms: options.digestAlgorithms ?? ['MD5'],
    });
    this.registrar = new Registrar({ challenger, userExists: (user) => users.has(user), ...options.registrar });
    this.registrar.onChange = (change) => this.emit('registration', change);
    this.ua = new UserAgent({
      transactions: this.transactions,
      transport,
      contact,
      userAgent: options.userAgent ?? 'Patchbay',
      registrar: this.registrar,
      logger: options.logger,
    });
    this.ua.on('error', (err) => options.logger?.warn({ err }, 'SIP user agent error'));
    transport.on('error', (err) => options.logger?.warn({ err }, 'SIP transport error'));
    transport.on('connectionClosed', (connectionId, remote) => {
      for (const aor of this.location.removeByConnection(connectionId)) {
        this.emit('registration', { aor, bindings: this.location.lookup(aor) });
      }
      // A trunk registered over this connection is unreachable until it registers again.
      void this.trunks.connectionClosed(remote);
    });
    this.trunks = new Trunks({
      trunks: options.trunks ?? [],
      ua: this.ua,
      minRetryMs: options.trunkRetry?.minMs,
      maxRetryMs: options.trunkRetry?.maxMs,
      keepAlive: (destination) => transport.keepAlive(destination),
      keepAliveMs: options.keepaliveIntervalMs ?? 30_000,
      logger: options.logger,
    });
    this.trunks.on('status', (status) => this.emit('trunk', status));
    this.peers = new Peers(options.peers ?? [], this.ua, options.keepaliveIntervalMs ?? 30_000, options.logger);
    this.peers.on('status', (status) => this.emit('peer', status));
    this.#sweep = setInterval(() => this.location.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  /** The registrar's bindings. */
  get location(): LocationService {
    return this.registrar.location;
  }

  /** Whether the SIP server (the `listen` address) is bound and running. */
  get serving(): boolean {
    return this.#serving && !this.closed;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Every bound endpoint: udp, tcp, tls, and ws/wss (with its path) when enabled. */
  get listening(): ListeningEndpoint[] {
    const out: ListeningEndpoint[] = [];
    for (const p of ['udp', 'tcp', 'tls'] as const) {
      const e = this.transport.listeningEndpoint(p);
      if (e) out.push(e);
    }
    const ws = this.#options.ws;
    if (ws !== false) {
      const protocol = ws?.secure ? 'wss' : 'ws';
      out.push({ protocol, address: this.ua.identity.host, port: ws?.port ?? 0, path: ws?.path ?? '/sip' });
    }
    return out;
  }

  /** Registered trunks (for /health `sip_trunks`). */
  get registeredTrunks(): number {
    return this.trunks.registeredCount;
  }

  /** Offers an HTTP upgrade to SIP over WebSocket; false when it is not ours (other path, WS disabled, closed). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (this.closed) return false;
    return this.transport.handleUpgrade(request, socket, head);
  }

  getStats(): SipStackStats {
    return {
      transport: this.transport.getStats(),
      transactions: this.transactions.getStats(),
      ua: this.ua.getStats(),
      location: this.location.stats(),
      trunks: this.trunks.statuses(),
      peers: this.peers.statuses(),
    };
  }

  /** Unregisters trunks (waiting at most 2 s), stops keepalives, ends dialogs locally and releases every socket; idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    clearInterval(this.#sweep);
    this.peers.stop();
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      this.trunks.stop().catch(() => undefined),
      new Promise<void>((resolve) => (grace = setTimeout(resolve, UNREGISTER_GRACE_MS))),
    ]);
    clearTimeout(grace);
    this.ua.close();
    this.transactions.close();
    await this.transport.close();
  }
}

/** Binds what the options ask for; true when the SIP server address was bound. */
async function listen(transport: TransportLayer, options: SipStackOptions): Promise<boolean> {
  const what: TransportListenOptions = {};
  if (options.ws !== false) what.ws = { path: options.ws?.path ?? '/sip', secure: options.ws?.secure ?? false };
  if (options.tls) what.tls = { host: options.tls.host, port: options.tls.port, certPath: options.tls.certPath, keyPath: options.tls.keyPath };
  if (options.listen) {
    await transport.listen({ ...what, udp: options.listen, tcp: options.listen });
    return true;
  }
  await transport.listen(what);
  if ((options.trunks?.length ?? 0) > 0 || (options.peers ?? []).some((p) => p.host !== undefined)) {
    // No server address, but trunks/peers to reach: one ephemeral port for UDP and TCP alike.
    await transport.listen({ udp: { host: '0.0.0.0', port: 0 } });
    const port = transport.listeningEndpoint('udp')!.port;
    await transport.listen({ tcp: { host: '0.0.0.0', port } }).catch(() => transport.listen({ tcp: { host: '0.0.0.0', port: 0 } }));
  }
  return false;
}

/** Our Contact: the advertised WebSocket port, and the trunk-facing address when bound to a wildcard. */
async function contactSettings(transport: TransportLayer, options: SipStackOptions): Promise<ContactSettings> {
  const settings: ContactSettings = {};
  const ws = options.ws;
  if (ws !== false && ws?.port !== undefined) settings.ports = { [ws.secure ? 'wss' : 'ws']: ws.port };
  const bound = transport.listeningEndpoint('udp') ?? transport.listeningEndpoint('tcp');
  const trunk = options.trunks?.[0];
  if (bound && isWildcard(bound.address) && trunk) {
    const { host, port } = splitHostPort(trunk.host);
    const address = await localAddressToward(host, port);
    if (address) settings.host = address;
  }
  return settings;
}

function describeEndpoint(e: ListeningEndpoint): string {
  const host = e.address.includes(':') ? `[${e.address}]` : e.address;
  return `${e.protocol}://${host}:${e.port}${e.path ?? ''}`;
}
