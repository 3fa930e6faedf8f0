import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyPacket, isRtcp, isRtp } from './demux.ts';

const pkt = (b0: number, b1: number, len = 12): Uint8Array => {
  const b = new Uint8Array(len);
  b[0] = b0;
  b[1] = b1;
  return b;
};

test('RTCP packet types 192–223 are RTCP, everything else of version 2 is RTP', () => {
  for (const pt of [200, 201, 202, 203, 204, 205, 206, 207, 192, 223]) {
    assert.equal(isRtcp(pkt(0x80, pt, 8)), true, `pt ${pt}`);
    assert.equal(isRtp(pkt(0x80, pt)), false, `pt ${pt}`);
    assert.equal(classifyPacket(pkt(0x81, pt, 8)), 'rtcp');
  }
  // PCMU, Opus with marker (0x80|111 = 239), dynamic 96 with marker (224) and PT 72 are RTP.
  for (const b1 of [0, 0x80, 111, 239, 224, 72, 191]) {
    assert.equal(isRtp(pkt(0x80, b1)), true, `byte ${b1}`);
    assert.equal(classifyPacket(pkt(0x90, b1)), 'rtp');
  }
});

test('RFC 7983 first-byte ranges sort STUN, DTLS and junk', () => {
  assert.equal(classifyPacket(pkt(0x00, 0x01)), 'stun');
  assert.equal(classifyPacket(pkt(0x01, 0x01)), 'stun');
  assert.equal(classifyPacket(pkt(22, 0xfe)), 'dtls'); // handshake
  assert.equal(classifyPacket(pkt(23, 0xfe)), 'dtls'); // application data
  assert.equal(classifyPacket(pkt(0x40, 0)), 'unknown'); // TURN channel / version 1
  assert.equal(classifyPacket(pkt(0xc0, 0)), 'unknown'); // version 3
  assert.equal(classifyPacket(new Uint8Array(0)), 'unknown');
  assert.equal(classifyPacket(pkt(0x80, 0, 6)), 'unknown'); // too short for RTP
  assert.equal(isRtcp(pkt(0x80, 200, 3)), false);
});
