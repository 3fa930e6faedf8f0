/** Opus packet inspection tests: TOC fields, frame layout for codes 0–3, the LBRR flag, PLC packets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  opusFirstFrame,
  opusFrameCount,
  opusFrameSamples,
  opusPacketHasFec,
  opusPacketMode,
  opusPacketSamples,
  opusPlcPacket,
} from './opus-packet.ts';

test('TOC: mode and frame duration per RFC 6716 Table 2', () => {
  // config 1 = SILK NB 20 ms, 9 = SILK WB 20 ms, 15 = hybrid FB 20 ms, 28 = CELT FB 2.5 ms, 31 = CELT FB 20 ms.
  assert.equal(opusPacketMode(Uint8Array.of(1 << 3)), 'silk');
  assert.equal(opusPacketMode(Uint8Array.of(15 << 3)), 'hybrid');
  assert.equal(opusPacketMode(Uint8Array.of(31 << 3)), 'celt');
  assert.equal(opusFrameSamples(Uint8Array.of(1 << 3), 48000), 960);
  assert.equal(opusFrameSamples(Uint8Array.of(3 << 3), 8000), 480); // SILK 60 ms
  assert.equal(opusFrameSamples(Uint8Array.of(28 << 3), 48000), 120); // 2.5 ms
  assert.equal(opusFrameSamples(Uint8Array.of(9 << 3), 16000), 320);
});

test('frame count and total samples for codes 0–3', () => {
  const toc = 9 << 3; // 20 ms
  assert.equal(opusFrameCount(Uint8Array.of(toc | 0, 1)), 1);
  assert.equal(opusFrameCount(Uint8Array.of(toc | 1, 1, 2)), 2);
  assert.equal(opusFrameCount(Uint8Array.of(toc | 2, 1, 1, 2)), 2);
  assert.equal(opusFrameCount(Uint8Array.of(toc | 3, 3, 1, 2, 3)), 3);
  assert.equal(opusFrameCount(Uint8Array.of(toc | 3)), -1);
  assert.equal(opusPacketSamples(Uint8Array.of(toc | 3, 3, 1, 2, 3), 16000), 960);
  assert.equal(opusPacketSamples(new Uint8Array(0), 16000), -1);
});

test('first frame location for codes 0–3, with padding and VBR lengths', () => {
  assert.deepEqual(opusFirstFrame(Uint8Array.of(0x48, 7, 7, 7)), { offset: 1, length: 3 });
  assert.deepEqual(opusFirstFrame(Uint8Array.of(0x49, 1, 2, 3, 4)), { offset: 1, length: 2 });
  assert.equal(opusFirstFrame(Uint8Array.of(0x49, 1, 2, 3)), null); // code 1 needs an even split
  assert.deepEqual(opusFirstFrame(Uint8Array.of(0x4a, 2, 9, 9, 8)), { offset: 2, length: 2 });
  // code 2 with a 2-byte length: 252 + 4·1 = 256 bytes
  const long = new Uint8Array(3 + 256 + 5);
  long.set([0x4a, 252, 1]);
  assert.deepEqual(opusFirstFrame(long), { offset: 3, length: 256 });
  // code 3 CBR, 2 frames, 1 padding length byte saying 3 bytes of padding at the end
  assert.deepEqual(opusFirstFrame(Uint8Array.of(0x4b, 0x42, 3, 5, 5, 6, 6, 0, 0, 0)), { offset: 3, length: 2 });
  // code 3 VBR, 3 frames: lengths 1 and 2 given, the last takes the rest
  assert.deepEqual(opusFirstFrame(Uint8Array.of(0x4b, 0x83, 1, 2, 0xaa, 0xbb, 0xbb, 0xcc)), { offset: 4, length: 1 });
  assert.equal(opusFirstFrame(Uint8Array.of(0x4b, 0x80)), null); // zero frames
});

test('LBRR (FEC) flag is the bit after the VAD flag(s)', () => {
  // mono SILK 20 ms: bit 7 = VAD, bit 6 = LBRR
  assert.equal(opusPacketHasFec(Uint8Array.of(9 << 3, 0b0100_0000)), true);
  assert.equal(opusPacketHasFec(Uint8Array.of(9 << 3, 0b1011_1111)), false);
  // mono SILK 40 ms: two VAD bits, then LBRR at bit 5
  assert.equal(opusPacketHasFec(Uint8Array.of(10 << 3, 0b0010_0000)), true);
  assert.equal(opusPacketHasFec(Uint8Array.of(10 << 3, 0b1101_1111)), false);
  // hybrid carries SILK too; CELT never has LBRR; empty frames have nothing
  assert.equal(opusPacketHasFec(Uint8Array.of(15 << 3, 0b0100_0000)), true);
  assert.equal(opusPacketHasFec(Uint8Array.of(31 << 3, 0xff)), false);
  assert.equal(opusPacketHasFec(Uint8Array.of(9 << 3)), false);
});

test('PLC packets are one TOC byte of a zero-length CELT frame of the asked duration', () => {
  for (const [q, samples] of [[1, 120], [2, 240], [4, 480], [8, 960]] as const) {
    const p = opusPlcPacket(q);
    assert.equal(p.length, 1);
    assert.equal(opusPacketMode(p), 'celt');
    assert.equal(opusPacketSamples(p, 48000), samples);
    assert.equal(opusFirstFrame(p)?.length, 0);
  }
  assert.equal(opusPlcPacket(8), opusPlcPacket(8), 'shared, not allocated per call');
});
