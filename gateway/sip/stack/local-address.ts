/**
 * The local address the host would use to reach a remote host (a connected UDP socket sends
 * nothing but asks the routing table), for the Contact of trunk registrations when the stack
 * binds a wildcard address.
 */
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Splits 'host', 'host:port' or '[v6]:port'. */
export function splitHostPort(text: string, defaultPort = 5060): { host: string; port: number } {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    return { host: text.slice(1, end), port: text[end + 1] === ':' ? Number(text.slice(end + 2)) : defaultPort };
  }
  const i = text.lastIndexOf(':');
  if (i > 0 && text.indexOf(':') === i) return { host: text.slice(0, i), port: Number(text.slice(i + 1)) };
  return { host: text, port: defaultPort };
}

/** Our address toward `host` (a name or IP literal); undefined when it cannot be told (no route, unknown name). */
export async function localAddressToward(host: string, port = 5060): Promise<string | undefined> {
  let ip = host;
  if (isIP(host) === 0) {
    try {
      ip = (await lookup(host)).address;
    } catch {
      return undefined;
    }
  }
  const socket = createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4');
  try {
    return await new Promise<string | undefined>((resolve) => {
      socket.once('error', () => resolve(undefined));
      socket.connect(port, ip, () => resolve(socket.address().address));
    });
  } finally {
    socket.close();
  }
}
