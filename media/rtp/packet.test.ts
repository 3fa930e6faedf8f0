import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRtpHeader,
  parseRtp,
  parseRtpInto,
  readRtp,
  rewriteRtpHeader,
  rtpPacketSize,
  RtpError,
  writeRtp,
} from './packet.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

test('parses a minimal PCMU packet field by field', () => {
  const buf = hex('80 00 1f 40  00 00 a0 00  de ad be ef  01 02 03');
  const h = parseRtp(buf);
  assert.equal(h.version, 2);
  assert.equal(h.padding, false);
  assert.equal(h.extension, false);
  assert.equal(h.marker, false);
  assert.equal(h.payloadType, 0);
  assert.equal(h.sequenceNumber, 8000);
  assert.equal(h.timestamp, 40960);
  assert.equal(h.ssrc, 0xdeadbeef);
  assert.equal(h.csrcCount, 0);
  assert.equal(h.csrcs.length, 0);
  assert.equal(h.headerLength, 12);
  assert.deepEqual([...h.payload], [1, 2, 3]);
  assert.equal(h.payloadLength, 3);
});

test('marker, payload type 111 and all-ones 16/32-bit fields read unsigned', () => {
  const h = parseRtp(hex('80 ef ff ff  ff ff ff ff  ff ff ff ff'));
  assert.equal(h.marker, true);
  assert.equal(h.payloadType, 111);
  assert.equal(h.sequenceNumber, 65535);
  assert.equal(h.timestamp, 0xffffffff);
  assert.equal(h.ssrc, 0xffffffff);
  assert.equal(h.payload.length, 0);
});

test('payload is a zero-copy view, also for a Buffer at a non-zero offset', () => {
  const backing = Buffer.alloc(64);
  const buf = backing.subarray(7, 7 + 16);
  buf.set(hex('80 08 00 01 00 00 00 02 00 00 00 03 aa bb cc dd'));
  const h = parseRtp(buf);
  assert.equal(h.payload.buffer, backing.buffer);
  assert.equal(h.payload.byteOffset, backing.byteOffset + 7 + 12);
  buf[12] = 0x11;
  assert.equal(h.payload[0], 0x11);
});

test('CSRCs, generic extension and padding are all taken apart', () => {
  // V=2 P=1 X=1 CC=2, M=1 PT=96, seq 1, ts 2, ssrc 3, csrc 0x0a0b0c0d 0x01020304,
  // ext profile 0x1234 length 1 word (cafe f00d), payload 05 06, padding 3 (00 00 03)
  const buf = hex('b2 e0 00 01 00 00 00 02 00 00 00 03 0a 0b 0c 0d 01 02 03 04 12 34 00 01 ca fe f0 0d 05 06 00 00 03');
  const h = parseRtp(buf);
  assert.equal(h.padding, true);
  assert.equal(h.paddingLength, 3);
  assert.equal(h.marker, true);
  assert.equal(h.payloadType, 96);
  assert.deepEqual([...h.csrcs], [0x0a0b0c0d, 0x01020304]);
  assert.equal(h.extensionProfile, 0x1234);
  assert.deepEqual([...h.extensionData!], [0xca, 0xfe, 0xf0, 0x0d]);
  assert.equal(h.extensionOffset, 24);
  assert.equal(h.headerLength, 28);
  assert.deepEqual([...h.payload], [5, 6]);
});

test('malformed packets are rejected with a reason and never throw from readRtp', () => {
  const h = createRtpHeader();
  const cases: Array<[string, string]> = [
    ['80 00 00 01 00 00 00 02 00 00 00', 'too-short'],
    ['40 00 00 01 00 00 00 02 00 00 00 03', 'bad-version'],
    ['c0 00 00 01 00 00 00 02 00 00 00 03', 'bad-version'],
    ['8f 00 00 01 00 00 00 02 00 00 00 03 00 00 00 01', 'csrc-overflow'],
    ['90 00 00 01 00 00 00 02 00 00 00 03 be de', 'extension-overflow'],
    ['90 00 00 01 00 00 00 02 00 00 00 03 be de 00 02 11 22 33 44', 'extension-overflow'],
    ['a0 00 00 01 00 00 00 02 00 00 00 03 aa 00', 'bad-padding'],
    ['a0 00 00 01 00 00 00 02 00 00 00 03 aa 03', 'bad-padding'],
    ['a0 00 00 01 00 00 00 02 00 00 00 03', 'bad-padding'],
  ];
  for (const [bytes, code] of cases) {
    assert.equal(readRtp(hex(bytes), h), code, bytes);
    assert.equal(parseRtpInto(hex(bytes), h), false, bytes);
    assert.throws(() => parseRtp(hex(bytes)), (e: unknown) => e instanceof RtpError && e.code === code);
  }
  // Padding that eats the whole payload is fine.
  assert.equal(readRtp(hex('a0 00 00 01 00 00 00 02 00 00 00 03 00 02'), h), 'ok');
  assert.equal(h.payloadLength, 0);
});

test('random bytes never make parseRtpInto throw, and accepted packets add up', () => {
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
  const h = createRtpHeader();
  let accepted = 0;
  for (let i = 0; i < 20000; i++) {
    const len = rnd() % 72;
    const buf = new Uint8Array(len);
    for (let j = 0; j < len; j++) buf[j] = rnd();
    if (len > 0) buf[0] = 0x80 | (buf[0]! & 0x3f); // mostly version 2, random P/X/CC
    if (parseRtpInto(buf, h)) {
      accepted++;
      assert.equal(h.headerLength + h.payloadLength + h.paddingLength, len);
      assert.ok(h.csrcCount <= 15);
    }
  }
  assert.ok(accepted > 100, `accepted ${accepted}`);
});

test('a reused header object is fully overwritten', () => {
  const h = createRtpHeader();
  assert.ok(parseRtpInto(hex('b2 e0 00 01 00 00 00 02 00 00 00 03 0a 0b 0c 0d 01 02 03 04 12 34 00 01 ca fe f0 0d 05 06 00 00 03'), h));
  assert.ok(parseRtpInto(hex('80 00 00 09 00 00 00 0a 00 00 00 0b 07'), h));
  assert.equal(h.csrcCount, 0);
  assert.equal(h.extension, false);
  assert.equal(h.extensionData, null);
  assert.equal(h.extensionProfile, 0);
  assert.equal(h.padding, false);
  assert.equal(h.paddingLength, 0);
  assert.equal(h.marker, false);
  assert.deepEqual([...h.payload], [7]);
});

test('writeRtp produces exact bytes for a simple header', () => {
  const out = new Uint8Array(32);
  const n = writeRtp(out, { payloadType: 8, sequenceNumber: 0x1234, timestamp: 0x89abcdef, ssrc: 0x01020304, marker: true }, hex('aa bb'));
  assert.equal(n, 14);
  assert.deepEqual([...out.subarray(0, n)], [...hex('80 88 12 34 89 ab cd ef 01 02 03 04 aa bb')]);
});

test('writeRtp with CSRCs, extension, padding and offset round-trips through parseRtp', () => {
  const header = {
    payloadType: 111,
    sequenceNumber: 65535,
    timestamp: 4294967295,
    ssrc: 0xcafebabe,
    marker: true,
    csrcs: [1, 0xffffffff],
    extensionProfile: 0xbede,
    extensionData: hex('10 ff 00 00'),
    paddingLength: 4,
  };
  const payload = hex('01 02 03 04 05');
  const size = rtpPacketSize(header, payload.length);
  const out = new Uint8Array(size + 10);
  const n = writeRtp(out, header, payload, 10);
  assert.equal(n, size);
  assert.equal(n, 12 + 8 + 8 + 5 + 4);
  const h = parseRtp(out.subarray(10, 10 + n));
  assert.equal(h.payloadType, 111);
  assert.equal(h.sequenceNumber, 65535);
  assert.equal(h.timestamp, 4294967295);
  assert.equal(h.ssrc, 0xcafebabe);
  assert.equal(h.marker, true);
  assert.deepEqual([...h.csrcs], [1, 0xffffffff]);
  assert.equal(h.extensionProfile, 0xbede);
  assert.deepEqual([...h.extensionData!], [0x10, 0xff, 0, 0]);
  assert.equal(h.paddingLength, 4);
  assert.deepEqual([...h.payload], [1, 2, 3, 4, 5]);

  // A parsed header can be fed straight back (relay): same bytes out.
  const again = new Uint8Array(n);
  assert.equal(writeRtp(again, h, h.payload), n);
  assert.deepEqual([...again], [...out.subarray(10, 10 + n)]);
});

test('writeRtp masks counters and rejects bad fields and short buffers', () => {
  const out = new Uint8Array(16);
  writeRtp(out, { payloadType: 0, sequenceNumber: 65536 + 5, timestamp: 2 ** 32 + 7, ssrc: -1 }, new Uint8Array(0));
  const h = parseRtp(out.subarray(0, 12));
  assert.equal(h.sequenceNumber, 5);
  assert.equal(h.timestamp, 7);
  assert.equal(h.ssrc, 0xffffffff);
  const base = { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0 };
  assert.throws(() => writeRtp(out, base, new Uint8Array(5)), RangeError);
  assert.throws(() => writeRtp(out, { ...base, payloadType: 128 }, new Uint8Array(0)), RangeError);
  assert.throws(() => writeRtp(new Uint8Array(64), { ...base, extensionData: new Uint8Array(3) }, new Uint8Array(0)), RangeError);
  assert.throws(() => writeRtp(new Uint8Array(600), { ...base, paddingLength: 256 }, new Uint8Array(0)), RangeError);
  assert.throws(() => writeRtp(new Uint8Array(600), { ...base, csrcs: new Array(16).fill(1) }, new Uint8Array(0)), RangeError);
});

test('rewriteRtpHeader patches SSRC, sequence and timestamp in place', () => {
  const buf = hex('80 00 00 01 00 00 00 02 00 00 00 03 aa');
  assert.equal(rewriteRtpHeader(buf, 0x11223344, 0xfffe, 0xdeadbeef), true);
  const h = parseRtp(buf);
  assert.equal(h.ssrc, 0x11223344);
  assert.equal(h.sequenceNumber, 0xfffe);
  assert.equal(h.timestamp, 0xdeadbeef);
  assert.deepEqual([...h.payload], [0xaa]);
  assert.equal(rewriteRtpHeader(hex('80 00'), 1, 2, 3), false);
});
