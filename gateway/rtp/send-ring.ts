/**
 * Send buffers for one socket without allocating per packet. `dgram.send` does not copy: the
 * datagram leaves after an address lookup on a later tick, so a buffer reused at once would be
 * overwritten before it went out. A ring of buffers with a count of sends in flight fixes that:
 * sends complete in order, so while fewer than `size` are in flight the next ring slot is free.
 * If the ring is ever full (a stalled socket), a fresh buffer is used and counted.
 */
import type { Socket } from 'node:dgram';

export class SendRing {
  readonly #buffers: Buffer[];
  readonly #bufferBytes: number;
  #next = 0;
  #inFlight = 0;
  /** Sends that found the ring busy and used a fresh buffer. */
  fallbacks = 0;
  /** Sends whose callback reported an error. */
  errors = 0;
  readonly #sent = (err: Error | null): void => {
    this.#inFlight--;
    if (err) this.errors++;
  };

  /** `size` buffers of `bufferBytes` each. */
  constructor(size = 16, bufferBytes = 1500) {
    this.#buffers = Array.from({ length: Math.max(1, size) }, () => Buffer.alloc(bufferBytes));
    this.#bufferBytes = bufferBytes;
  }

  /** A buffer to write the next datagram into; pass it to `send` before acquiring another. */
  acquire(): Buffer {
    if (this.#inFlight >= this.#buffers.length) {
      this.fallbacks++;
      return Buffer.allocUnsafe(this.#bufferBytes);
    }
    const b = this.#buffers[this.#next]!;
    this.#next = (this.#next + 1) % this.#buffers.length;
    return b;
  }

  /** Send `buf[0, length)` to `address:port` on `socket`. */
  send(socket: Socket, buf: Buffer, length: number, port: number, address: string): void {
    this.#inFlight++;
    try {
      socket.send(buf, 0, length, port, address, this.#sent);
    } catch {
      this.#inFlight--; // socket closed under us
      this.errors++;
    }
  }

  /** Sends not yet completed. */
  get inFlight(): number {
    return this.#inFlight;
  }
}
