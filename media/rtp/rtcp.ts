/**
 * RTCP packets (RFC 3550 §6.4–6.6): sender and receiver reports with their report blocks, SDES
 * (CNAME …) and BYE, parsed from and written to compound packets. Types we do not model (APP,
 * RTPFB/PSFB feedback, XR …) come back as 'other' packets with a view of their body, so a caller
 * can hand them to whoever does. Parsing never throws: it returns the packets read so far plus an
 * error code. RTCP is a few packets a second, so plain objects are fine here.
 */

export const RtcpType = {
  SR: 200,
  RR: 201,
  SDES: 202,
  BYE: 203,
  APP: 204,
  RTPFB: 205,
  PSFB: 206,
  XR: 207,
} as const;

/** SDES item types (RFC 3550 §6.5). */
export const SdesItemType = {
  END: 0,
  CNAME: 1,
  NAME: 2,
  EMAIL: 3,
  PHONE: 4,
  LOC: 5,
  TOOL: 6,
  NOTE: 7,
  PRIV: 8,
} as const;

/** One reception report block (RFC 3550 §6.4.1). */
export interface RtcpReportBlock {
  /** SSRC of the source this block reports on. */
  ssrc: number;
  /** Fraction lost since the previous report, in 1/256 (0–255). */
  fractionLost: number;
  /** Cumulative packets lost, signed 24-bit (duplicates can make it negative). */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | max seq), unsigned 32-bit. */
  highestSequence: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP time of the last SR received from the source (0: none). */
  lastSr: number;
  /** Delay since that SR was received, in 1/65536 s. */
  delaySinceLastSr: number;
}

export interface RtcpSenderReport {
  kind: 'sr';
  ssrc: number;
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: RtcpReportBlock[];
  /** Profile-specific extension after the report blocks (a view), if any. */
  extension?: Uint8Array;
}

export interface RtcpReceiverReport {
  kind: 'rr';
  ssrc: number;
  reports: RtcpReportBlock[];
  extension?: Uint8Array;
}

export interface RtcpSdesItem {
  /** An `SdesItemType`. */
  type: number;
  /** UTF-8 text; for PRIV the raw prefix+value as text. */
  text: string;
}

export interface RtcpSdesChunk {
  ssrc: number;
  items: RtcpSdesItem[];
}

export interface RtcpSourceDescription {
  kind: 'sdes';
  chunks: RtcpSdesChunk[];
}

export interface RtcpBye {
  kind: 'bye';
  ssrcs: number[];
  reason?: string;
}

/** Any packet type not modelled above, kept as is. */
export interface RtcpOtherPacket {
  kind: 'other';
  /** The packet type byte (e.g. 205 RTPFB, 206 PSFB, 204 APP). */
  packetType: number;
  /** The 5-bit count/subtype field (FMT for feedback). */
  count: number;
  /** Everything after the 4-byte header, padding removed (a view). */
  body: Uint8Array;
}

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSourceDescription | RtcpBye | RtcpOtherPacket;

export type RtcpErrorCode =
  /** Fewer than 4 bytes where a packet header should be. */
  | 'too-short'
  | 'bad-version'
  /** The length field runs past the end of the datagram. */
  | 'length-overflow'
  | 'bad-padding'
  /** The count field needs more bytes than the packet holds, or an item runs past its end. */
  | 'truncated';

export interface RtcpParseResult {
  /** Packets read, in order (all of them when `error` is null). */
  packets: RtcpPacket[];
  /** Why parsing stopped early, or null. */
  error: RtcpErrorCode | null;
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function w32(b: Uint8Array, i: number, v: number): void {
  b[i] = (v >>> 24) & 0xff;
  b[i + 1] = (v >>> 16) & 0xff;
  b[i + 2] = (v >>> 8) & 0xff;
  b[i + 3] = v & 0xff;
}

function readBlocks(body: Uint8Array, at: number, count: number): RtcpReportBlock[] {
  const out: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++, at += 24) {
    out.push({
      ssrc: u32(body, at),
      fractionLost: body[at + 4]!,
      cumulativeLost: ((body[at + 5]! << 24) | (body[at + 6]! << 16) | (body[at + 7]! << 8)) >> 8,
      highestSequence: u32(body, at + 8),
      jitter: u32(body, at + 12),
      lastSr: u32(body, at + 16),
      delaySinceLastSr: u32(body, at + 20),
    });
  }
  return out;
}

function parseSdes(body: Uint8Array, count: number): RtcpSdesChunk[] | null {
  const chunks: RtcpSdesChunk[] = [];
  let i = 0;
  for (let c = 0; c < count; c++) {
    if (i + 4 > body.length) return null;
    const chunk: RtcpSdesChunk = { ssrc: u32(body, i), items: [] };
    i += 4;
    for (;;) {
      if (i >= body.length) return null;
      const type = body[i]!;
      if (type === SdesItemType.END) {
        i = (i + 4) & ~3; // END plus padding to the next 32-bit boundary
        break;
      }
      if (i + 2 > body.length) return null;
      const len = body[i + 1]!;
      if (i + 2 + len > body.length) return null;
      chunk.items.push({ type, text: utf8Decoder.decode(body.subarray(i + 2, i + 2 + len)) });
      i += 2 + len;
    }
    chunks.push(chunk);
  }
  return chunks;
}

/** Parse one datagram holding one or more RTCP packets (a compound packet). Never throws. */
export function parseRtcp(buf: Uint8Array): RtcpParseResult {
  const packets: RtcpPacket[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 4 > buf.length) return { packets, error: 'too-short' };
    const b0 = buf[off]!;
    if (b0 >> 6 !== 2) return { packets, error: 'bad-version' };
    const count = b0 & 0x1f;
    const pt = buf[off + 1]!;
    const len = (((buf[off + 2]! << 8) | buf[off + 3]!) + 1) * 4;
    if (off + len > buf.length) return { packets, error: 'length-overflow' };
    let end = off + len;
    if (b0 & 0x20) {
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > len - 4) return { packets, error: 'bad-padding' };
      end -= pad;
    }
    const body = buf.subarray(off + 4, end);
    const packet = parseOne(pt, count, body);
    if (packet === null) return { packets, error: 'truncated' };
    packets.push(packet);
    off += len;
  }
  return { packets, error: null };
}

function parseOne(pt: number, count: number, body: Uint8Array): RtcpPacket | null {
  switch (pt) {
    case RtcpType.SR: {
      const need = 24 + count * 24;
      if (body.length < need) return null;
      const sr: RtcpSenderReport = {
        kind: 'sr',
        ssrc: u32(body, 0),
        ntpSeconds: u32(body, 4),
        ntpFraction: u32(body, 8),
        rtpTimestamp: u32(body, 12),
        packetCount: u32(body, 16),
        octetCount: u32(body, 20),
        reports: readBlocks(body, 24, count),
      };
      if (body.length > need) sr.extension = body.subarray(need);
      return sr;
    }
    case RtcpType.RR: {
      const need = 4 + count * 24;
      if (body.length < need) return null;
      const rr: RtcpReceiverReport = { kind: 'rr', ssrc: u32(body, 0), reports: readBlocks(body, 4, count) };
      if (body.length > need) rr.extension = body.subarray(need);
      return rr;
    }
    case RtcpType.SDES: {
      const chunks = parseSdes(body, count);
      return chunks && { kind: 'sdes', chunks };
    }
    case RtcpType.BYE: {
      if (body.length < count * 4) return null;
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(u32(body, i * 4));
      const bye: RtcpBye = { kind: 'bye', ssrcs };
      const r = count * 4;
      if (body.length > r) {
        const rlen = body[r]!;
        if (r + 1 + rlen > body.length) return null;
        bye.reason = utf8Decoder.decode(body.subarray(r + 1, r + 1 + rlen));
      }
      return bye;
    }
    default:
      return { kind: 'other', packetType: pt, count, body };
  }
}

/** The CNAME of `ssrc` (or of the first chunk carrying one) in parsed packets, if any. */
export function findCname(packets: readonly RtcpPacket[], ssrc?: number): string | undefined {
  for (const p of packets) {
    if (p.kind !== 'sdes') continue;
    for (const c of p.chunks) {
      if (ssrc !== undefined && c.ssrc !== ssrc) continue;
      for (const item of c.items) if (item.type === SdesItemType.CNAME) return item.text;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Building

function sdesLength(p: RtcpSourceDescription): number {
  let n = 4;
  for (const c of p.chunks) {
    let len = 4;
    for (const item of c.items) len += 2 + textBytes(item.text);
    n += (len + 4) & ~3; // at least one END octet, padded to 32 bits
  }
  return n;
}

function textBytes(s: string): number {
  const n = utf8Encoder.encode(s).length; // RTCP is rare enough for this
  if (n > 255) throw new RangeError('RTCP text longer than 255 bytes');
  return n;
}

/** Bytes `writeRtcpPacket` will write for `p`. */
export function rtcpPacketSize(p: RtcpPacket): number {
  switch (p.kind) {
    case 'sr':
      return 28 + p.reports.length * 24 + (p.extension?.length ?? 0);
    case 'rr':
      return 8 + p.reports.length * 24 + (p.extension?.length ?? 0);
    case 'sdes':
      return sdesLength(p);
    case 'bye':
      return 4 + p.ssrcs.length * 4 + (p.reason === undefined ? 0 : (1 + textBytes(p.reason) + 3) & ~3);
    case 'other':
      return 4 + ((p.body.length + 3) & ~3);
  }
}

function writeHeader(out: Uint8Array, o: number, count: number, pt: number, bytes: number): void {
  if (count > 31) throw new RangeError(`RTCP count ${count} exceeds 31`);
  out[o] = 0x80 | count;
  out[o + 1] = pt;
  const words = bytes / 4 - 1;
  out[o + 2] = words >>> 8;
  out[o + 3] = words & 0xff;
}

function writeBlocks(out: Uint8Array, o: number, blocks: readonly RtcpReportBlock[]): number {
  for (const b of blocks) {
    w32(out, o, b.ssrc);
    out[o + 4] = b.fractionLost & 0xff;
    const lost = Math.max(-0x80_0000, Math.min(0x7f_ffff, b.cumulativeLost)) & 0xff_ffff;
    out[o + 5] = lost >>> 16;
    out[o + 6] = (lost >>> 8) & 0xff;
    out[o + 7] = lost & 0xff;
    w32(out, o + 8, b.highestSequence);
    w32(out, o + 12, b.jitter);
    w32(out, o + 16, b.lastSr);
    w32(out, o + 20, b.delaySinceLastSr);
    o += 24;
  }
  return o;
}

function writeText(out: Uint8Array, o: number, s: string): number {
  const { written } = utf8Encoder.encodeInto(s, out.subarray(o + 1, o + 1 + 255));
  out[o] = written;
  return o + 1 + written;
}

/**
 * Write one RTCP packet at `offset`; returns its length in bytes. Throws RangeError when `out` is
 * too small, a count exceeds 31, a text exceeds 255 bytes or an extension is not 32-bit aligned.
 */
export function writeRtcpPacket(out: Uint8Array, p: RtcpPacket, offset = 0): number {
  const size = rtcpPacketSize(p);
  if (offset < 0 || offset + size > out.length) throw new RangeError(`RTCP packet needs ${size} bytes`);
  const o0 = offset;
  let o = o0 + 4;
  switch (p.kind) {
    case 'sr':
    case 'rr': {
      if (p.extension && (p.extension.length & 3) !== 0) throw new RangeError('RTCP extension not 32-bit aligned');
      writeHeader(out, o0, p.reports.length, p.kind === 'sr' ? RtcpType.SR : RtcpType.RR, size);
      w32(out, o, p.ssrc);
      o += 4;
      if (p.kind === 'sr') {
        w32(out, o, p.ntpSeconds);
        w32(out, o + 4, p.ntpFraction);
        w32(out, o + 8, p.rtpTimestamp);
        w32(out, o + 12, p.packetCount);
        w32(out, o + 16, p.octetCount);
        o += 20;
      }
      o = writeBlocks(out, o, p.reports);
      if (p.extension) {
        out.set(p.extension, o);
        o += p.extension.length;
      }
      break;
    }
    case 'sdes': {
      writeHeader(out, o0, p.chunks.length, RtcpType.SDES, size);
      for (const c of p.chunks) {
        w32(out, o, c.ssrc);
        o += 4;
        for (const item of c.items) {
          out[o] = item.type;
          o = writeText(out, o + 1, item.text);
        }
        const end = (o + 1 - o0 + 3) & ~3; // relative: END octet then zero padding
        out.fill(0, o, o0 + end);
        o = o0 + end;
      }
      break;
    }
    case 'bye': {
      writeHeader(out, o0, p.ssrcs.length, RtcpType.BYE, size);
      for (const s of p.ssrcs) {
        w32(out, o, s);
        o += 4;
      }
      if (p.reason !== undefined) {
        o = writeText(out, o, p.reason);
        out.fill(0, o, o0 + size);
        o = o0 + size;
      }
      break;
    }
    case 'other': {
      writeHeader(out, o0, p.count, p.packetType, size);
      out.set(p.body, o);
      o += p.body.length;
      out.fill(0, o, o0 + size);
      o = o0 + size;
      break;
    }
  }
  return o - o0;
}

/** Write packets back to back as one compound packet; returns the total length. */
export function writeRtcp(out: Uint8Array, packets: readonly RtcpPacket[], offset = 0): number {
  let o = offset;
  for (const p of packets) o += writeRtcpPacket(out, p, o);
  return o - offset;
}

/** Build a compound packet into a new buffer of exactly the right size. */
export function serializeRtcp(packets: readonly RtcpPacket[]): Uint8Array {
  let size = 0;
  for (const p of packets) size += rtcpPacketSize(p);
  const out = new Uint8Array(size);
  writeRtcp(out, packets);
  return out;
}
