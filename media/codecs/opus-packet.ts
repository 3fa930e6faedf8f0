/**
 * Reading an Opus packet without decoding it (RFC 6716 §3): the TOC byte's mode and frame
 * duration, where the first frame starts, whether it carries in-band FEC (SILK LBRR, §4.2.3 — the
 * same test libopus 1.5 calls `opus_packet_has_lbrr`), and the 1-byte "zero-length frame" packet
 * that makes any libopus decoder run its packet-loss concealment (§3.2.1).
 */

/** Opus coding mode named by the TOC configuration number. */
export type OpusMode = 'silk' | 'hybrid' | 'celt';

/** Packets this short carry no audio: DTX / comfort-noise updates (RFC 7587 §3.3, "≤ 2 bytes"). */
export const OPUS_DTX_MAX_BYTES = 2;

/** Frame duration of each TOC configuration in units of 2.5 ms (RFC 6716 Table 2). */
const CONFIG_QUARTER_FRAMES = [
  4, 8, 16, 24, 4, 8, 16, 24, 4, 8, 16, 24, // SILK NB/MB/WB: 10, 20, 40, 60 ms
  4, 8, 4, 8, // hybrid SWB/FB: 10, 20 ms
  1, 2, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8, // CELT NB/WB/SWB/FB: 2.5, 5, 10, 20 ms
];

/** Mode of the packet's TOC configuration. */
export function opusPacketMode(packet: Uint8Array): OpusMode {
  const config = packet[0]! >> 3;
  return config < 12 ? 'silk' : config < 16 ? 'hybrid' : 'celt';
}

/** Samples per frame at `sampleRate` for the packet's TOC configuration. */
export function opusFrameSamples(packet: Uint8Array, sampleRate: number): number {
  return (CONFIG_QUARTER_FRAMES[packet[0]! >> 3]! * sampleRate) / 400;
}

/**
 * Number of frames in the packet (code 0: 1, codes 1–2: 2, code 3: the count byte), or -1 when the
 * packet is too short to say.
 */
export function opusFrameCount(packet: Uint8Array): number {
  if (packet.length < 1) return -1;
  const code = packet[0]! & 3;
  if (code === 0) return 1;
  if (code !== 3) return 2;
  return packet.length < 2 ? -1 : packet[1]! & 0x3f;
}

/** Total samples in the packet at `sampleRate`, or -1 when malformed. */
export function opusPacketSamples(packet: Uint8Array, sampleRate: number): number {
  const frames = opusFrameCount(packet);
  return frames < 0 ? -1 : frames * opusFrameSamples(packet, sampleRate);
}

/**
 * Byte offset and length of the first frame (RFC 6716 §3.2), or null when malformed. Packet-level
 * padding of code 3 packets is skipped; self-delimited framing is not supported (RTP never uses it).
 */
export function opusFirstFrame(packet: Uint8Array): { offset: number; length: number } | null {
  const offset = firstFrame(packet);
  return offset < 0 ? null : { offset, length: firstLength };
}

/** Length found by the last firstFrame() call (a module slot, so the hot path allocates nothing). */
let firstLength = 0;

/** Offset of the first frame, its length left in `firstLength`; -1 when malformed. */
function firstFrame(packet: Uint8Array): number {
  const len = packet.length;
  if (len < 1) return -1;
  const code = packet[0]! & 3;
  if (code === 0) {
    firstLength = len - 1;
    return 1;
  }
  if (code === 1) {
    firstLength = (len - 1) / 2;
    return (len - 1) % 2 === 0 ? 1 : -1;
  }
  if (code === 2) {
    const bytes = lengthField(packet, 1);
    if (bytes < 0) return -1;
    firstLength = fieldValue;
    return 1 + bytes + fieldValue <= len ? 1 + bytes : -1;
  }
  if (len < 2) return -1;
  const frames = packet[1]! & 0x3f;
  const vbr = (packet[1]! & 0x80) !== 0;
  if (frames === 0) return -1;
  let pos = 2;
  let padding = 0;
  if (packet[1]! & 0x40) {
    for (;;) {
      if (pos >= len) return -1;
      const p = packet[pos++]!;
      padding += p === 255 ? 254 : p;
      if (p !== 255) break;
    }
  }
  if (vbr) {
    // M-1 length fields follow; the first is the first frame's, which starts after all of them.
    let start = pos;
    let first = -1;
    for (let i = 0; i < frames - 1; i++) {
      const bytes = lengthField(packet, start);
      if (bytes < 0) return -1;
      if (i === 0) first = fieldValue;
      start += bytes;
    }
    if (frames === 1) first = len - padding - start;
    firstLength = first;
    return first >= 0 && start + first <= len - padding ? start : -1;
  }
  const payload = len - pos - padding;
  if (payload < 0 || payload % frames !== 0) return -1;
  firstLength = payload / frames;
  return pos;
}

/** Value read by the last lengthField() call. */
let fieldValue = 0;

/** Reads one frame-length field (RFC 6716 §3.2.1: 1 byte below 252, else 2) into `fieldValue`; returns its size in bytes or -1. */
function lengthField(packet: Uint8Array, pos: number): number {
  if (pos >= packet.length) return -1;
  const b0 = packet[pos]!;
  if (b0 < 252) {
    fieldValue = b0;
    return 1;
  }
  if (pos + 1 >= packet.length) return -1;
  fieldValue = b0 + 4 * packet[pos + 1]!;
  return 2;
}

/**
 * Whether the packet's first frame carries SILK LBRR (in-band FEC) data for the frame before it:
 * the LBRR flag is the bit after the VAD flag(s) at the top of the first SILK frame byte.
 */
export function opusPacketHasFec(packet: Uint8Array): boolean {
  if (packet.length < 2 || opusPacketMode(packet) === 'celt') return false;
  const offset = firstFrame(packet);
  if (offset < 0 || firstLength === 0) return false;
  const silkFrames = Math.max(1, opusFrameSamples(packet, 48000) / 960); // 40/60 ms hold 2/3
  const byte = packet[offset]!;
  let lbrr = (byte >> (7 - silkFrames)) & 1;
  if (packet[0]! & 4) lbrr |= (byte >> (6 - 2 * silkFrames)) & 1; // stereo: side channel's flag
  return lbrr === 1;
}

/** 1-byte packets of CELT-only fullband frames of 2.5, 5, 10 and 20 ms (code 0, mono). */
const PLC_PACKETS: Record<number, Uint8Array> = {
  1: Uint8Array.of(28 << 3),
  2: Uint8Array.of(29 << 3),
  4: Uint8Array.of(30 << 3),
  8: Uint8Array.of(31 << 3),
};

/**
 * A 1-byte packet (TOC only, one zero-length frame) lasting `quarterMs` × 2.5 ms (1, 2, 4 or 8).
 * libopus decodes a zero-length frame exactly as a lost one: it runs PLC in the mode of the last
 * real packet (the TOC's own mode is ignored), so decoding this equals `opus_decode(NULL)`.
 */
export function opusPlcPacket(quarterMs: 1 | 2 | 4 | 8): Uint8Array {
  return PLC_PACKETS[quarterMs]!; // shared and never written: no allocation per concealed frame
}
