/**
 * Where a response goes (RFC 3261 §18.2.2 with RFC 3581 §4), computed from its top Via and the
 * source of the request it answers:
 * - reliable transports: the connection the request came in on while it is open, else the
 *   `received` address (or sent-by host) at the sent-by port;
 * - `maddr`: that address at the sent-by port;
 * - unreliable: `received` at `rport` (RFC 3581) or at the sent-by port; else sent-by itself.
 */
import { getHeaders, parseVia } from '../message/index.ts';
import type { SipEndpoint, SipResponse, TransportProtocol } from '../message/types.ts';
import { TransportError } from './errors.ts';
import { defaultPort, isReliable } from './types.ts';

const PROTOCOLS = new Set<TransportProtocol>(['udp', 'tcp', 'tls', 'ws', 'wss']);

export interface ResponseRoute {
  /** The connection to try first (reliable transports, when the request came over one). */
  connectionId?: string;
  /** Where to send when there is no usable connection (for UDP: the only destination). */
  destination: SipEndpoint;
}

/**
 * Computes the route of `response`. `requestSource` is the endpoint the request arrived from
 * (its connectionId is used for reliable transports). Throws TransportError('EBADDEST') when
 * the Via is missing, malformed or names a transport we do not speak.
 */
export function routeResponse(response: SipResponse, requestSource?: SipEndpoint): ResponseRoute {
  const top = getHeaders(response, 'Via')[0];
  if (top === undefined) throw new TransportError('EBADDEST', 'response has no Via');
  let via: ReturnType<typeof parseVia>;
  try {
    via = parseVia(top);
  } catch (err) {
    throw new TransportError('EBADDEST', `response has a malformed Via: ${(err as Error).message}`, { cause: err });
  }
  const protocol = via.transport.toLowerCase() as TransportProtocol;
  if (!PROTOCOLS.has(protocol)) throw new TransportError('EBADDEST', `unsupported Via transport '${via.transport}'`);
  const sentByPort = via.port ?? defaultPort(protocol);
  if (isReliable(protocol)) {
    const connectionId = requestSource?.protocol === protocol ? requestSource.connectionId : undefined;
    return { connectionId, destination: { protocol, address: via.received ?? via.host, port: sentByPort } };
  }
  const maddr = via.params['maddr'];
  if (maddr) return { destination: { protocol, address: maddr.replace(/^\[(.*)\]$/, '$1'), port: sentByPort } };
  if (via.received) {
    const port = typeof via.rport === 'number' && via.rport > 0 ? via.rport : sentByPort;
    return { destination: { protocol, address: via.received, port } };
  }
  return { destination: { protocol, address: via.host, port: sentByPort } };
}
