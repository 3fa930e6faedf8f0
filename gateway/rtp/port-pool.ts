/**
 * RtpPortPool: UDP ports for RTP sessions toward SIP peers, from `rtp_port_min..rtp_port_max`.
 * Each allocation binds an even port for RTP and the odd port above it for RTCP (RFC 3550 §11;
 * with rtcp-mux the leg simply stops using the RTCP socket). Ports are handed out in rotation —
 * the next search starts after the last port given, so a port just released is the last to be
 * reused and stray packets of the previous call find nobody. A port some other process holds
 * is skipped (EADDRINUSE) and tried again on a later round. With min = max = 0 the OS picks
 * the ports (any even port whose odd neighbour is free). The pool hands out bound sockets, so
 * "free" is proven by binding, never guessed.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { RtpError } from './errors.ts';

export interface RtpPortPoolOptions {
  /** Address the sockets bind to (an interface address, or '0.0.0.0' / '::'). Default '127.0.0.1'. */
  bindAddress?: string;
  /** Lowest port of the range (rtp_port_min). 0 together with `maxPort` 0: OS-assigned. Default 0. */
  minPort?: number;
  /** Highest port of the range (rtp_port_max), inclusive. Default 0. */
  maxPort?: number;
  /** OS-assigned mode: attempts to find an even port with a free odd neighbour. Default 64. */
  osAttempts?: number;
}

/** One allocation: the bound RTP socket and, unless declined, the RTCP socket at port + 1. */
export interface RtpPortAllocation {
  readonly rtpPort: number;
  readonly rtcpPort: number;
  readonly rtpSocket: Socket;
  /** Null when allocated with `rtcp: false`. */
  readonly rtcpSocket: Socket | null;
  /** Close the sockets and return the ports to the pool (idempotent; resolves once closed). */
  release(): Promise<void>;
}

export interface RtpPortPoolStats {
  bindAddress: string;
  /** 'range' or 'os' (min = max = 0). */
  mode: 'range' | 'os';
  minPort: number;
  maxPort: number;
  /** Port pairs the range holds (0 in OS mode: unbounded). */
  capacity: number;
  /** Pairs allocated now. */
  allocated: number;
  /** Pairs not allocated by us (some may be held by other processes). */
  free: number;
  /** Allocations since creation. */
  allocations: number;
  /** Binds refused with EADDRINUSE (ports held by others). */
  inUseSkips: number;
  /** Allocations refused because nothing was free. */
  exhausted: number;
}

function bind(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

function inUse(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'EADDRINUSE' || code === 'EACCES';
}

export class RtpPortPool {
  readonly #address: string;
  readonly #family: 'udp4' | 'udp6';
  readonly #min: number;
  readonly #max: number;
  readonly #osAttempts: number;
  /** Even ports of the range: first and count. */
  readonly #first: number;
  readonly #pairs: number;
  /** RTP ports held by us (range mode: also those being bound or closed). */
  readonly #held = new Set<number>();
  #cursor = 0;
  #closed = false;
  readonly #stats = { allocations: 0, inUseSkips: 0, exhausted: 0 };
  readonly #live = new Set<RtpPortAllocation>();

  constructor(options: RtpPortPoolOptions = {}) {
    const address = options.bindAddress ?? '127.0.0.1';
    const fam = isIP(address);
    if (!fam) throw new RtpError('bad-options', `bindAddress ${JSON.stringify(address)} is not an IP address`);
    const min = options.minPort ?? 0;
    const max = options.maxPort ?? 0;
    const ok = (p: number) => Number.isInteger(p) && p >= 0 && p <= 65535;
    if (!ok(min) || !ok(max) || min > max || (min === 0) !== (max === 0)) {
      throw new RtpError('bad-options', `RTP port range ${min}..${max} is not valid`);
    }
    this.#address = address;
    this.#family = fam === 6 ? 'udp6' : 'udp4';
    this.#min = min;
    this.#max = max;
    this.#osAttempts = options.osAttempts ?? 64;
    this.#first = min % 2 === 0 ? min : min + 1;
    this.#pairs = min === 0 ? 0 : Math.max(0, Math.floor((max - this.#first + 1) / 2));
    if (min !== 0 && this.#pairs === 0) throw new RtpError('bad-options', `RTP port range ${min}..${max} holds no even/odd pair`);
  }

  get bindAddress(): string {
    return this.#address;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Bind an even RTP port and (unless `rtcp` is false) RTCP on the port above it. Rejects with
   * RtpError('ports-exhausted') when every pair of the range is taken, 'bind-failed' for other
   * socket errors.
   */
  async allocate(options: { rtcp?: boolean } = {}): Promise<RtpPortAllocation> {
    if (this.#closed) throw new RtpError('invalid-state', 'port pool is closed');
    const withRtcp = options.rtcp ?? true;
    const allocation = this.#pairs === 0 ? await this.#allocateOs(withRtcp) : await this.#allocateRange(withRtcp);
    this.#stats.allocations++;
    return allocation;
  }

  async #allocateRange(withRtcp: boolean): Promise<RtpPortAllocation> {
    for (let tried = 0; tried < this.#pairs; tried++) {
      const port = this.#first + 2 * ((this.#cursor + tried) % this.#pairs);
      if (this.#held.has(port)) continue;
      this.#held.add(port);
      const got = await this.#tryPair(port, withRtcp);
      if (got) {
        this.#cursor = (this.#cursor + tried + 1) % this.#pairs;
        return got;
      }
      this.#held.delete(port);
    }
    this.#stats.exhausted++;
    throw new RtpError(
      'ports-exhausted',
      `no free RTP port pair in ${this.#min}..${this.#max} on ${this.#address} (${this.#held.size} of ${this.#pairs} held by us)`,
    );
  }

  async #allocateOs(withRtcp: boolean): Promise<RtpPortAllocation> {
    for (let i = 0; i < this.#osAttempts; i++) {
      const rtp = createSocket({ type: this.#family });
      try {
        await bind(rtp, 0, this.#address);
      } catch (err) {
        await closeSocket(rtp);
        throw new RtpError('bind-failed', `cannot bind RTP on ${this.#address}: ${(err as Error).message}`, { cause: err });
      }
      const port = rtp.address().port;
      if (port % 2 !== 0 || port === 65535 || this.#held.has(port)) {
        await closeSocket(rtp);
        continue;
      }
      this.#held.add(port);
      if (!withRtcp) return this.#allocation(port, rtp, null);
      const rtcp = createSocket({ type: this.#family });
      try {
        await bind(rtcp, port + 1, this.#address);
        return this.#allocation(port, rtp, rtcp);
      } catch (err) {
        await Promise.all([closeSocket(rtp), closeSocket(rtcp)]);
        this.#held.delete(port);
        if (!inUse(err)) throw new RtpError('bind-failed', `cannot bind RTCP port ${port + 1}: ${(err as Error).message}`, { cause: err });
        this.#stats.inUseSkips++;
      }
    }
    this.#stats.exhausted++;
    throw new RtpError('ports-exhausted', `no even/odd port pair from the OS on ${this.#address} after ${this.#osAttempts} attempts`);
  }

  async #tryPair(port: number, withRtcp: boolean): Promise<RtpPortAllocation | null> {
    const rtp = createSocket({ type: this.#family });
    try {
      await bind(rtp, port, this.#address);
    } catch (err) {
      await closeSocket(rtp);
      if (inUse(err)) {
        this.#stats.inUseSkips++;
        return null;
      }
      throw new RtpError('bind-failed', `cannot bind RTP port ${port}: ${(err as Error).message}`, { cause: err });
    }
    if (!withRtcp) return this.#allocation(port, rtp, null);
    const rtcp = createSocket({ type: this.#family });
    try {
      await bind(rtcp, port + 1, this.#address);
    } catch (err) {
      await Promise.all([closeSocket(rtp), closeSocket(rtcp)]);
      if (inUse(err)) {
        this.#stats.inUseSkips++;
        return null;
      }
      throw new RtpError('bind-failed', `cannot bind RTCP port ${port + 1}: ${(err as Error).message}`, { cause: err });
    }
    return this.#allocation(port, rtp, rtcp);
  }

  #allocation(port: number, rtpSocket: Socket, rtcpSocket: Socket | null): RtpPortAllocation {
    let released: Promise<void> | undefined;
    const allocation: RtpPortAllocation = {
      rtpPort: port,
      rtcpPort: port + 1,
      rtpSocket,
      rtcpSocket,
      release: () => {
        released ??= Promise.all([closeSocket(rtpSocket), rtcpSocket ? closeSocket(rtcpSocket) : undefined]).then(() => {
          this.#held.delete(port); // only once the OS has let go of the ports
          this.#live.delete(allocation);
        });
        return released;
      },
    };
    this.#live.add(allocation);
    return allocation;
  }

  getStats(): RtpPortPoolStats {
    const os = this.#pairs === 0;
    return {
      bindAddress: this.#address,
      mode: os ? 'os' : 'range',
      minPort: this.#min,
      maxPort: this.#max,
      capacity: this.#pairs,
      allocated: this.#live.size,
      free: os ? 0 : this.#pairs - this.#held.size,
      ...this.#stats,
    };
  }

  /** Refuse further allocations and release every live one (idempotent). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#live].map((a) => a.release()));
  }
}
