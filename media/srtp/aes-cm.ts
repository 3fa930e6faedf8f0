/**
 * AES in counter mode (RFC 3711 §4.1.1) without creating a cipher per packet: one long-lived
 * ECB cipher (OpenSSL, padding off) per session key encrypts a batch of counter blocks held in
 * a reusable buffer; the resulting keystream is XORed into the data in place. ECB is stateless
 * between `update` calls, so one cipher object serves every packet of the session. The only
 * per-call allocation is the keystream buffer `update` returns (Node has no update-into API).
 */
import { createCipheriv, type Cipher } from 'node:crypto';

const BLOCK = 16;

export class AesCounterMode {
  readonly #cipher: Cipher;
  /** Counter blocks for one call; grown (rarely) when a longer input arrives. */
  #counters: Buffer;

  /**
   * `key`: 16 bytes (AES-128). `ecb`: OpenSSL cipher name. `maxBytes`: longest input expected
   * without growing the counter buffer (default 1500).
   */
  constructor(key: Uint8Array, ecb = 'aes-128-ecb', maxBytes = 1500) {
    this.#cipher = createCipheriv(ecb, key, null);
    this.#cipher.setAutoPadding(false);
    this.#counters = Buffer.alloc(Math.ceil(maxBytes / BLOCK) * BLOCK);
  }

  /**
   * XOR the keystream that starts at counter block `iv` (16 bytes; block i uses iv + i, the
   * addition carried through the low 32 bits) into `data[start, end)`.
   */
  xor(iv: Uint8Array, data: Uint8Array, start: number, end: number): void {
    const len = end - start;
    if (len <= 0) return;
    const ks = this.#keystream(iv, len);
    for (let i = 0; i < len; i++) data[start + i] ^= ks[i]!;
  }

  /** Write `out.length` bytes of keystream for `iv` into `out` (key derivation, tests). */
  keystream(iv: Uint8Array, out: Uint8Array): Uint8Array {
    out.set(this.#keystream(iv, out.length).subarray(0, out.length));
    return out;
  }

  #keystream(iv: Uint8Array, len: number): Buffer {
    const blocks = Math.ceil(len / BLOCK);
    const bytes = blocks * BLOCK;
    if (bytes > this.#counters.length) this.#counters = Buffer.alloc(bytes);
    const ctr = this.#counters;
    const low = ((iv[12]! << 24) | (iv[13]! << 16) | (iv[14]! << 8) | iv[15]!) >>> 0;
    for (let b = 0, o = 0; b < blocks; b++, o += BLOCK) {
      for (let k = 0; k < 12; k++) ctr[o + k] = iv[k]!;
      const c = (low + b) >>> 0;
      ctr[o + 12] = c >>> 24;
      ctr[o + 13] = (c >>> 16) & 0xff;
      ctr[o + 14] = (c >>> 8) & 0xff;
      ctr[o + 15] = c & 0xff;
    }
    return this.#cipher.update(bytes === ctr.length ? ctr : ctr.subarray(0, bytes));
  }
}
