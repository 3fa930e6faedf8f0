import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  findCname,
  parseRtcp,
  rtcpPacketSize,
  RtcpType,
  SdesItemType,
  serializeRtcp,
  writeRtcp,
  type RtcpPacket,
  type RtcpReportBlock,
} from './rtcp.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

const block = (ssrc: number, lost: number): RtcpReportBlock => ({
  ssrc,
  fractionLost: 25,
  cumulativeLost: lost,
  highestSequence: 0x0001_0005,
  jitter: 123,
  lastSr: 0x1234_5678,
  delaySinceLastSr: 65536,
});

test('a compound SR + SDES + BYE round-trips and has the exact RFC 3550 layout', () => {
  const packets: RtcpPacket[] = [
    {
      kind: 'sr',
      ssrc: 0x11111111,
      ntpSeconds: 0xe8f0a1b2,
      ntpFraction: 0x80000000,
      rtpTimestamp: 160000,
      packetCount: 1000,
      octetCount: 160000,
      reports: [block(0x22222222, 7), block(0x33333333, -3)],
    },
    { kind: 'sdes', chunks: [{ ssrc: 0x11111111, items: [{ type: SdesItemType.CNAME, text: 'patchbay@host' }] }] },
    { kind: 'bye', ssrcs: [0x11111111], reason: 'call ended' },
  ];
  const buf = serializeRtcp(packets);
  // SR: 28 + 2×24 = 76; SDES: 4 + (4 + 2 + 13 + 1 → 20) = 24; BYE: 8 + (1 + 10 → 12) = 20.
  assert.equal(buf.length, 76 + 24 + 20);
  assert.deepEqual([...buf.subarray(0, 4)], [0x82, 200, 0x00, 76 / 4 - 1]);
  assert.deepEqual([...buf.subarray(76, 80)], [0x81, 202, 0x00, 24 / 4 - 1]);
  assert.deepEqual([...buf.subarray(100, 104)], [0x81, 203, 0x00, 20 / 4 - 1]);
  // cumulative lost −3 as 24-bit two's complement
  assert.deepEqual([...buf.subarray(28 + 24 + 5, 28 + 24 + 8)], [0xff, 0xff, 0xfd]);

  const { packets: back, error } = parseRtcp(buf);
  assert.equal(error, null);
  assert.deepEqual(back, packets);
  assert.equal(findCname(back), 'patchbay@host');
  assert.equal(findCname(back, 0x11111111), 'patchbay@host');
  assert.equal(findCname(back, 5), undefined);
});

test('an RR captured byte by byte parses to the right numbers', () => {
  // RR from ssrc 0x01020304 with one block about 0xaabbccdd: fraction 0x40, lost 0x000102,
  // ext highest 0x0002ffff, jitter 0x20, LSR 0xc0c1c2c3, DLSR 0x00018000
  const buf = hex('81 c9 00 07 01 02 03 04 aa bb cc dd 40 00 01 02 00 02 ff ff 00 00 00 20 c0 c1 c2 c3 00 01 80 00');
  const { packets, error } = parseRtcp(buf);
  assert.equal(error, null);
  assert.deepEqual(packets, [
    {
      kind: 'rr',
      ssrc: 0x01020304,
      reports: [
        {
          ssrc: 0xaabbccdd,
          fractionLost: 0x40,
          cumulativeLost: 258,
          highestSequence: 0x0002ffff,
          jitter: 32,
          lastSr: 0xc0c1c2c3,
          delaySinceLastSr: 0x18000,
        },
      ],
    },
  ]);
});

test('cumulative lost is clamped to signed 24 bits when written', () => {
  const buf = serializeRtcp([{ kind: 'rr', ssrc: 1, reports: [block(2, 0x1000000), block(3, -0x1000000)] }]);
  const rr = parseRtcp(buf).packets[0];
  assert.ok(rr && rr.kind === 'rr');
  assert.equal(rr.reports[0]!.cumulativeLost, 0x7fffff);
  assert.equal(rr.reports[1]!.cumulativeLost, -0x800000);
});

test('feedback and APP packets in a compound are kept as "other" and parsing goes on', () => {
  const pli = hex('81 ce 00 02 00 00 00 01 00 00 00 02'); // PSFB FMT 1 (PLI)
  const nack = hex('81 cd 00 03 00 00 00 01 00 00 00 02 00 0a 00 03'); // RTPFB FMT 1 (NACK)
  const app = hex('80 cc 00 02 00 00 00 01 41 42 43 44'); // APP "ABCD"
  const rr = serializeRtcp([{ kind: 'rr', ssrc: 9, reports: [] }]);
  const sdes = serializeRtcp([{ kind: 'sdes', chunks: [{ ssrc: 9, items: [{ type: 1, text: 'x' }] }] }]);
  const buf = Buffer.concat([rr, pli, nack, app, sdes]);
  const { packets, error } = parseRtcp(buf);
  assert.equal(error, null);
  assert.deepEqual(
    packets.map((p) => (p.kind === 'other' ? `${p.packetType}/${p.count}/${p.body.length}` : p.kind)),
    ['rr', '206/1/8', '205/1/12', '204/0/8', 'sdes'],
  );
  // 'other' packets can be written back unchanged.
  const again = serializeRtcp(packets);
  assert.deepEqual([...again], [...buf]);
  assert.equal(RtcpType.PSFB, 206);
});

test('SDES with several chunks and items, UTF-8 text, and chunks ending exactly on a word', () => {
  const sdes: RtcpPacket = {
    kind: 'sdes',
    chunks: [
      { ssrc: 1, items: [{ type: SdesItemType.CNAME, text: 'ab' }] }, // 4+2+2 = 8 → END needs a new word
      {
        ssrc: 2,
        items: [
          { type: SdesItemType.CNAME, text: 'grüße@example' },
          { type: SdesItemType.TOOL, text: 'patchbay' },
        ],
      },
      { ssrc: 3, items: [] },
    ],
  };
  const buf = serializeRtcp([sdes]);
  assert.equal(buf.length, rtcpPacketSize(sdes));
  assert.equal(buf.length % 4, 0);
  const { packets, error } = parseRtcp(buf);
  assert.equal(error, null);
  assert.deepEqual(packets, [sdes]);
});

test('BYE with several sources and without a reason', () => {
  const bye: RtcpPacket = { kind: 'bye', ssrcs: [1, 2, 0xffffffff] };
  const buf = serializeRtcp([bye]);
  assert.deepEqual([...buf], [...hex('83 cb 00 03 00 00 00 01 00 00 00 02 ff ff ff ff')]);
  assert.deepEqual(parseRtcp(buf).packets, [bye]);
});

test('SR profile extension and padding on the last packet are handled', () => {
  const sr: RtcpPacket = {
    kind: 'sr',
    ssrc: 5,
    ntpSeconds: 1,
    ntpFraction: 2,
    rtpTimestamp: 3,
    packetCount: 4,
    octetCount: 5,
    reports: [],
    extension: hex('de ad be ef'),
  };
  const plain = serializeRtcp([sr]);
  assert.deepEqual(parseRtcp(plain).packets, [sr]);
  // Append 4 bytes of padding by hand: P bit, length +1 word, last byte = 4.
  const padded = new Uint8Array(plain.length + 4);
  padded.set(plain);
  padded[0] = padded[0]! | 0x20;
  padded[3] = padded[3]! + 1;
  padded[padded.length - 1] = 4;
  assert.deepEqual(parseRtcp(padded).packets, [sr]);
});

test('malformed input stops parsing with an error but keeps what came before', () => {
  const rr = serializeRtcp([{ kind: 'rr', ssrc: 9, reports: [] }]);
  const cat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));
  const cases: Array<[Uint8Array, string]> = [
    [cat(rr, hex('81 c9')), 'too-short'],
    [cat(rr, hex('41 c9 00 01 00 00 00 01')), 'bad-version'],
    [cat(rr, hex('81 c9 00 05 00 00 00 01')), 'length-overflow'],
    [cat(rr, hex('a1 c9 00 01 00 00 00 00')), 'bad-padding'],
    [cat(rr, hex('a1 c9 00 01 00 00 00 09')), 'bad-padding'],
    [cat(rr, hex('83 c8 00 06 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00')), 'truncated'],
    [cat(rr, hex('81 ca 00 02 00 00 00 01 01 05 61 62')), 'truncated'],
    [cat(rr, hex('82 cb 00 01 00 00 00 01')), 'truncated'],
    [cat(rr, hex('81 cb 00 02 00 00 00 01 09 61 62 63')), 'truncated'],
  ];
  for (const [buf, code] of cases) {
    const { packets, error } = parseRtcp(buf);
    assert.equal(error, code, Buffer.from(buf).toString('hex'));
    assert.equal(packets.length, 1);
    assert.equal(packets[0]!.kind, 'rr');
  }
});

test('random bytes never make parseRtcp throw', () => {
  let seed = 99;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
  for (let i = 0; i < 20000; i++) {
    const len = rnd() % 80;
    const buf = new Uint8Array(len);
    for (let j = 0; j < len; j++) buf[j] = rnd();
    if (len > 0) buf[0] = 0x80 | (buf[0]! & 0x3f);
    if (len > 1) buf[1] = 200 + (buf[1]! % 8);
    const r = parseRtcp(buf);
    assert.ok(Array.isArray(r.packets));
  }
});

test('writeRtcp refuses a buffer that is too small and writes at an offset', () => {
  const p: RtcpPacket = { kind: 'bye', ssrcs: [7] };
  assert.throws(() => writeRtcp(new Uint8Array(7), [p]), RangeError);
  const out = new Uint8Array(12);
  assert.equal(writeRtcp(out, [p], 4), 8);
  assert.deepEqual(parseRtcp(out.subarray(4)).packets, [p]);
  assert.throws(() => serializeRtcp([{ kind: 'bye', ssrcs: [1], reason: 'x'.repeat(256) }]), RangeError);
});
