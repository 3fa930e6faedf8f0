/**
 * Public face of the SIP transport layer (RFC 3261 §18, RFC 3581, RFC 7118): the TransportLayer
 * that owns UDP/TCP/TLS/WS sockets and connections, its option/event types, and TransportError.
 */
export { TransportLayer, type TransportLayerStats } from './transport-layer.ts';
export { TransportError, type TransportErrorCode } from './errors.ts';
export { routeResponse, type ResponseRoute } from './response-route.ts';
export {
  defaultPort,
  isReliable,
  silentLogger,
  type ReceivedFrom,
  type SipLogger,
  type TcpListenOptions,
  type TlsListenOptions,
  type TransportLayerEvents,
  type TransportLayerOptions,
  type TransportListenOptions,
  type UdpListenOptions,
  type WsListenOptions,
} from './types.ts';
