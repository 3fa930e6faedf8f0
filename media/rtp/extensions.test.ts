import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  extensionForm,
  findRtpExtension,
  formFor,
  ONE_BYTE_PROFILE,
  parseRtpExtensions,
  TWO_BYTE_PROFILE,
  walkRtpExtensions,
  writeRtpExtensions,
} from './extensions.ts';
import { parseRtp, writeRtp } from './packet.ts';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const list = (els: Array<{ id: number; data: Uint8Array }> | null) => els && els.map((e) => [e.id, [...e.data]]);

test('profile values map to the RFC 8285 forms', () => {
  assert.equal(extensionForm(0xbede), 'one-byte');
  assert.equal(extensionForm(0x1000), 'two-byte');
  assert.equal(extensionForm(0x100f), 'two-byte');
  assert.equal(extensionForm(0x1010), null);
  assert.equal(extensionForm(0x1234), null);
});

test('one-byte form: elements, padding between them, and id 15 stops parsing', () => {
  // id 1 len 1 (0x85: audio level), pad, id 3 len 3, id 15 → stop, trailing junk ignored
  const data = bytes(0x10, 0x85, 0x00, 0x32, 0xaa, 0xbb, 0xcc, 0xf0, 0x99, 0x99, 0x00, 0x00);
  assert.deepEqual(list(parseRtpExtensions(ONE_BYTE_PROFILE, data)), [
    [1, [0x85]],
    [3, [0xaa, 0xbb, 0xcc]],
  ]);
  assert.deepEqual([...findRtpExtension(ONE_BYTE_PROFILE, data, 3)!], [0xaa, 0xbb, 0xcc]);
  assert.equal(findRtpExtension(ONE_BYTE_PROFILE, data, 9), null);
});

test('two-byte form: ids above 14, zero-length and long elements', () => {
  const data = bytes(0x14, 0x00, 0x00, 0x01, 0x11, ...new Array(17).fill(7), 0x00);
  const els = parseRtpExtensions(TWO_BYTE_PROFILE | 0x3, data);
  assert.deepEqual(list(els), [
    [20, []],
    [1, new Array(17).fill(7)],
  ]);
  assert.equal(findRtpExtension(TWO_BYTE_PROFILE, data, 20)!.length, 0);
  assert.equal(findRtpExtension(TWO_BYTE_PROFILE, data, 1)!.length, 17);
});

test('malformed blocks and other profiles give null, never throw', () => {
  assert.equal(parseRtpExtensions(ONE_BYTE_PROFILE, bytes(0x13, 0x01)), null); // wants 4 bytes
  assert.equal(findRtpExtension(ONE_BYTE_PROFILE, bytes(0x13, 0x01), 1), null);
  assert.equal(parseRtpExtensions(TWO_BYTE_PROFILE, bytes(0x01)), null); // no length byte
  assert.equal(parseRtpExtensions(TWO_BYTE_PROFILE, bytes(0x01, 0x05, 0x00)), null);
  assert.equal(parseRtpExtensions(0x1234, bytes(0x10, 0x00)), null);
  assert.equal(findRtpExtension(0x1234, bytes(0x10, 0x00), 1), null);
  // Elements before the bad one were visited.
  const seen: number[] = [];
  assert.equal(walkRtpExtensions(ONE_BYTE_PROFILE, bytes(0x20, 0x01, 0x33), (id) => void seen.push(id)), false);
  assert.deepEqual(seen, [2]);
});

test('writeRtpExtensions packs, pads to 32 bits and picks the form', () => {
  const one = [
    { id: 1, data: bytes(0x85) },
    { id: 3, data: bytes(1, 2, 3) },
  ];
  assert.equal(formFor(one), 'one-byte');
  const out = new Uint8Array(16).fill(0xee);
  const n = writeRtpExtensions(out, one);
  assert.equal(n, 8);
  assert.deepEqual([...out.subarray(0, n)], [0x10, 0x85, 0x32, 1, 2, 3, 0, 0]);

  const two = [{ id: 15, data: bytes(9) }];
  assert.equal(formFor(two), 'two-byte');
  const n2 = writeRtpExtensions(out, two);
  assert.equal(n2, 4);
  assert.deepEqual([...out.subarray(0, n2)], [15, 1, 9, 0]);

  assert.throws(() => writeRtpExtensions(out, [{ id: 15, data: bytes(1) }], 'one-byte'), RangeError);
  assert.throws(() => writeRtpExtensions(out, [{ id: 1, data: new Uint8Array(17) }], 'one-byte'), RangeError);
  assert.throws(() => writeRtpExtensions(new Uint8Array(2), one), RangeError);
});

test('an extension written into a packet is found again after parsing', () => {
  const ext = new Uint8Array(8);
  const n = writeRtpExtensions(ext, [
    { id: 1, data: bytes(0x80 | 30) },
    { id: 2, data: bytes(0x12, 0x34, 0x56) },
  ]);
  const pkt = new Uint8Array(64);
  const len = writeRtp(
    pkt,
    { payloadType: 111, sequenceNumber: 1, timestamp: 2, ssrc: 3, extensionProfile: ONE_BYTE_PROFILE, extensionData: ext.subarray(0, n) },
    bytes(0xfc),
  );
  const h = parseRtp(pkt.subarray(0, len));
  const level = findRtpExtension(h.extensionProfile, h.extensionData!, 1)!;
  assert.equal(level[0]! & 0x7f, 30);
  assert.equal(level[0]! & 0x80, 0x80);
  assert.deepEqual([...findRtpExtension(h.extensionProfile, h.extensionData!, 2)!], [0x12, 0x34, 0x56]);
  assert.deepEqual([...h.payload], [0xfc]);
});
