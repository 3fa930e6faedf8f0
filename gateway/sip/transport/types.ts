/**
 * Option and event types of the transport layer: what `TransportLayer.listen()` accepts, what a
 * received message's source looks like, and the logger shape we accept (pino-compatible).
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { SipEndpoint, SipMessage } from '../message/types.ts';

/** Where a received message came from, plus the local socket it arrived on. */
export interface ReceivedFrom extends SipEndpoint {
  /** Local address of the socket that received it. */
  localAddress: string;
  /** Local port of the socket that received it. */
  localPort: number;
}

/** The subset of pino's API we use; every method takes a context object first. */
export interface SipLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: SipLogger = { debug() {}, warn() {} };

export interface UdpListenOptions {
  /** Address to bind. Default '0.0.0.0'. */
  host?: string;
  /** Port to bind; 0 lets the OS choose. Default 5060. */
  port?: number;
}

export interface TcpListenOptions {
  /** Address to bind. Default '0.0.0.0'. */
  host?: string;
  /** Port to bind; 0 lets the OS choose. Default 5060. */
  port?: number;
}

export interface TlsListenOptions {
  /** Address to bind. Default '0.0.0.0'. */
  host?: string;
  /** Port to bind; 0 lets the OS choose. Default 5061. */
  port?: number;
  /** Certificate chain as PEM. Either this or `certPath` is required. */
  cert?: string | Buffer;
  /** Private key as PEM. Either this or `keyPath` is required. */
  key?: string | Buffer;
  /** Path of a PEM certificate chain file (read once at listen time). */
  certPath?: string;
  /** Path of a PEM private key file (read once at listen time). */
  keyPath?: string;
  /** Extra trusted CAs (PEM) for verifying peers, inbound (if `requestCert`) and outbound. Default: Node's bundle. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Ask inbound peers for a client certificate (mutual TLS). Default false. */
  requestCert?: boolean;
}

export interface WsListenOptions {
  /**
   * HTTP(S) server to attach to: we add an 'upgrade' listener that takes only our path and leaves
   * every other upgrade to the server's other listeners. Omit it to call
   * `TransportLayer.handleUpgrade()` yourself from your own upgrade handler.
   */
  server?: HttpServer | HttpsServer;
  /** URL path for SIP over WebSocket (RFC 7118). Default '/sip'. */
  path?: string;
  /** Whether connections count as 'wss' (TLS). Default: true when `server` is an https/tls server. */
  secure?: boolean;
}

/** What to listen on; each protocol is optional. */
export interface TransportListenOptions {
  udp?: UdpListenOptions;
  tcp?: TcpListenOptions;
  tls?: TlsListenOptions;
  ws?: WsListenOptions;
}

export interface TransportLayerOptions {
  /** Logger for dropped messages and socket trouble. Default: silent. */
  logger?: SipLogger;
  /** Outbound TCP/TLS connect timeout in ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Close TCP/TLS connections idle for this long (ms); 0 disables. WebSocket connections are never reaped. Default 600000. */
  idleTimeoutMs?: number;
  /** Largest message accepted on a stream (TCP/TLS/WS); bigger ones close the connection. Default 65535. */
  maxMessageSize?: number;
  /** TLS client settings for outbound connections. Default: verify against Node's CA bundle. */
  tlsClient?: {
    /** Trusted CAs (PEM). */
    ca?: string | Buffer | Array<string | Buffer>;
    /** Verify the server certificate. Default true. */
    rejectUnauthorized?: boolean;
    /** Client certificate and key for mutual TLS. */
    cert?: string | Buffer;
    key?: string | Buffer;
  };
}

/** Typed events of the TransportLayer. */
export interface TransportLayerEvents {
  /** A parsed message; requests already carry `received`/`rport` in their top Via (RFC 3581). */
  message: [message: SipMessage, source: ReceivedFrom];
  /** Something went wrong in a socket handler or a listener; the layer keeps running. */
  error: [error: Error];
  /** A TCP/TLS/WS connection was set up (inbound or outbound). */
  connectionOpened: [connectionId: string, remote: SipEndpoint];
  /** A TCP/TLS/WS connection went away (registrars drop contacts bound to it). */
  connectionClosed: [connectionId: string, remote: SipEndpoint];
}

/** Protocols that run over a connection (RFC 3261 "reliable"). */
export function isReliable(protocol: SipEndpoint['protocol']): boolean {
  return protocol !== 'udp';
}

/** The conventional default port of a protocol (5060 / 5061 / 80 / 443). */
export function defaultPort(protocol: SipEndpoint['protocol']): number {
  switch (protocol) {
    case 'tls':
      return 5061;
    case 'ws':
      return 80;
    case 'wss':
      return 443;
    default:
      return 5060;
  }
}
