/**
 * A scripted STUN responder for tests: answers Binding requests on a loopback UDP port with
 * whatever `answer` returns (a response built by xorMappedResponse, or undefined to stay silent),
 * so tests can pretend to be behind a NAT with a public address of their choosing.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';

export interface StunResponder {
  port: number;
  /** Binding requests received so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/** A Binding success response to `request` carrying XOR-MAPPED-ADDRESS `address:port`. */
export function xorMappedResponse(request: Buffer, address: string, port: number): Buffer {
  const v6 = isIP(address) === 6;
  const size = v6 ? 16 : 4;
  const out = Buffer.alloc(20 + 4 + 4 + size);
  out.writeUInt16BE(0x0101, 0);
  out.writeUInt16BE(4 + 4 + size, 2);
  request.copy(out, 4, 4, 20); // magic cookie + transaction id
  out.writeUInt16BE(0x0020, 20);
  out.writeUInt16BE(4 + size, 22);
  out.writeUInt16BE(v6 ? 0x02 : 0x01, 24);
  out.writeUInt16BE(port ^ 0x2112, 26);
  const ip = v6 ? ipv6Bytes(address) : Buffer.from(address.split('.').map(Number));
  for (let i = 0; i < size; i++) out[28 + i] = ip[i]! ^ out[4 + i]!;
  return out;
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export async function stunResponder(answer: (request: Buffer) => Buffer | undefined): Promise<StunResponder> {
  const socket = createSocket('udp4');
  let requests = 0;
  socket.on('message', (msg, rinfo) => {
    if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0001) return;
    requests++;
    const reply = answer(msg);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    port: socket.address().port,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
