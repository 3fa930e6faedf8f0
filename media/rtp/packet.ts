/**
 * RTP packets (RFC 3550 §5.1) read and written straight from bytes. `readRtp`/`parseRtpInto` fill a
 * reusable header object (no allocation but the payload/extension views) and never throw on
 * hostile input; `parseRtp` is the convenience form that throws an `RtpError`; `writeRtp` builds a
 * packet into a caller buffer. RFC 8285 extension elements are read by `./extensions.ts`.
 */

/** Fixed part of the RTP header in bytes. */
export const RTP_HEADER_SIZE = 12;
/** Most contributing sources a header can carry (CC is 4 bits). */
export const RTP_MAX_CSRCS = 15;

const EMPTY = new Uint8Array(0);

/** Why a packet was rejected; 'ok' when it was not. */
export type RtpParseStatus =
  | 'ok'
  /** Fewer than 12 bytes. */
  | 'too-short'
  /** Version field is not 2. */
  | 'bad-version'
  /** The CSRC list runs past the end of the packet. */
  | 'csrc-overflow'
  /** The header extension runs past the end of the packet. */
  | 'extension-overflow'
  /** P bit set but the pad count is 0 or larger than what follows the header. */
  | 'bad-padding';

/** A malformed packet, from `parseRtp`. */
export class RtpError extends Error {
  override readonly name = 'RtpError';
  constructor(readonly code: Exclude<RtpParseStatus, 'ok'>) {
    super(`malformed RTP packet: ${code}`);
  }
}

/** A parsed RTP header; the views point into the parsed buffer (valid while it is). */
export interface RtpHeader {
  /** Always 2 after a successful parse. */
  version: number;
  /** P bit: the packet carried padding (already stripped from `payload`). */
  padding: boolean;
  /** Padding bytes stripped (0 without the P bit). */
  paddingLength: number;
  /** X bit: a header extension is present. */
  extension: boolean;
  marker: boolean;
  /** 0–127. */
  payloadType: number;
  /** 0–65535. */
  sequenceNumber: number;
  /** Unsigned 32-bit. */
  timestamp: number;
  /** Unsigned 32-bit. */
  ssrc: number;
  /** Number of valid entries at the front of `csrcs`. */
  csrcCount: number;
  /** Contributing sources; only the first `csrcCount` are meaningful. */
  csrcs: Uint32Array;
  /** The 16-bit "defined by profile" field (0xBEDE one-byte, 0x100x two-byte), 0 without X. */
  extensionProfile: number;
  /** Extension body without its 4-byte header (a view), or null without X. */
  extensionData: Uint8Array | null;
  /** Byte offset of the extension body in the buffer (0 without X). */
  extensionOffset: number;
  /** Bytes of header: fixed part, CSRCs and extension; where the payload starts. */
  headerLength: number;
  /** Payload without padding (a view into the buffer, zero copy). */
  payload: Uint8Array;
  /** Payload length in bytes (same as `payload.length`). */
  payloadLength: number;
}

/** A fresh header object to reuse with `parseRtpInto`. */
export function createRtpHeader(): RtpHeader {
  return {
    version: 2,
    padding: false,
    paddingLength: 0,
    extension: false,
    marker: false,
    payloadType: 0,
    sequenceNumber: 0,
    timestamp: 0,
    ssrc: 0,
    csrcCount: 0,
    csrcs: new Uint32Array(RTP_MAX_CSRCS),
    extensionProfile: 0,
    extensionData: null,
    extensionOffset: 0,
    headerLength: RTP_HEADER_SIZE,
    payload: EMPTY,
    payloadLength: 0,
  };
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/**
 * Parse `buf` into `out`, returning 'ok' or why the packet is malformed (then `out` is partly
 * written and must not be used). Never throws.
 */
export function readRtp(buf: Uint8Array, out: RtpHeader): RtpParseStatus {
  const len = buf.length;
  if (len < RTP_HEADER_SIZE) return 'too-short';
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  if (b0 >> 6 !== 2) return 'bad-version';
  const cc = b0 & 0x0f;
  let off = RTP_HEADER_SIZE + cc * 4;
  if (off > len) return 'csrc-overflow';

  out.version = 2;
  out.padding = (b0 & 0x20) !== 0;
  out.extension = (b0 & 0x10) !== 0;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = (buf[2]! << 8) | buf[3]!;
  out.timestamp = u32(buf, 4);
  out.ssrc = u32(buf, 8);
  out.csrcCount = cc;
  const csrcs = out.csrcs;
  for (let i = 0; i < cc; i++) csrcs[i] = u32(buf, RTP_HEADER_SIZE + i * 4);

  if (out.extension) {
    if (off + 4 > len) return 'extension-overflow';
    out.extensionProfile = (buf[off]! << 8) | buf[off + 1]!;
    const extLen = ((buf[off + 2]! << 8) | buf[off + 3]!) * 4;
    off += 4;
    if (off + extLen > len) return 'extension-overflow';
    out.extensionOffset = off;
    out.extensionData = buf.subarray(off, off + extLen);
    off += extLen;
  } else {
    out.extensionProfile = 0;
    out.extensionOffset = 0;
    out.extensionData = null;
  }

  let end = len;
  if (out.padding) {
    const pad = buf[len - 1]!;
    if (pad === 0 || pad > len - off) return 'bad-padding';
    end = len - pad;
    out.paddingLength = pad;
  } else {
    out.paddingLength = 0;
  }
  out.headerLength = off;
  out.payloadLength = end - off;
  out.payload = buf.subarray(off, end);
  return 'ok';
}

/** Parse `buf` into the reusable `out`; false when the packet is malformed. Never throws. */
export function parseRtpInto(buf: Uint8Array, out: RtpHeader): boolean {
  return readRtp(buf, out) === 'ok';
}

/**
 * Parse a packet into a new header object (CSRCs trimmed to their count).
 * Throws `RtpError` when the packet is malformed.
 */
export function parseRtp(buf: Uint8Array): RtpHeader {
  const h = createRtpHeader();
  const status = readRtp(buf, h);
  if (status !== 'ok') throw new RtpError(status);
  h.csrcs = h.csrcs.slice(0, h.csrcCount);
  return h;
}

/** What `writeRtp` needs; a parsed `RtpHeader` fits, so a relay can rewrite and re-emit it. */
export interface RtpHeaderInit {
  /** 0–127. */
  payloadType: number;
  /** Taken modulo 2^16. */
  sequenceNumber: number;
  /** Taken modulo 2^32. */
  timestamp: number;
  /** Taken modulo 2^32. */
  ssrc: number;
  /** Default false. */
  marker?: boolean;
  /** Contributing sources. Default none. */
  csrcs?: ArrayLike<number>;
  /** How many of `csrcs` to write. Default `csrcs.length`. */
  csrcCount?: number;
  /** Extension "defined by profile" field; used when `extensionData` is given. Default 0xBEDE. */
  extensionProfile?: number;
  /** Extension body (length a multiple of 4); null/absent for no extension. */
  extensionData?: Uint8Array | null;
  /** Padding bytes to append (0–255; the last one holds the count). Default 0. */
  paddingLength?: number;
}

/** Bytes `writeRtp` will need for this header and payload length. */
export function rtpPacketSize(header: RtpHeaderInit, payloadLength: number): number {
  const cc = header.csrcCount ?? header.csrcs?.length ?? 0;
  const ext = header.extensionData ? 4 + header.extensionData.length : 0;
  return RTP_HEADER_SIZE + cc * 4 + ext + payloadLength + (header.paddingLength ?? 0);
}

/**
 * Write header + payload (+ padding) into `out` starting at `offset`; returns the bytes written.
 * Throws RangeError when `out` is too small or a field is out of range (caller bugs).
 */
export function writeRtp(out: Uint8Array, header: RtpHeaderInit, payload: Uint8Array, offset = 0): number {
  const csrcs = header.csrcs;
  const cc = header.csrcCount ?? csrcs?.length ?? 0;
  const ext = header.extensionData ?? null;
  const pad = header.paddingLength ?? 0;
  const pt = header.payloadType;
  if (!(pt >= 0 && pt <= 127 && (pt | 0) === pt)) throw new RangeError(`payload type ${pt} out of 0..127`);
  if (cc < 0 || cc > RTP_MAX_CSRCS || (cc > 0 && (!csrcs || csrcs.length < cc))) {
    throw new RangeError(`CSRC count ${cc} invalid`);
  }
  if (ext && (ext.length & 3) !== 0) throw new RangeError('extension length must be a multiple of 4');
  if (ext && ext.length > 0xffff * 4) throw new RangeError('extension too long');
  if (pad < 0 || pad > 255 || (pad | 0) !== pad) throw new RangeError(`padding ${pad} out of 0..255`);
  const total = RTP_HEADER_SIZE + cc * 4 + (ext ? 4 + ext.length : 0) + payload.length + pad;
  if (offset < 0 || offset + total > out.length) throw new RangeError(`RTP packet needs ${total} bytes`);

  let o = offset;
  out[o] = 0x80 | (pad > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | cc;
  out[o + 1] = (header.marker ? 0x80 : 0) | pt;
  const seq = header.sequenceNumber & 0xffff;
  out[o + 2] = seq >>> 8;
  out[o + 3] = seq & 0xff;
  w32(out, o + 4, header.timestamp);
  w32(out, o + 8, header.ssrc);
  o += RTP_HEADER_SIZE;
  for (let i = 0; i < cc; i++, o += 4) w32(out, o, csrcs![i]!);
  if (ext) {
    const profile = header.extensionProfile ?? 0xbede;
    out[o] = (profile >>> 8) & 0xff;
    out[o + 1] = profile & 0xff;
    const words = ext.length >>> 2;
    out[o + 2] = words >>> 8;
    out[o + 3] = words & 0xff;
    out.set(ext, o + 4);
    o += 4 + ext.length;
  }
  out.set(payload, o);
  o += payload.length;
  if (pad > 0) {
    out.fill(0, o, o + pad - 1);
    out[o + pad - 1] = pad;
    o += pad;
  }
  return o - offset;
}

function w32(b: Uint8Array, i: number, v: number): void {
  b[i] = (v >>> 24) & 0xff;
  b[i + 1] = (v >>> 16) & 0xff;
  b[i + 2] = (v >>> 8) & 0xff;
  b[i + 3] = v & 0xff;
}

/**
 * Rewrite SSRC, sequence number and timestamp of an RTP packet in place (passthrough relaying).
 * Returns false (and leaves `buf` alone) when it is too short or not version 2.
 */
export function rewriteRtpHeader(buf: Uint8Array, ssrc: number, sequenceNumber: number, timestamp: number): boolean {
  if (buf.length < RTP_HEADER_SIZE || buf[0]! >> 6 !== 2) return false;
  buf[2] = (sequenceNumber >>> 8) & 0xff;
  buf[3] = sequenceNumber & 0xff;
  w32(buf, 4, timestamp);
  w32(buf, 8, ssrc);
  return true;
}
