/**
 * HMAC-SHA1 (RFC 2104) for SRTP authentication tags. `HmacSha1` keeps the SHA-1 states after
 * key⊕ipad and key⊕opad, so a packet costs only its own blocks plus one outer block, in plain
 * JS with no allocation (the digest is written into a buffer owned by the object: read it before
 * the next call). Measured on this machine it beats `createHmac` per 172-byte packet, whose
 * native call, key setup and result buffer cost more than the compression itself; and Node's
 * `hash.copy()` route is slower still (see bench/rtp). `CreateHmacSha1` is the `createHmac` form,
 * kept for the benchmark and as a cross-check in tests.
 */
import { createHash, createHmac } from 'node:crypto';
import { SHA1_BLOCK, SHA1_DIGEST, SHA1_INIT, sha1Compress, sha1WriteState } from './sha1-state.ts';

/** What the SRTP context needs from a MAC: the 20-byte digest of `a ‖ b`. */
export interface Sha1Mac {
  /** HMAC of `a` followed by `b` (b may be empty). The result may be reused by the next call. */
  digest(a: Uint8Array, b: Uint8Array): Uint8Array;
}

export class HmacSha1 implements Sha1Mac {
  readonly #inner = new Int32Array(5);
  readonly #outer = new Int32Array(5);
  readonly #s = new Int32Array(5);
  readonly #w = new Int32Array(80);
  readonly #block = new Uint8Array(SHA1_BLOCK);
  readonly #out = new Uint8Array(SHA1_DIGEST);
  #fill = 0;

  constructor(key: Uint8Array) {
    const k = new Uint8Array(SHA1_BLOCK);
    k.set(key.length > SHA1_BLOCK ? createHash('sha1').update(key).digest() : key);
    const pad = new Uint8Array(SHA1_BLOCK);
    for (let i = 0; i < SHA1_BLOCK; i++) pad[i] = k[i]! ^ 0x36;
    this.#inner.set(SHA1_INIT);
    sha1Compress(this.#inner, this.#w, pad, 0);
    for (let i = 0; i < SHA1_BLOCK; i++) pad[i] = k[i]! ^ 0x5c;
    this.#outer.set(SHA1_INIT);
    sha1Compress(this.#outer, this.#w, pad, 0);
  }

  digest(a: Uint8Array, b: Uint8Array): Uint8Array {
    const out = this.#out;
    this.#s.set(this.#inner);
    this.#fill = 0;
    this.#feed(a);
    this.#feed(b);
    this.#finish(SHA1_BLOCK + a.length + b.length);
    sha1WriteState(this.#s, out, 0);
    this.#s.set(this.#outer);
    this.#fill = 0;
    this.#feed(out);
    this.#finish(SHA1_BLOCK + SHA1_DIGEST);
    sha1WriteState(this.#s, out, 0);
    return out;
  }

  #feed(src: Uint8Array): void {
    const len = src.length;
    const blk = this.#block;
    let fill = this.#fill;
    let i = 0;
    if (fill === 0) {
      for (; i + SHA1_BLOCK <= len; i += SHA1_BLOCK) sha1Compress(this.#s, this.#w, src, i);
    }
    while (i < len) {
      blk[fill++] = src[i++]!;
      if (fill === SHA1_BLOCK) {
        sha1Compress(this.#s, this.#w, blk, 0);
        fill = 0;
      }
    }
    this.#fill = fill;
  }

  /** Padding and length; `total` counts the key block too. */
  #finish(total: number): void {
    const blk = this.#block;
    let fill = this.#fill;
    blk[fill++] = 0x80;
    if (fill > 56) {
      blk.fill(0, fill);
      sha1Compress(this.#s, this.#w, blk, 0);
      fill = 0;
    }
    blk.fill(0, fill, 56);
    const hi = Math.floor(total / 0x2000_0000); // bits = total·8, split at 2^32
    const lo = (total * 8) >>> 0;
    blk[56] = hi >>> 24;
    blk[57] = (hi >>> 16) & 0xff;
    blk[58] = (hi >>> 8) & 0xff;
    blk[59] = hi & 0xff;
    blk[60] = lo >>> 24;
    blk[61] = (lo >>> 16) & 0xff;
    blk[62] = (lo >>> 8) & 0xff;
    blk[63] = lo & 0xff;
    sha1Compress(this.#s, this.#w, blk, 0);
    this.#fill = 0;
  }
}

/** `createHmac('sha1', key)` per message (a fresh 20-byte buffer each time). */
export class CreateHmacSha1 implements Sha1Mac {
  readonly #key: Uint8Array;

  constructor(key: Uint8Array) {
    this.#key = key.slice();
  }

  digest(a: Uint8Array, b: Uint8Array): Uint8Array {
    const h = createHmac('sha1', this.#key).update(a);
    if (b.length > 0) h.update(b);
    return h.digest();
  }
}

/** `hash.copy()` of precomputed pad states per message (Node ≥ 13); measured slower than both. */
export class CopyHashHmacSha1 implements Sha1Mac {
  readonly #inner;
  readonly #outer;

  constructor(key: Uint8Array) {
    const k = new Uint8Array(SHA1_BLOCK);
    k.set(key.length > SHA1_BLOCK ? createHash('sha1').update(key).digest() : key);
    const pad = new Uint8Array(SHA1_BLOCK);
    for (let i = 0; i < SHA1_BLOCK; i++) pad[i] = k[i]! ^ 0x36;
    this.#inner = createHash('sha1').update(pad);
    for (let i = 0; i < SHA1_BLOCK; i++) pad[i] = k[i]! ^ 0x5c;
    this.#outer = createHash('sha1').update(pad);
  }

  digest(a: Uint8Array, b: Uint8Array): Uint8Array {
    const inner = this.#inner.copy().update(a);
    if (b.length > 0) inner.update(b);
    return this.#outer.copy().update(inner.digest()).digest();
  }
}
