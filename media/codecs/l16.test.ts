/** L16 tests: exact network-order bytes, full-range round trip, odd payloads, errors, concealment. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bigEndianToInt16,
  int16ToBigEndian,
  int16ToLittleEndian,
  L16Decoder,
  L16Encoder,
  littleEndianToInt16,
} from './l16.ts';

test('samples go out big-endian, two bytes each (RFC 3551 network order)', () => {
  const pcm = Int16Array.from([0, 1, -1, 32767, -32768, 0x1234, -2]);
  const out = new Uint8Array(14);
  assert.equal(new L16Encoder(8000).encode(pcm, out), 14);
  assert.deepEqual(
    [...out],
    [0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0x7f, 0xff, 0x80, 0x00, 0x12, 0x34, 0xff, 0xfe],
  );
});

test('all 65 536 values round-trip in both byte orders and match DataView', () => {
  const pcm = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) pcm[i] = i - 32768;
  const be = new Uint8Array(131072);
  const le = new Uint8Array(131072);
  assert.equal(int16ToBigEndian(pcm, be), 131072);
  assert.equal(int16ToLittleEndian(pcm, le), 131072);
  const viewBe = new DataView(be.buffer);
  const viewLe = new DataView(le.buffer);
  for (let i = 0; i < 65536; i++) {
    assert.equal(viewBe.getInt16(i * 2, false), pcm[i]);
    assert.equal(viewLe.getInt16(i * 2, true), pcm[i]);
  }
  const back = new Int16Array(65536);
  assert.equal(bigEndianToInt16(be, back), 65536);
  assert.deepEqual(back, pcm);
  back.fill(0);
  assert.equal(littleEndianToInt16(le, back), 65536);
  assert.deepEqual(back, pcm);
});

test('decoder ignores an odd trailing byte and reads unaligned views', () => {
  const bytes = Uint8Array.from([0x99, 0x12, 0x34, 0xab, 0xcd, 0x7f]);
  const out = new Int16Array(4).fill(7);
  assert.equal(new L16Decoder(16000).decode(bytes.subarray(1), out), 2); // odd byteOffset, 5 bytes
  assert.deepEqual([...out], [0x1234, 0xabcd - 0x10000, 7, 7]);
});

test('length arguments, rates and errors', () => {
  const pcm = Int16Array.from([1, 2, 3]);
  const out = new Uint8Array(6).fill(0xee);
  assert.equal(int16ToBigEndian(pcm, out, 2), 4);
  assert.deepEqual([...out], [0, 1, 0, 2, 0xee, 0xee]);
  assert.throws(() => int16ToBigEndian(pcm, new Uint8Array(5)), RangeError);
  assert.throws(() => int16ToLittleEndian(pcm, new Uint8Array(5)), RangeError);
  assert.throws(() => bigEndianToInt16(new Uint8Array(6), new Int16Array(2)), RangeError);
  assert.throws(() => littleEndianToInt16(new Uint8Array(6), new Int16Array(2)), RangeError);
  assert.throws(() => new L16Encoder(0), RangeError);
  assert.throws(() => new L16Decoder(44100.5), RangeError);
  const enc = new L16Encoder(48000);
  assert.equal(enc.codec, 'L16');
  assert.equal(enc.sampleRate, 48000);
  assert.equal(new L16Decoder(44100).sampleRate, 44100);
});

test('conceal() repeats the last frame, fading over three frames', () => {
  const dec = new L16Decoder(8000);
  const pcm = new Int16Array(160);
  for (let i = 0; i < 160; i++) pcm[i] = (i * 397) % 20000 - 10000;
  const bytes = new Uint8Array(320);
  int16ToBigEndian(pcm, bytes);
  const out = new Int16Array(160);
  dec.decode(bytes, out);
  assert.deepEqual(out, pcm);
  const lost = new Int16Array(160);
  dec.conceal(lost, 160);
  for (let k = 0; k < 160; k++) assert.equal(lost[k], Math.round((pcm[k]! * (480 - k)) / 480));
  dec.conceal(lost, 160);
  dec.conceal(lost, 160);
  assert.equal(lost[159], Math.round((pcm[159]! * 1) / 480));
  dec.conceal(lost, 160);
  assert.ok(lost.every((v) => v === 0));
});
