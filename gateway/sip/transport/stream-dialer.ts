/**
 * Opens outbound TCP/TLS connections for the transport layer, with a connect timeout, and maps
 * every failure to a TransportError (ECONNREFUSED, EHOSTUNREACH, ETIMEDOUT, …).
 */
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { TransportError } from './errors.ts';

export interface DialOptions {
  protocol: 'tcp' | 'tls';
  address: string;
  port: number;
  timeoutMs: number;
  /** TLS client settings (ca, rejectUnauthorized, cert, key); servername is set from `address` when it is a name. */
  tls?: ConnectionOptions;
}

/** Resolves with a connected (for TLS: handshaken) socket. */
export function dial(options: DialOptions): Promise<Socket> {
  const destination = { protocol: options.protocol, address: options.address, port: options.port };
  return new Promise((resolve, reject) => {
    let socket: Socket;
    const readyEvent = options.protocol === 'tls' ? 'secureConnect' : 'connect';
    if (options.protocol === 'tls') {
      socket = tlsConnect({
        ...options.tls,
        host: options.address,
        port: options.port,
        servername: isIP(options.address) ? undefined : options.address,
      });
    } else {
      socket = tcpConnect({ host: options.address, port: options.port });
    }
    const timer = setTimeout(() => {
      cleanup();
      socket.destroy();
      reject(new TransportError('ETIMEDOUT', `connect to ${options.protocol}:${options.address}:${options.port} timed out`, { destination }));
    }, options.timeoutMs);
    const onError = (err: Error) => {
      cleanup();
      socket.destroy();
      reject(TransportError.from(err, destination));
    };
    const onReady = () => {
      cleanup();
      resolve(socket);
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off(readyEvent, onReady);
    };
    socket.once('error', onError);
    socket.once(readyEvent, onReady);
  });
}
