/**
 * One SRTP/SRTCP crypto context (RFC 3711): the session keys derived from one master key and
 * salt, and per-SSRC state — rollover counter and highest sequence number (§3.3.1), replay
 * windows (§3.3.2), the sender's SRTCP index. Packets are transformed in place in the caller's
 * buffer: `protect*` appends the tag (and the SRTCP E flag + index word), `unprotect*` checks and
 * strips them. Use one context per direction: ours protects what we send, the peer's (from its
 * a=crypto) unprotects what we receive.
 *
 * Per packet: no cipher is created (see `./aes-cm.ts`), nothing is parsed into objects; the
 * allocations left are Node's — the keystream and the HMAC digest buffers and a view or two.
 * `unprotect*` never throws on hostile input: it returns the plaintext length, or a negative
 * `SrtpError` value; replay and authentication checks run before decryption, so a refused packet
 * is left as it came and moves no state.
 */
import { AesCounterMode } from './aes-cm.ts';
import { HmacSha1, type Sha1Mac } from './hmac-sha1.ts';
import { deriveSessionKeys } from './kdf.ts';
import { estimateRoc, packetIndex, updateRollover } from './packet-index.ts';
import { ReplayWindow } from './replay-window.ts';
import { srtpSuite, type SrtpSuite, type SrtpSuiteName } from './suite.ts';

/** Negative results of `unprotectRtp` / `unprotectRtcp`. */
export const SrtpError = {
  /** Shorter than a header plus the tag (and SRTCP index). */
  TOO_SHORT: -1,
  /** Not version 2, or the header runs past the end. */
  BAD_HEADER: -2,
  /** The authentication tag did not match: wrong key or a forged/corrupted packet. */
  AUTH_FAILED: -3,
  /** The packet index was seen already or is older than the replay window. */
  REPLAYED: -4,
} as const;

export type SrtpErrorName = 'too-short' | 'bad-header' | 'auth-failed' | 'replayed';

/** The name of a negative `unprotect*` result (undefined for a length). */
export function srtpErrorName(result: number): SrtpErrorName | undefined {
  switch (result) {
    case SrtpError.TOO_SHORT:
      return 'too-short';
    case SrtpError.BAD_HEADER:
      return 'bad-header';
    case SrtpError.AUTH_FAILED:
      return 'auth-failed';
    case SrtpError.REPLAYED:
      return 'replayed';
    default:
      return undefined;
  }
}

export interface SrtpContextOptions {
  /** Crypto suite, e.g. 'AES_CM_128_HMAC_SHA1_80'. Required. */
  suite: SrtpSuiteName;
  /** Master key (16 bytes). Required. */
  masterKey: Uint8Array;
  /** Master salt (14 bytes). Required. */
  masterSalt: Uint8Array;
  /** Replay window width in packets, for SRTP and SRTCP each. Default 128; 0 turns replay checks off. */
  replayWindow?: number;
  /** Encrypt SRTP payloads; false is the SDES UNENCRYPTED_SRTP session parameter. Default true. */
  encryptRtp?: boolean;
  /** Encrypt SRTCP; false is UNENCRYPTED_SRTCP (the E flag is then 0). Default true. */
  encryptRtcp?: boolean;
  /** SSRCs tracked at most; beyond that the one added first is forgotten. Default 16. */
  maxStreams?: number;
}

export interface SrtpContextStats {
  suite: SrtpSuiteName;
  rtpProtected: number;
  rtpUnprotected: number;
  rtcpProtected: number;
  rtcpUnprotected: number;
  /** Packets whose tag did not verify. */
  authFailures: number;
  /** Packets refused by the replay window. */
  replayed: number;
  /** Packets too short or with a broken header. */
  malformed: number;
  /** SSRCs with state. */
  streams: number;
}

interface SrtpStream {
  /** RFC 3711 ROC and s_l (`RolloverState`). */
  roc: number;
  highestSeq: number;
  replay: ReplayWindow | null;
  rtcpReplay: ReplayWindow | null;
  /** Next SRTCP index we send. */
  rtcpIndex: number;
}

const EMPTY = new Uint8Array(0);

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function w32(b: Uint8Array, i: number, v: number): void {
  b[i] = (v >>> 24) & 0xff;
  b[i + 1] = (v >>> 16) & 0xff;
  b[i + 2] = (v >>> 8) & 0xff;
  b[i + 3] = v & 0xff;
}

/** Where the payload of the RTP packet `buf[0, len)` starts, or -1 when the header is broken. */
function rtpHeaderLength(buf: Uint8Array, len: number): number {
  if (len < 12) return -1;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return -1;
  let off = 12 + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (off + 4 > len) return -1;
    off += 4 + ((buf[off + 2]! << 8) | buf[off + 3]!) * 4;
  }
  return off > len ? -1 : off;
}

/** Constant-time comparison of `n` bytes. */
function tagsEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, n: number): boolean {
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= a[aOff + i]! ^ b[bOff + i]!;
  return diff === 0;
}

export class SrtpContext {
  readonly suite: SrtpSuite;
  readonly #rtpCipher: AesCounterMode;
  readonly #rtpMac: Sha1Mac;
  readonly #rtpSalt: Uint8Array;
  readonly #rtcpCipher: AesCounterMode;
  readonly #rtcpMac: Sha1Mac;
  readonly #rtcpSalt: Uint8Array;
  readonly #encryptRtp: boolean;
  readonly #encryptRtcp: boolean;
  readonly #replaySize: number;
  readonly #maxStreams: number;
  readonly #iv = new Uint8Array(16);
  readonly #roc = new Uint8Array(4);
  readonly #streams = new Map<number, SrtpStream>();
  readonly #stats = { rtpProtected: 0, rtpUnprotected: 0, rtcpProtected: 0, rtcpUnprotected: 0, authFailures: 0, replayed: 0, malformed: 0 };

  constructor(options: SrtpContextOptions) {
    const suite = srtpSuite(options.suite);
    this.suite = suite;
    const rtp = deriveSessionKeys(suite, options.masterKey, options.masterSalt, false);
    const rtcp = deriveSessionKeys(suite, options.masterKey, options.masterSalt, true);
    this.#rtpCipher = new AesCounterMode(rtp.encryptionKey, suite.ecb);
    this.#rtpMac = new HmacSha1(rtp.authKey);
    this.#rtpSalt = rtp.salt;
    this.#rtcpCipher = new AesCounterMode(rtcp.encryptionKey, suite.ecb);
    this.#rtcpMac = new HmacSha1(rtcp.authKey);
    this.#rtcpSalt = rtcp.salt;
    this.#encryptRtp = options.encryptRtp ?? true;
    this.#encryptRtcp = options.encryptRtcp ?? true;
    const replay = options.replayWindow ?? 128;
    if (!(replay >= 0)) throw new RangeError('replayWindow must be >= 0');
    this.#replaySize = replay;
    this.#maxStreams = Math.max(1, options.maxStreams ?? 16);
  }

  /** Bytes `protectRtp` appends. */
  get rtpOverhead(): number {
    return this.suite.rtpTagBytes;
  }

  /** Bytes `protectRtcp` appends. */
  get rtcpOverhead(): number {
    return 4 + this.suite.rtcpTagBytes;
  }

  /**
   * Encrypt and authenticate the RTP packet `buf[0, length)` in place; returns the SRTP length
   * (`length + rtpOverhead`). Throws RangeError when the header is broken or `buf` has no room
   * for the tag (caller bugs: we build what we send).
   */
  protectRtp(buf: Uint8Array, length: number): number {
    const off = rtpHeaderLength(buf, length);
    if (off < 0) throw new RangeError('protectRtp: not an RTP packet');
    const tagLen = this.suite.rtpTagBytes;
    if (buf.length < length + tagLen) throw new RangeError(`protectRtp: buffer needs ${length + tagLen} bytes`);
    const seq = (buf[2]! << 8) | buf[3]!;
    const ssrc = u32(buf, 8);
    const s = this.#streams.get(ssrc) ?? this.#add(ssrc, seq);
    let v = estimateRoc(s, seq);
    if (v < 0) v = 0; // our own sequence went backwards before its first wrap: stay in ROC 0
    updateRollover(s, v, seq);
    if (this.#encryptRtp) {
      this.#setIv(this.#rtpSalt, ssrc, v, seq);
      this.#rtpCipher.xor(this.#iv, buf, off, length);
    }
    w32(this.#roc, 0, v);
    const tag = this.#rtpMac.digest(buf.subarray(0, length), this.#roc);
    for (let i = 0; i < tagLen; i++) buf[length + i] = tag[i]!;
    this.#stats.rtpProtected++;
    return length + tagLen;
  }

  /**
   * Authenticate, replay-check and decrypt the SRTP packet `buf[0, length)` in place; returns the
   * RTP length, or a negative `SrtpError` value. Never throws.
   */
  unprotectRtp(buf: Uint8Array, length: number): number {
    const tagLen = this.suite.rtpTagBytes;
    if (length < 12 + tagLen || length > buf.length) return this.#malformed(SrtpError.TOO_SHORT);
    const end = length - tagLen;
    const off = rtpHeaderLength(buf, end);
    if (off < 0) return this.#malformed(SrtpError.BAD_HEADER);
    const seq = (buf[2]! << 8) | buf[3]!;
    const ssrc = u32(buf, 8);
    let s = this.#streams.get(ssrc);
    let v = 0;
    if (s) {
      v = estimateRoc(s, seq);
      if (s.replay && s.replay.check(packetIndex(v, seq)) !== 'new') {
        this.#stats.replayed++;
        return SrtpError.REPLAYED;
      }
    }
    w32(this.#roc, 0, v);
    const tag = this.#rtpMac.digest(buf.subarray(0, end), this.#roc);
    if (!tagsEqual(tag, 0, buf, end, tagLen)) {
      this.#stats.authFailures++;
      return SrtpError.AUTH_FAILED;
    }
    s ??= this.#add(ssrc, seq);
    updateRollover(s, v, seq);
    s.replay?.commit(packetIndex(v, seq));
    if (this.#encryptRtp) {
      this.#setIv(this.#rtpSalt, ssrc, v, seq);
      this.#rtpCipher.xor(this.#iv, buf, off, end);
    }
    this.#stats.rtpUnprotected++;
    return end;
  }

  /**
   * Encrypt and authenticate the compound RTCP packet `buf[0, length)` in place, adding the E flag
   * + SRTCP index word and the tag; returns the SRTCP length (`length + rtcpOverhead`). The index
   * counts from 0 per sender SSRC (§3.4). Throws RangeError on a broken packet or no room.
   */
  protectRtcp(buf: Uint8Array, length: number): number {
    if (length < 8 || buf[0]! >> 6 !== 2) throw new RangeError('protectRtcp: not an RTCP packet');
    const tagLen = this.suite.rtcpTagBytes;
    if (buf.length < length + 4 + tagLen) throw new RangeError(`protectRtcp: buffer needs ${length + 4 + tagLen} bytes`);
    const ssrc = u32(buf, 4);
    const s = this.#streams.get(ssrc) ?? this.#add(ssrc, 0);
    const index = s.rtcpIndex;
    s.rtcpIndex = (index + 1) & 0x7fff_ffff;
    if (this.#encryptRtcp) {
      this.#setRtcpIv(ssrc, index);
      this.#rtcpCipher.xor(this.#iv, buf, 8, length);
    }
    w32(buf, length, (this.#encryptRtcp ? 0x8000_0000 : 0) | index);
    const tag = this.#rtcpMac.digest(buf.subarray(0, length + 4), EMPTY);
    for (let i = 0; i < tagLen; i++) buf[length + 4 + i] = tag[i]!;
    this.#stats.rtcpProtected++;
    return length + 4 + tagLen;
  }

  /**
   * Authenticate, replay-check and (when the E flag says so) decrypt the SRTCP packet
   * `buf[0, length)` in place; returns the RTCP length or a negative `SrtpError` value.
   */
  unprotectRtcp(buf: Uint8Array, length: number): number {
    const tagLen = this.suite.rtcpTagBytes;
    if (length < 8 + 4 + tagLen || length > buf.length) return this.#malformed(SrtpError.TOO_SHORT);
    if (buf[0]! >> 6 !== 2) return this.#malformed(SrtpError.BAD_HEADER);
    const end = length - tagLen;
    const word = u32(buf, end - 4);
    const encrypted = word >>> 31 === 1;
    const index = word & 0x7fff_ffff;
    const ssrc = u32(buf, 4);
    let s = this.#streams.get(ssrc);
    if (s?.rtcpReplay && s.rtcpReplay.check(index) !== 'new') {
      this.#stats.replayed++;
      return SrtpError.REPLAYED;
    }
    const tag = this.#rtcpMac.digest(buf.subarray(0, end), EMPTY);
    if (!tagsEqual(tag, 0, buf, end, tagLen)) {
      this.#stats.authFailures++;
      return SrtpError.AUTH_FAILED;
    }
    s ??= this.#add(ssrc, 0);
    s.rtcpReplay?.commit(index);
    if (encrypted) {
      this.#setRtcpIv(ssrc, index);
      this.#rtcpCipher.xor(this.#iv, buf, 8, end - 4);
    }
    this.#stats.rtcpUnprotected++;
    return end - 4;
  }

  /** ROC and highest sequence number known for `ssrc` (tests, diagnostics). */
  rolloverOf(ssrc: number): { roc: number; highestSeq: number } | undefined {
    const s = this.#streams.get(ssrc >>> 0);
    return s && { roc: s.roc, highestSeq: s.highestSeq };
  }

  /** Forget all per-SSRC state (ROC, replay windows, SRTCP indices). */
  reset(): void {
    this.#streams.clear();
  }

  getStats(): SrtpContextStats {
    return { suite: this.suite.name, ...this.#stats, streams: this.#streams.size };
  }

  #malformed(code: number): number {
    this.#stats.malformed++;
    return code;
  }

  #add(ssrc: number, seq: number): SrtpStream {
    if (this.#streams.size >= this.#maxStreams) {
      const oldest = this.#streams.keys().next().value;
      if (oldest !== undefined) this.#streams.delete(oldest);
    }
    const size = this.#replaySize;
    const s: SrtpStream = {
      roc: 0,
      highestSeq: seq,
      replay: size > 0 ? new ReplayWindow(size) : null,
      rtcpReplay: size > 0 ? new ReplayWindow(size) : null,
      rtcpIndex: 0,
    };
    this.#streams.set(ssrc, s);
    return s;
  }

  /** IV = (k_s · 2^16) ⊕ (SSRC · 2^64) ⊕ (i · 2^16), i = 2^16·ROC + SEQ (§4.1.1). */
  #setIv(salt: Uint8Array, ssrc: number, roc: number, seq: number): void {
    const iv = this.#iv;
    for (let i = 0; i < 14; i++) iv[i] = salt[i]!;
    iv[14] = 0;
    iv[15] = 0;
    iv[4]! ^= ssrc >>> 24;
    iv[5]! ^= (ssrc >>> 16) & 0xff;
    iv[6]! ^= (ssrc >>> 8) & 0xff;
    iv[7]! ^= ssrc & 0xff;
    iv[8]! ^= (roc >>> 24) & 0xff;
    iv[9]! ^= (roc >>> 16) & 0xff;
    iv[10]! ^= (roc >>> 8) & 0xff;
    iv[11]! ^= roc & 0xff;
    iv[12]! ^= seq >>> 8;
    iv[13]! ^= seq & 0xff;
  }

  /** The SRTCP IV: as SRTP's with the 31-bit SRTCP index as i (§4.1.1, §3.4). */
  #setRtcpIv(ssrc: number, index: number): void {
    this.#setIv(this.#rtcpSalt, ssrc, index >>> 16, index & 0xffff);
  }
}
