/**
 * UdpTransport: the one UDP socket SIP runs over (RFC 3261 §18). Every datagram is one message;
 * it hands datagrams up raw and sends serialized messages to an address. Requests over ~1300
 * bytes "should" go over TCP (§18.1.1); we leave that choice to the caller and send as asked.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { normalizeAddress } from './connection.ts';
import { TransportError } from './errors.ts';

export interface UdpTransportHandlers {
  onDatagram(data: Buffer, address: string, port: number): void;
  onError(error: Error): void;
}

export class UdpTransport {
  readonly #socket: Socket;
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Binds a socket (port 0 = OS-assigned) and starts delivering datagrams. */
  static listen(host: string, port: number, handlers: UdpTransportHandlers): Promise<UdpTransport> {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    return new Promise((resolve, reject) => {
      const onBindError = (err: Error) => {
        socket.close();
        reject(err);
      };
      socket.once('error', onBindError);
      socket.bind(port, host, () => {
        socket.off('error', onBindError);
        socket.on('error', (err) => handlers.onError(err));
        socket.on('message', (data, rinfo) => {
          try {
            handlers.onDatagram(data, normalizeAddress(rinfo.address), rinfo.port);
          } catch (err) {
            handlers.onError(err as Error);
          }
        });
        resolve(new UdpTransport(socket));
      });
    });
  }

  get address(): string {
    return this.#socket.address().address;
  }

  get port(): number {
    return this.#socket.address().port;
  }

  send(data: Buffer, address: string, port: number): Promise<void> {
    if (this.#closed) return Promise.reject(new TransportError('ENOTRANSPORT', 'UDP transport is closed'));
    return new Promise((resolve, reject) => {
      try {
        this.#socket.send(data, port, address, (err) =>
          err ? reject(TransportError.from(err, { protocol: 'udp', address, port })) : resolve(),
        );
      } catch (err) {
        reject(TransportError.from(err, { protocol: 'udp', address, port }));
      }
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
