/**
 * HTTP upgrade routing for the gateway's HTTP server: each handler (SIP over WebSocket at /sip,
 * later the /ws/* media streams) is offered the upgrade in turn and returns true when it took
 * the socket; an upgrade nobody takes is answered 404 and closed, so no socket is left hanging.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** Takes an upgrade (true) or leaves it untouched (false). */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** Listens for 'upgrade' on `server`, offering each upgrade to `handlers()` in order; returns the function that detaches. */
export function routeUpgrades(server: Server, handlers: () => readonly UpgradeHandler[]): () => void {
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    for (const handler of handlers()) {
      try {
        if (handler(request, socket, head)) return;
      } catch {
        break;
      }
    }
    socket.end(NOT_FOUND);
  };
  server.on('upgrade', onUpgrade);
  return () => server.off('upgrade', onUpgrade);
}
