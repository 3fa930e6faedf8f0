/**
 * Test helper: records every UDP datagram this process sends and every address a UDP socket binds
 * to, by wrapping `dgram.Socket.prototype.send` and `.bind` — to prove a leg only talked to
 * 127.0.0.1. Install before the sockets exist, `restore()` in a finally.
 */
import dgram from 'node:dgram';

export interface UdpGuard {
  /** Destination addresses of sent datagrams, with counts. */
  readonly destinations: Map<string, number>;
  /** Addresses sockets were bound to ('' for an implicit/wildcard bind). */
  readonly bound: string[];
  restore(): void;
}

type SendArgs = Parameters<dgram.Socket['send']>;

/** The address argument of a send() call (the string after the port), or undefined when connected. */
function destinationOf(args: unknown[]): string | undefined {
  for (let i = 1; i < args.length; i++) {
    if (typeof args[i] === 'number' && typeof args[i + 1] === 'string') return args[i + 1] as string;
  }
  return undefined;
}

export function installUdpGuard(): UdpGuard {
  const proto = dgram.Socket.prototype;
  const send = proto.send;
  const bind = proto.bind;
  const destinations = new Map<string, number>();
  const bound: string[] = [];
  proto.send = function (this: dgram.Socket, ...args: SendArgs) {
    let to = destinationOf(args);
    if (to === undefined) {
      try {
        to = this.remoteAddress().address;
      } catch {
        to = '(unconnected, no address)';
      }
    }
    destinations.set(to, (destinations.get(to) ?? 0) + 1);
    return (send as (...a: SendArgs) => void).apply(this, args);
  } as typeof proto.send;
  proto.bind = function (this: dgram.Socket, ...args: unknown[]) {
    const first = args[0];
    const address =
      typeof first === 'object' && first !== null ? ((first as dgram.BindOptions).address ?? '') : typeof args[1] === 'string' ? args[1] : '';
    bound.push(address);
    return (bind as (...a: unknown[]) => dgram.Socket).apply(this, args);
  } as typeof proto.bind;
  return {
    destinations,
    bound,
    restore() {
      proto.send = send;
      proto.bind = bind;
    },
  };
}

function udpHandles(): dgram.Socket[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h): h is dgram.Socket => h instanceof dgram.Socket);
}

/** Number of open UDP sockets of this process (libuv handles). */
export function openUdpSockets(): number {
  return udpHandles().length;
}

/** Local addresses of the open, bound UDP sockets. */
export function boundUdpAddresses(): string[] {
  const out: string[] = [];
  for (const s of udpHandles()) {
    try {
      out.push(s.address().address);
    } catch {
      // not bound yet
    }
  }
  return out;
}
