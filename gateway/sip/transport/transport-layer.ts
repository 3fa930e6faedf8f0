/**
 * TransportLayer: owns SIP's UDP socket, TCP and TLS listeners, the WebSocket endpoint and every
 * connection (RFC 3261 §18, RFC 3581, RFC 7118). Turns bytes into parsed messages for the layer
 * above (stamping received/rport on requests), answers unparseable requests with 400, sends
 * requests with connection reuse (connecting on demand), routes responses per §18.2.2, and
 * reports every delivery failure as a TransportError rejection. Socket handlers never throw.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { parseMessage, serializeMessage } from '../message/index.ts';
import { SipParseError, type SipEndpoint, type SipMessage, type TransportProtocol } from '../message/types.ts';
import { buildErrorResponse } from './bad-request.ts';
import { normalizeAddress, type Connection, type ConnectionHandlers, type ConnectionProtocol } from './connection.ts';
import { ConnectionRegistry } from './connection-registry.ts';
import { TransportError } from './errors.ts';
import { routeResponse } from './response-route.ts';
import { dial } from './stream-dialer.ts';
import { StreamConnection } from './stream-connection.ts';
import { StreamListener } from './stream-listener.ts';
import { loadTlsCredentials } from './tls-credentials.ts';
import {
  silentLogger,
  type ReceivedFrom,
  type SipLogger,
  type TransportLayerEvents,
  type TransportLayerOptions,
  type TransportListenOptions,
} from './types.ts';
import { UdpTransport } from './udp-transport.ts';
import { stampVia } from './via-stamp.ts';
import { isKeepAlive, WsConnection } from './ws-connection.ts';
import { WsListener } from './ws-listener.ts';

/** Counters for operators (`getStats()`). */
export interface TransportLayerStats {
  /** Messages handed to 'message' listeners. */
  messagesReceived: number;
  /** Messages written to a socket. */
  messagesSent: number;
  /** Datagrams/frames the parser rejected. */
  parseErrors: number;
  /** Of those, how many we answered with an error response. */
  parseErrorsAnswered: number;
  /** Open TCP/TLS/WS connections. */
  connections: number;
}

export class TransportLayer extends EventEmitter<TransportLayerEvents> {
  readonly #logger: SipLogger;
  readonly #connectTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #maxMessageSize: number;
  readonly #tlsClient: TransportLayerOptions['tlsClient'];
  readonly #registry = new ConnectionRegistry();
  readonly #dialing = new Map<string, Promise<Connection>>();
  readonly #listening = new Map<TransportProtocol, SipEndpoint>();
  readonly #handlers: ConnectionHandlers;
  #udp: UdpTransport | undefined;
  #tcp: StreamListener | undefined;
  #tls: StreamListener | undefined;
  #ws: WsListener | undefined;
  #wsProtocol: 'ws' | 'wss' = 'ws';
  #nextConnection = 1;
  #closed = false;
  readonly #stats = { messagesReceived: 0, messagesSent: 0, parseErrors: 0, parseErrorsAnswered: 0 };

  constructor(options: TransportLayerOptions = {}) {
    super();
    this.#logger = options.logger ?? silentLogger;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 600_000;
    this.#maxMessageSize = options.maxMessageSize ?? 65_535;
    this.#tlsClient = options.tlsClient;
    this.#handlers = {
      onMessage: (message, connection) => this.#onMessage(message, sourceOf(connection), connection),
      onUnparseable: (raw, error, connection) => this.#onUnparseable(raw, error, sourceOf(connection), connection),
      onClose: (connection) => this.#onConnectionClosed(connection),
      onError: (error, connection) => {
        // Framing errors mean a broken peer (the connection is closed); socket errors are routine.
        if (error instanceof SipParseError) this.#logger.warn({ err: error, connectionId: connection.id }, 'SIP stream framing error; closing');
        else this.#logger.debug({ err: error, connectionId: connection.id }, 'SIP connection error');
      },
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Starts the listed transports. Resolves once every socket is bound; on failure rejects and
   * leaves already-started transports running (call `close()`).
   */
  async listen(options: TransportListenOptions): Promise<void> {
    if (this.#closed) throw new TransportError('ENOTRANSPORT', 'transport layer is closed');
    if (options.udp && !this.#udp) {
      this.#udp = await UdpTransport.listen(options.udp.host ?? '0.0.0.0', options.udp.port ?? 5060, {
        onDatagram: (data, address, port) =>
          this.#onDatagram(data, {
            protocol: 'udp',
            address,
            port,
            localAddress: this.#udp?.address ?? '',
            localPort: this.#udp?.port ?? 0,
          }),
        onError: (error) => this.#reportError(error),
      });
      this.#listening.set('udp', { protocol: 'udp', address: this.#udp.address, port: this.#udp.port });
    }
    if (options.tcp && !this.#tcp) {
      this.#tcp = await StreamListener.listen(
        options.tcp.host ?? '0.0.0.0',
        options.tcp.port ?? 5060,
        undefined,
        (socket) => this.#adopt(socket, 'tcp', false),
        (error) => this.#logger.warn({ err: error }, 'SIP TCP listener error'),
      );
      this.#listening.set('tcp', { protocol: 'tcp', address: this.#tcp.address, port: this.#tcp.port });
    }
    if (options.tls && !this.#tls) {
      const credentials = await loadTlsCredentials(options.tls);
      this.#tls = await StreamListener.listen(
        options.tls.host ?? '0.0.0.0',
        options.tls.port ?? 5061,
        { ...credentials, ca: options.tls.ca, requestCert: options.tls.requestCert ?? false, rejectUnauthorized: options.tls.requestCert ?? false },
        (socket) => this.#adopt(socket, 'tls', false),
        (error) => this.#logger.debug({ err: error }, 'SIP TLS handshake failed'),
      );
      this.#listening.set('tls', { protocol: 'tls', address: this.#tls.address, port: this.#tls.port });
    }
    if (options.ws && !this.#ws) {
      const server = options.ws.server;
      this.#wsProtocol = (options.ws.secure ?? (server ? WsListener.isSecure(server) : false)) ? 'wss' : 'ws';
      this.#ws = new WsListener({
        path: options.ws.path ?? '/sip',
        maxPayload: this.#maxMessageSize,
        onConnection: (ws, request) => this.#adoptWebSocket(ws, request),
      });
      if (server) {
        this.#ws.attach(server);
        const address = server.address();
        if (address && typeof address === 'object') {
          this.#listening.set(this.#wsProtocol, { protocol: this.#wsProtocol, address: address.address, port: address.port });
        }
      }
    }
  }

  /** The bound address/port of a transport we listen on (for building Via and Contact). */
  listeningEndpoint(protocol: TransportProtocol): SipEndpoint | undefined {
    const endpoint = this.#listening.get(protocol);
    return endpoint && { ...endpoint };
  }

  /**
   * Offers an HTTP upgrade to the SIP WebSocket endpoint (for servers whose upgrade handling is
   * done elsewhere). False when it is not for us (other path, or WS not enabled).
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!this.#ws || this.#closed) return false;
    return this.#ws.handleUpgrade(request, socket, head);
  }

  /**
   * Sends a message. A request goes to `destination` (reusing a connection to it, by
   * connectionId or address, or connecting on demand for TCP/TLS). A response is routed by its
   * top Via per §18.2.2; pass the endpoint its request came from so the same connection is used.
   * Rejects with TransportError; never throws synchronously. Sizes are not policed: RFC 3261
   * §18.1.1 wants requests over ~1300 bytes sent over TCP instead of UDP; that choice belongs to
   * the caller (pick the destination protocol), we send over what we are given.
   */
  async send(message: SipMessage, destination: SipEndpoint): Promise<void> {
    if (this.#closed) throw new TransportError('ENOTRANSPORT', 'transport layer is closed', { destination });
    let data: Buffer;
    try {
      data = serializeMessage(message);
    } catch (err) {
      throw new TransportError('ESEND', `cannot serialize message: ${(err as Error).message}`, { destination, cause: err });
    }
    if (message.kind === 'response') {
      const route = routeResponse(message, destination);
      if (route.connectionId !== undefined) {
        const connection = this.#registry.byId(route.connectionId);
        if (connection) {
          try {
            await connection.send(data);
            this.#stats.messagesSent++;
            return;
          } catch (err) {
            this.#logger.debug({ err, connectionId: connection.id }, 'response connection failed; falling back to Via');
          }
        }
      }
      await this.#sendTo(data, route.destination);
    } else {
      await this.#sendTo(data, destination);
    }
  }

  /**
   * A keep-alive toward `destination` (RFC 5626 §4.4.1 / §3.5.1): a CRLFCRLF ping over the open
   * TCP/TLS connection to it (the peer answers with a CRLF pong, and both sides see traffic, so
   * neither idle timer nor a NAT drops the flow), or a CRLFCRLF datagram over UDP (it keeps a NAT
   * binding open; receivers ignore it). Never opens a connection: false when there is none.
   */
  async keepAlive(destination: SipEndpoint): Promise<boolean> {
    if (this.#closed) return false;
    const ping = Buffer.from('\r\n\r\n');
    if (destination.protocol === 'udp') {
      if (!this.#udp) return false;
      await this.#udp.send(ping, destination.address, destination.port);
      return true;
    }
    if (destination.protocol !== 'tcp' && destination.protocol !== 'tls') return false;
    const connection = this.#registry.byAddress(destination.protocol, destination.address, destination.port);
    if (!connection) return false;
    await connection.send(ping);
    return true;
  }

  /** Whether a connection with this id is open. */
  hasConnection(connectionId: string): boolean {
    return this.#registry.byId(connectionId) !== undefined;
  }

  /** Closes one connection (idempotent); 'connectionClosed' follows. False if it was not open. */
  closeConnection(connectionId: string): boolean {
    const connection = this.#registry.byId(connectionId);
    connection?.close();
    return connection !== undefined;
  }

  getStats(): TransportLayerStats {
    return { ...this.#stats, connections: this.#registry.size };
  }

  /** Releases every socket, listener and connection; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ws?.close();
    for (const connection of this.#registry.all()) connection.close();
    await Promise.all([this.#udp?.close(), this.#tcp?.close(), this.#tls?.close()]);
    this.#listening.clear();
  }

  async #sendTo(data: Buffer, destination: SipEndpoint): Promise<void> {
    if (destination.protocol === 'udp') {
      if (!this.#udp) throw new TransportError('ENOTRANSPORT', 'not listening on UDP', { destination });
      await this.#udp.send(data, destination.address, destination.port);
      this.#stats.messagesSent++;
      return;
    }
    const connection =
      destination.protocol === 'tcp' || destination.protocol === 'tls'
        ? await this.#streamConnectionFor(destination)
        : this.#existingConnection(destination);
    try {
      await connection.send(data);
    } catch (err) {
      throw TransportError.from(err, destination);
    }
    this.#stats.messagesSent++;
  }

  #existingConnection(destination: SipEndpoint): Connection {
    const protocol = destination.protocol as ConnectionProtocol;
    if (destination.connectionId !== undefined) {
      const byId = this.#registry.byId(destination.connectionId);
      if (byId && byId.protocol === protocol) return byId;
    }
    const byAddress = this.#registry.byAddress(protocol, destination.address, destination.port);
    if (byAddress) return byAddress;
    if (destination.connectionId !== undefined) {
      throw new TransportError('ECLOSED', `connection ${destination.connectionId} is closed`, { destination });
    }
    throw new TransportError('ENOCONNECTION', `no ${protocol} connection to ${destination.address}:${destination.port}`, { destination });
  }

  async #streamConnectionFor(destination: SipEndpoint): Promise<Connection> {
    const protocol = destination.protocol as 'tcp' | 'tls';
    if (destination.connectionId !== undefined) {
      const byId = this.#registry.byId(destination.connectionId);
      if (byId && byId.protocol === protocol) return byId;
    }
    const existing = this.#registry.byAddress(protocol, destination.address, destination.port);
    if (existing) return existing;
    const key = `${protocol}|${destination.address}|${destination.port}`;
    let pending = this.#dialing.get(key);
    if (!pending) {
      pending = dial({
        protocol,
        address: destination.address,
        port: destination.port,
        timeoutMs: this.#connectTimeoutMs,
        tls: this.#tlsClient,
      })
        .then((socket) => {
          if (this.#closed) {
            socket.destroy();
            throw new TransportError('ENOTRANSPORT', 'transport layer closed while connecting', { destination });
          }
          return this.#adopt(socket, protocol, true, destination.address);
        })
        .finally(() => this.#dialing.delete(key));
      this.#dialing.set(key, pending);
    }
    return pending;
  }

  #adopt(socket: Socket, protocol: 'tcp' | 'tls', outbound: boolean, alias?: string): Connection {
    const connection = new StreamConnection(
      socket,
      {
        id: `${protocol}-${this.#nextConnection++}`,
        protocol,
        outbound,
        idleTimeoutMs: this.#idleTimeoutMs,
        maxMessageSize: this.#maxMessageSize,
      },
      this.#handlers,
    );
    this.#register(connection, alias);
    return connection;
  }

  #adoptWebSocket(ws: WebSocket, request: IncomingMessage): void {
    try {
      const connection = new WsConnection(
        ws,
        {
          id: `${this.#wsProtocol}-${this.#nextConnection++}`,
          protocol: this.#wsProtocol,
          remoteAddress: request.socket.remoteAddress ?? '',
          remotePort: request.socket.remotePort ?? 0,
          localAddress: request.socket.localAddress ?? '',
          localPort: request.socket.localPort ?? 0,
          maxMessageSize: this.#maxMessageSize,
        },
        this.#handlers,
      );
      this.#register(connection);
    } catch (err) {
      this.#reportError(err as Error);
      ws.terminate();
    }
  }

  #register(connection: Connection, alias?: string): void {
    this.#registry.add(connection, alias);
    if (this.#closed) {
      connection.close();
      return;
    }
    this.#emitSafely('connectionOpened', connection.id, endpointOf(connection));
  }

  #onConnectionClosed(connection: Connection): void {
    this.#registry.remove(connection);
    this.#emitSafely('connectionClosed', connection.id, endpointOf(connection));
  }

  /** A UDP datagram: stray CRLFs are ignored (keep-alives need no answer on UDP), the rest parsed. */
  #onDatagram(data: Buffer, source: ReceivedFrom): void {
    if (isKeepAlive(data)) return;
    let message: SipMessage;
    try {
      message = parseMessage(data, { maxMessageSize: this.#maxMessageSize });
    } catch (err) {
      this.#onUnparseable(data, err, source);
      return;
    }
    this.#onMessage(message, source);
  }

  /** Every parsed message ends here: requests get received/rport stamped, then listeners hear it. */
  #onMessage(message: SipMessage, source: ReceivedFrom, connection?: Connection): void {
    try {
      if (message.kind === 'request') {
        try {
          if (!message.headers.some((h) => h.name.toLowerCase() === 'via')) throw new SipParseError('Missing Via');
          stampVia(message, source.address, source.port);
        } catch (err) {
          this.#onUnparseable(serializeMessage(message), err, source, connection);
          return;
        }
      }
      this.#stats.messagesReceived++;
      this.#emitSafely('message', message, source);
    } catch (err) {
      this.#reportError(err as Error);
    }
  }

  /** Answers an unparseable request with the parser's status and reason when we can; drops the rest. */
  #onUnparseable(data: Buffer, err: unknown, source: ReceivedFrom, connection?: Connection): void {
    this.#stats.parseErrors++;
    const status = err instanceof SipParseError ? err.code : 400;
    const reason = err instanceof Error ? err.message : 'Bad Request';
    const response = buildErrorResponse(data, status, reason);
    const where = { protocol: source.protocol, address: source.address, port: source.port, connectionId: source.connectionId };
    if (!response) {
      this.#logger.warn({ ...where, reason }, 'dropped unparseable SIP message');
      return;
    }
    this.#logger.warn({ ...where, reason, status }, 'answered unparseable SIP request');
    this.#stats.parseErrorsAnswered++;
    const sent = connection ? connection.send(response) : this.#sendTo(response, source);
    sent.catch((e: unknown) => this.#logger.debug({ err: e, ...where }, 'could not send error response'));
  }

  #emitSafely<K extends keyof TransportLayerEvents>(event: K, ...args: TransportLayerEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: TransportLayerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#reportError(err as Error);
    }
  }

  #reportError(error: Error): void {
    if (this.listenerCount('error') === 0) {
      this.#logger.warn({ err: error }, 'SIP transport error');
      return;
    }
    try {
      this.emit('error', error);
    } catch (err) {
      this.#logger.warn({ err }, 'SIP transport error listener threw');
    }
  }
}

function endpointOf(connection: Connection): SipEndpoint {
  return {
    protocol: connection.protocol,
    address: connection.remoteAddress,
    port: connection.remotePort,
    connectionId: connection.id,
  };
}

function sourceOf(connection: Connection): ReceivedFrom {
  return { ...endpointOf(connection), localAddress: normalizeAddress(connection.localAddress), localPort: connection.localPort };
}
