/**
 * Trunks: the TrunkRegistrations of a SipStack, one per configured trunk, each sending its
 * REGISTERs through the user agent's client core (Via, next hop, transport) with its own Digest
 * client — so after the first challenge, refreshes carry credentials up front. Reports each
 * trunk's status and how many are registered (`sip_trunks` on /health).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { EventEmitter } from 'node:events';
import { DigestClient } from '../auth/index.ts';
import { ClientRequest, nextHopOfUri, resolveNextHop } from '../dialog/index.ts';
import { formatUri } from '../message/index.ts';
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import { TrunkRegistration, type TrunkRegistrationStatus } from '../registration/index.ts';
import type { UserAgent } from '../ua/index.ts';
import type { StackLogger, TrunkSettings } from './options.ts';

export interface TrunksOptions {
  trunks: readonly TrunkSettings[];
  ua: UserAgent;
  /** First retry delay after a failure (ms). Default 1000. */
  minRetryMs?: number;
  /** Longest retry delay (ms). Default 300 000. */
  maxRetryMs?: number;
  /**
   * Sends a keep-alive toward a registered trunk's registrar (TransportLayer.keepAlive fits), every
   * `keepAliveMs`, so the flow our binding lives on stays open through NATs and idle timers.
   * Default none.
   */
  keepAlive?: (destination: SipEndpoint) => Promise<unknown>;
  /** How often (ms). Default 30 000; 0 disables. */
  keepAliveMs?: number;
  logger?: StackLogger;
}

export interface TrunksEvents {
  /** A trunk's registration changed state (or failed again). */
  status: [status: TrunkRegistrationStatus];
}

export class Trunks extends EventEmitter<TrunksEvents> {
  readonly #registrations = new Map<string, TrunkRegistration>();
  readonly #o: TrunksOptions;
  #keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  constructor(options: TrunksOptions) {
    super();
    this.#o = options;
    const { ua, logger } = options;
    for (const trunk of options.trunks) {
      const auth = new DigestClient({ credentials: { username: trunk.username, password: trunk.password } });
      const send = (request: SipRequest): Promise<SipResponse> => {
        if (ua.closed) return Promise.reject(new Error('user agent is closed'));
        const userAgent = ua.context.userAgent;
        if (userAgent) request.headers.push({ name: 'User-Agent', value: userAgent });
        return new ClientRequest(ua.context, request, { auth }).start().result();
      };
      const contact = () => {
        const { host, port } = ua.identity.address(trunk.transport);
        const params: Record<string, string | null> = trunk.transport === 'udp' ? {} : { transport: trunk.transport };
        return formatUri({ scheme: 'sip', user: trunk.username, host, port, params, headers: {} });
      };
      // Only defined values: TrunkRegistration spreads its options over its defaults.
      const registration = new TrunkRegistration({
        name: trunk.name,
        username: trunk.username,
        host: trunk.host,
        transport: trunk.transport,
        contact,
        send,
        ...(trunk.expires !== undefined ? { expires: trunk.expires } : {}),
        ...(options.minRetryMs !== undefined ? { minRetryMs: options.minRetryMs } : {}),
        ...(options.maxRetryMs !== undefined ? { maxRetryMs: options.maxRetryMs } : {}),
      });
      registration.on('stateChange', (status) => {
        logger?.info({ trunk: status.name, state: status.state, lastError: status.lastError, expires: status.expires }, 'SIP trunk registration');
        this.emit('status', status);
      });
      this.#registrations.set(trunk.name, registration);
    }
  }

  /** Starts every registration (idempotent), and the keep-alives. */
  start(): void {
    if (this.#stopped) return;
    for (const r of this.#registrations.values()) r.start();
    const every = this.#o.keepAliveMs ?? 30_000;
    if (this.#o.keepAlive && every > 0 && !this.#keepAliveTimer && this.#registrations.size > 0) {
      this.#keepAliveTimer = setInterval(() => void this.#sendKeepAlives(), every);
      this.#keepAliveTimer.unref();
    }
  }

  async #sendKeepAlives(): Promise<void> {
    for (const r of this.#registrations.values()) {
      if (!r.registered) continue;
      try {
        await this.#o.keepAlive!(await resolveNextHop(nextHopOfUri(r.registrarUri)));
      } catch (err) {
        this.#o.logger?.debug?.({ trunk: r.status().name, err: (err as Error).message }, 'trunk keep-alive not sent');
      }
    }
  }

  /** The registration of one trunk. */
  get(name: string): TrunkRegistration | undefined {
    return this.#registrations.get(name);
  }

  /** Status of every trunk, in configuration order. */
  statuses(): TrunkRegistrationStatus[] {
    return [...this.#registrations.values()].map((r) => r.status());
  }

  /** How many trunks are registered now. */
  get registeredCount(): number {
    let n = 0;
    for (const r of this.#registrations.values()) if (r.registered) n++;
    return n;
  }

  /**
   * A TCP/TLS connection closed (the transport layer's 'connectionClosed'). When it went to a
   * trunk's registrar (same transport, address and port as the REGISTER's next hop), that trunk
   * registers again at once: its binding is reachable only over that connection (see
   * TrunkRegistration.connectionClosed). UDP trunks have no connection to lose.
   */
  async connectionClosed(remote: SipEndpoint): Promise<void> {
    if (this.#stopped || (remote.protocol !== 'tcp' && remote.protocol !== 'tls')) return;
    const address = remote.address.replace(/^::ffff:/i, '');
    for (const r of this.#registrations.values()) {
      try {
        const hop = nextHopOfUri(r.registrarUri);
        if (hop.protocol !== remote.protocol || hop.port !== remote.port) continue;
        const addresses = isIP(hop.host) ? [hop.host] : (await lookup(hop.host, { all: true })).map((a) => a.address);
        if (addresses.includes(address)) r.connectionClosed();
      } catch {
        /* an unresolvable registrar: its next REGISTER reports that */
      }
    }
  }

  /** Stops refreshing and unregisters every trunk (best effort, bounded by the REGISTER timeout); idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#keepAliveTimer);
    await Promise.all([...this.#registrations.values()].map((r) => r.stop()));
  }
}
