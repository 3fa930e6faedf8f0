/**
 * Where a request goes next (RFC 3261 §8.1.2, RFC 3263 without SRV/NAPTR): the first Route entry
 * when it is a loose router, else the Request-URI; its `maddr`, port and `transport` parameter
 * (sips: defaults to TLS). Names are resolved with `dns.lookup` (A/AAAA records); IP literals
 * are used as they are. Hosts ending in `.invalid` (RFC 7118 WebSocket clients) can only be
 * reached over the connection they came from, so resolving them fails with EBADDEST.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { getRouteSet, parseUri } from '../message/index.ts';
import type { SipEndpoint, SipRequest, TransportProtocol } from '../message/types.ts';
import { defaultPort, TransportError } from '../transport/index.ts';

/** An unresolved next hop: protocol, host name or IP literal, port. */
export interface NextHop {
  protocol: TransportProtocol;
  host: string;
  port: number;
}

const PROTOCOLS: Record<string, TransportProtocol> = { udp: 'udp', tcp: 'tcp', tls: 'tls', ws: 'ws', wss: 'wss' };

/** The next hop a SIP or SIPS URI names. Throws TransportError('EBADDEST') for other schemes or transports. */
export function nextHopOfUri(uriText: string): NextHop {
  let uri: ReturnType<typeof parseUri>;
  try {
    uri = parseUri(uriText);
  } catch (err) {
    throw new TransportError('EBADDEST', `cannot route to '${uriText}': ${(err as Error).message}`, { cause: err });
  }
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new TransportError('EBADDEST', `cannot route to a ${uri.scheme}: URI`);
  const secure = uri.scheme === 'sips';
  const param = uri.params.transport?.toLowerCase();
  let protocol: TransportProtocol;
  if (param === undefined) protocol = secure ? 'tls' : 'udp';
  else {
    const p = PROTOCOLS[param];
    if (!p) throw new TransportError('EBADDEST', `unsupported transport '${param}' in ${uriText}`);
    protocol = secure && p === 'tcp' ? 'tls' : secure && p === 'ws' ? 'wss' : p;
  }
  const maddr = uri.params.maddr;
  const host = maddr ? maddr.replace(/^\[(.*)\]$/, '$1') : uri.host;
  return { protocol, host, port: uri.port ?? defaultPort(protocol) };
}

/** The next hop of a request: the first Route when it has `;lr`, else the Request-URI (§16.12 strict routing puts the next hop there). */
export function nextHopOf(request: SipRequest): NextHop {
  const routes = getRouteSet(request);
  const first = routes[0];
  if (first) {
    const uri = parseUri(first.uri);
    if ('lr' in uri.params) return nextHopOfUri(first.uri);
  }
  return nextHopOfUri(request.uri);
}

export type HostLookup = (host: string) => Promise<string>;

const systemLookup: HostLookup = async (host) => (await lookup(host)).address;

/** Turns a next hop into an endpoint to send to, resolving names with `lookupHost` (default dns.lookup). */
export async function resolveNextHop(hop: NextHop, lookupHost: HostLookup = systemLookup): Promise<SipEndpoint> {
  if (isIP(hop.host)) return { protocol: hop.protocol, address: hop.host, port: hop.port };
  if (hop.host.toLowerCase().endsWith('.invalid')) {
    throw new TransportError('EBADDEST', `${hop.host} is reachable only over its own connection`);
  }
  try {
    return { protocol: hop.protocol, address: await lookupHost(hop.host), port: hop.port };
  } catch (err) {
    throw new TransportError('ENOTFOUND', `cannot resolve ${hop.host}: ${(err as Error).message ?? err}`, { cause: err });
  }
}
