/**
 * STUN client (RFC 5389/8489 Binding): asks a STUN server which address our UDP packets come
 * from after any NAT — what a trunk's `stun_server` is for: the public IP we advertise in SDP for
 * RTP toward that trunk. One Binding request from a fresh socket bound where RTP binds,
 * retransmitted on RFC 5389 §7.2.1's schedule (RTO 500 ms, doubling) until the deadline; the
 * answer must carry our transaction id; XOR-MAPPED-ADDRESS is preferred, MAPPED-ADDRESS (RFC 3489
 * servers) accepted. Errors are StunError with a message fit for a log line.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const BINDING_ERROR = 0x0111;
const ATTR_MAPPED_ADDRESS = 0x0001;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
const ATTR_ERROR_CODE = 0x0009;

export class StunError extends Error {
  override readonly name = 'StunError';
}

/** Where the STUN server is (the config's `stun_server`, parsed by parseStunServer). */
export interface StunServer {
  host: string;
  port: number;
}

/** A Binding request with `transactionId` (12 bytes), no attributes. */
export function bindingRequest(transactionId: Buffer): Buffer {
  const out = Buffer.alloc(20);
  out.writeUInt16BE(BINDING_REQUEST, 0);
  out.writeUInt16BE(0, 2);
  out.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(out, 8, 0, 12);
  return out;
}

export interface MappedAddress {
  address: string;
  port: number;
}

/**
 * The mapped address in a Binding response to `transactionId`; undefined when `msg` is not a
 * response to it (stray datagram). Throws StunError for an error response or a success without
 * an address.
 */
export function readBindingResponse(msg: Buffer, transactionId: Buffer): MappedAddress | undefined {
  if (msg.length < 20 || (msg[0]! & 0xc0) !== 0) return undefined;
  const type = msg.readUInt16BE(0);
  const length = msg.readUInt16BE(2);
  if (msg.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  if (!msg.subarray(8, 20).equals(transactionId)) return undefined;
  if (20 + length > msg.length) throw new StunError('truncated STUN response');
  const attrs = new Map<number, Buffer>();
  for (let at = 20; at + 4 <= 20 + length; ) {
    const t = msg.readUInt16BE(at);
    const len = msg.readUInt16BE(at + 2);
    if (at + 4 + len > 20 + length) throw new StunError('truncated STUN attribute');
    if (!attrs.has(t)) attrs.set(t, msg.subarray(at + 4, at + 4 + len));
    at += 4 + len + ((4 - (len % 4)) % 4);
  }
  if (type === BINDING_ERROR) {
    const e = attrs.get(ATTR_ERROR_CODE);
    const code = e && e.length >= 4 ? (e[2]! & 0x7) * 100 + e[3]! : 0;
    const reason = e && e.length > 4 ? e.subarray(4).toString('utf8') : '';
    throw new StunError(`STUN error ${code || 'response'}${reason ? ` ${reason}` : ''}`);
  }
  if (type !== BINDING_SUCCESS) return undefined;
  const xor = attrs.get(ATTR_XOR_MAPPED_ADDRESS);
  if (xor) return decodeAddress(xor, msg.subarray(4, 20));
  const plain = attrs.get(ATTR_MAPPED_ADDRESS);
  if (plain) return decodeAddress(plain, undefined);
  throw new StunError('STUN response has no mapped address');
}

/** (XOR-)MAPPED-ADDRESS value; `xorKey` = magic cookie + transaction id for the XOR form. */
function decodeAddress(value: Buffer, xorKey: Buffer | undefined): MappedAddress {
  const family = value.length >= 4 ? value[1] : undefined;
  const size = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
  if (size === 0 || value.length < 4 + size) throw new StunError('bad mapped address in STUN response');
  let port = value.readUInt16BE(2);
  const ip = Buffer.from(value.subarray(4, 4 + size));
  if (xorKey) {
    port ^= MAGIC_COOKIE >>> 16;
    for (let i = 0; i < size; i++) ip[i]! ^= xorKey[i]!;
  }
  const address = size === 4 ? [...ip].join('.') : ipv6Text(ip);
  return { address, port };
}

/** RFC 5952 text of a 16-byte IPv6 address (longest run of two or more zero groups as ::). */
function ipv6Text(ip: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => ip.readUInt16BE(i * 2));
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

export interface StunQueryOptions {
  /** Local address the query socket binds (where RTP binds). Default '0.0.0.0'. */
  bindAddress?: string;
  /** Give up after this long (ms). Default 3000. */
  timeoutMs?: number;
  /** First retransmission interval (RFC 5389 RTO). Default 500 ms. */
  rtoMs?: number;
}

/** Asks `server` for our mapped address; rejects with StunError on timeout or error response. */
export async function queryMappedAddress(server: StunServer, options: StunQueryOptions = {}): Promise<MappedAddress> {
  const bindAddress = options.bindAddress ?? '0.0.0.0';
  const family = isIP(bindAddress) === 6 ? 6 : 4;
  let target: string;
  try {
    target = isIP(server.host) ? server.host : (await lookup(server.host, { family })).address;
  } catch (err) {
    throw new StunError(`cannot resolve STUN server ${server.host}: ${(err as Error).message}`);
  }
  const socket: Socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  const tid = randomBytes(12);
  const request = bindingRequest(tid);
  const timeoutMs = options.timeoutMs ?? 3000;
  let rto = options.rtoMs ?? 500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await new Promise<MappedAddress>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new StunError(`no answer from STUN server ${server.host}:${server.port} in ${timeoutMs} ms`)), timeoutMs);
      const done = (fn: () => void) => {
        clearTimeout(deadline);
        fn();
      };
      socket.on('error', (err) => done(() => reject(new StunError(`STUN query failed: ${err.message}`))));
      socket.on('message', (msg, rinfo) => {
        if (rinfo.port !== server.port) return;
        try {
          const mapped = readBindingResponse(msg, tid);
          if (mapped) done(() => resolve(mapped));
        } catch (err) {
          done(() => reject(err));
        }
      });
      const send = () => {
        socket.send(request, server.port, target);
        timer = setTimeout(send, rto);
        rto *= 2;
      };
      socket.bind(0, bindAddress, send);
    });
  } finally {
    clearTimeout(timer);
    socket.close();
  }
}
