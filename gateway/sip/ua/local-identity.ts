/**
 * How the user agent names itself on the wire: the sent-by of its Via headers and its Contact URI
 * for each transport (`;transport=tcp|tls|ws|wss` for the non-UDP ones), from explicit settings or
 * from what the transport layer listens on. A wildcard listening address (0.0.0.0, ::) is
 * replaced by the first non-internal IPv4 address of the host, else 127.0.0.1.
 */
import { networkInterfaces } from 'node:os';
import type { SipEndpoint, TransportProtocol } from '../message/types.ts';
import { formatUri } from '../message/index.ts';
import { defaultPort } from '../transport/index.ts';

/** Our Contact and Via settings. */
export interface ContactSettings {
  /** User part of our Contact URI. Default: none (`sip:host:port`). */
  user?: string;
  /** Address advertised in Via and Contact. Default: the transport's listening address. */
  host?: string;
  /** Ports advertised per protocol. Default: the transport's listening ports. */
  ports?: Partial<Record<TransportProtocol, number>>;
}

/** What we need from the transport layer (TransportLayer fits). */
export interface ListeningTransport {
  listeningEndpoint(protocol: TransportProtocol): SipEndpoint | undefined;
}

function firstExternalIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '';
}

export class LocalIdentity {
  readonly #settings: ContactSettings;
  readonly #transport: ListeningTransport | undefined;

  constructor(settings: ContactSettings = {}, transport?: ListeningTransport) {
    this.#settings = settings;
    this.#transport = transport;
  }

  /** The user part of our Contact, if any. */
  get user(): string | undefined {
    return this.#settings.user;
  }

  /** The host we advertise. */
  get host(): string {
    if (this.#settings.host) return this.#settings.host;
    for (const p of ['udp', 'tcp', 'tls', 'ws', 'wss'] as const) {
      const e = this.#transport?.listeningEndpoint(p);
      if (e) return isWildcard(e.address) ? (firstExternalIPv4() ?? '127.0.0.1') : e.address;
    }
    return '127.0.0.1';
  }

  /** Our sent-by for `protocol`. */
  address(protocol: TransportProtocol): { host: string; port: number } {
    const port =
      this.#settings.ports?.[protocol] ??
      this.#transport?.listeningEndpoint(protocol)?.port ??
      (protocol === 'tcp' ? this.#settings.ports?.udp ?? this.#transport?.listeningEndpoint('udp')?.port : undefined) ??
      defaultPort(protocol);
    return { host: this.host, port };
  }

  /** Our Contact URI for `protocol` (sips: when `secure`). */
  contactUri(protocol: TransportProtocol, secure = false): string {
    const { host, port } = this.address(protocol);
    const params: Record<string, string | null> = {};
    if (protocol !== 'udp' && !(secure && protocol === 'tls')) params.transport = protocol;
    return formatUri({ scheme: secure ? 'sips' : 'sip', user: this.#settings.user, host, port, params, headers: {} });
  }

  /** Our Contact header value. */
  contact(protocol: TransportProtocol, secure = false): string {
    return `<${this.contactUri(protocol, secure)}>`;
  }

  /** Our address-of-record style URI (default From): sip:user@host. */
  aor(): string {
    return formatUri({ scheme: 'sip', user: this.#settings.user, host: this.host, params: {}, headers: {} });
  }
}
