/**
 * SHA-1 (FIPS 180-4) compression on Int32Array state, for HMAC with precomputed pad states:
 * after the 64-byte key⊕pad block is absorbed once, each message costs only its own blocks.
 * Written for V8: no allocation per call, four round loops without branches inside.
 */

export const SHA1_BLOCK = 64;
export const SHA1_DIGEST = 20;

/** The SHA-1 initial hash value H(0). */
export const SHA1_INIT: readonly number[] = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0];

/** Absorb one 64-byte block of `b` at `o` into `s` (5 words); `w` is an 80-word scratch. */
export function sha1Compress(s: Int32Array, w: Int32Array, b: Uint8Array, o: number): void {
  for (let i = 0; i < 16; i++, o += 4) w[i] = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
    w[i] = (x << 1) | (x >>> 31);
  }
  let a = s[0]!;
  let bb = s[1]!;
  let c = s[2]!;
  let d = s[3]!;
  let e = s[4]!;
  let i = 0;
  for (; i < 20; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((bb & c) | (~bb & d)) + e + 0x5a827999 + w[i]!) | 0;
    e = d;
    d = c;
    c = (bb << 30) | (bb >>> 2);
    bb = a;
    a = t;
  }
  for (; i < 40; i++) {
    const t = (((a << 5) | (a >>> 27)) + (bb ^ c ^ d) + e + 0x6ed9eba1 + w[i]!) | 0;
    e = d;
    d = c;
    c = (bb << 30) | (bb >>> 2);
    bb = a;
    a = t;
  }
  for (; i < 60; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((bb & c) | (bb & d) | (c & d)) + e - 0x70e44324 + w[i]!) | 0;
    e = d;
    d = c;
    c = (bb << 30) | (bb >>> 2);
    bb = a;
    a = t;
  }
  for (; i < 80; i++) {
    const t = (((a << 5) | (a >>> 27)) + (bb ^ c ^ d) + e - 0x359d3e2a + w[i]!) | 0;
    e = d;
    d = c;
    c = (bb << 30) | (bb >>> 2);
    bb = a;
    a = t;
  }
  s[0] = (s[0]! + a) | 0;
  s[1] = (s[1]! + bb) | 0;
  s[2] = (s[2]! + c) | 0;
  s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0;
}

/** Write the 5-word state big-endian into `out` at `o`. */
export function sha1WriteState(s: Int32Array, out: Uint8Array, o: number): void {
  for (let i = 0; i < 5; i++, o += 4) {
    const v = s[i]!;
    out[o] = v >>> 24;
    out[o + 1] = (v >>> 16) & 0xff;
    out[o + 2] = (v >>> 8) & 0xff;
    out[o + 3] = v & 0xff;
  }
}
