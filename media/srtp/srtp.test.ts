/**
 * SRTP/SRTCP: RFC 3711 Appendix B.2 (AES-CM keystream) and B.3 (key derivation) vectors, libsrtp's
 * srtp_driver reference packets, round trips, tampering, replay, ROC rollover, and werift's SRTP
 * as an independent implementation in both directions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpHeader, SrtcpSession, SrtpSession, ProtectionProfileAes128CmHmacSha1_80 } from 'werift';
import { AesCounterMode } from './aes-cm.ts';
import { CopyHashHmacSha1, CreateHmacSha1, HmacSha1 } from './hmac-sha1.ts';
import { generateInlineKey, parseInlineKey } from './inline-key.ts';
import { deriveSessionKeys, deriveSrtpKey } from './kdf.ts';
import { SrtpContext, SrtpError, srtpErrorName } from './srtp-context.ts';
import { SRTP_SUITES, type SrtpSuiteName } from './suite.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MASTER_KEY = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
const MASTER_SALT = hex('0EC675AD498AFEEBB6960B3AABE6');

function rtp(seq: number, ssrc: number, payload: Uint8Array, ts = 0x1234): Buffer {
  const b = Buffer.alloc(12 + payload.length + 32);
  b[0] = 0x80;
  b[1] = 0;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(ts, 4);
  b.writeUInt32BE(ssrc, 8);
  b.set(payload, 12);
  return b;
}

function pair(suite: SrtpSuiteName = 'AES_CM_128_HMAC_SHA1_80', replayWindow?: number) {
  const key = parseInlineKey(suite, generateInlineKey(suite));
  return {
    tx: new SrtpContext({ suite, ...key, replayWindow }),
    rx: new SrtpContext({ suite, ...key, replayWindow }),
    key,
  };
}

describe('RFC 3711 appendix B', () => {
  it('B.2 AES-CM keystream', () => {
    const aes = new AesCounterMode(hex('2B7E151628AED2A6ABF7158809CF4F3C'));
    const iv = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000');
    const ks = aes.keystream(iv, new Uint8Array(0xff02 * 16));
    assert.equal(Buffer.from(ks.subarray(0, 16)).toString('hex').toUpperCase(), 'E03EAD0935C95E80E166B16DD92B4EB4');
    assert.equal(Buffer.from(ks.subarray(16, 32)).toString('hex').toUpperCase(), 'D23513162B02D0F72A43A2FE4A5F97AB');
    assert.equal(Buffer.from(ks.subarray(32, 48)).toString('hex').toUpperCase(), '41E95B3BB0A2E8DD477901E4FCA894C0');
    const at = (block: number) => Buffer.from(ks.subarray(block * 16, block * 16 + 16)).toString('hex').toUpperCase();
    assert.equal(at(0xfeff), 'EC8CDF7398607CB0F2D21675EA9EA1E4');
    assert.equal(at(0xff00), '362B7C3C6773516318A077D7FC5073AE');
    assert.equal(at(0xff01), '6A2CC3787889374FBEB4C81B17BA6C44');
  });

  it('B.3 key derivation', () => {
    const s = SRTP_SUITES.AES_CM_128_HMAC_SHA1_80;
    const keys = deriveSessionKeys(s, MASTER_KEY, MASTER_SALT, false);
    assert.deepEqual(Buffer.from(keys.encryptionKey), hex('C61E7A93744F39EE10734AFE3FF7A087'));
    assert.deepEqual(Buffer.from(keys.salt), hex('30CBBC08863D8C85D49DB34A9AE1'));
    assert.deepEqual(Buffer.from(keys.authKey), hex('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4'));
    // B.3 prints 94 bytes of the authentication key stream; its first 20 are the HMAC key above.
    const prf = new AesCounterMode(MASTER_KEY);
    const long = deriveSrtpKey(prf, MASTER_SALT, 1, 94);
    assert.deepEqual(Buffer.from(long.subarray(0, 20)), hex('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4'));
  });

  it('SRTCP session keys (labels 3–5) match libsrtp', () => {
    const keys = deriveSessionKeys(SRTP_SUITES.AES_CM_128_HMAC_SHA1_80, MASTER_KEY, MASTER_SALT, true);
    assert.deepEqual(Buffer.from(keys.encryptionKey), hex('4c1aa45a81f73d61c800bbb00fbb1eaa'));
    assert.deepEqual(Buffer.from(keys.authKey), hex('8d54534feb49ae8e7993a6bd0b844fc323a93dfd'));
    assert.deepEqual(Buffer.from(keys.salt), hex('9581c7ad87b3e530bf3e4454a8b3'));
  });
});

describe('libsrtp srtp_driver reference packets', () => {
  const srtpPlain = hex('800f1234decafbad cafebabe abababab abababababababab abababab');
  const srtpCipher = hex('800f1234decafbad cafebabe 4e55dc4c e79978d88ca4d215 949d2402 b78d6acc99ea179b8dbb');
  const rtcpPlain = hex('81c8000bcafebabe abababababababab abababababababab');
  const srtcpCipher = hex('81c8000bcafebabe 7128035be487b9bd bef89041f977a5a8 80000001 993e08cd54d6c1230798');
  const ctx = () => new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: MASTER_KEY, masterSalt: MASTER_SALT });

  it('protects and unprotects the SRTP reference packet', () => {
    const buf = Buffer.alloc(64);
    srtpPlain.copy(buf);
    const n = ctx().protectRtp(buf, srtpPlain.length);
    assert.deepEqual(buf.subarray(0, n), srtpCipher);
    const rx = Buffer.from(srtpCipher);
    const m = ctx().unprotectRtp(rx, rx.length);
    assert.deepEqual(rx.subarray(0, m), srtpPlain);
  });

  it('protects and unprotects the SRTCP reference packet (index 1, E set)', () => {
    const tx = ctx();
    const buf = Buffer.alloc(64);
    srtcpPlain(tx, buf); // index 0
    const n = srtcpPlain(tx, buf); // index 1, as the reference
    assert.deepEqual(buf.subarray(0, n), srtcpCipher);
    const rx = Buffer.from(srtcpCipher);
    const m = ctx().unprotectRtcp(rx, rx.length);
    assert.deepEqual(rx.subarray(0, m), rtcpPlain);

    function srtcpPlain(c: SrtpContext, b: Buffer): number {
      rtcpPlain.copy(b);
      return c.protectRtcp(b, rtcpPlain.length);
    }
  });

  it('refuses every truncation of the reference packets', () => {
    for (let len = srtpCipher.length - 1; len > 0; len--) {
      assert.ok(ctx().unprotectRtp(Buffer.from(srtpCipher.subarray(0, len)), len) < 0, `SRTP length ${len}`);
    }
    for (let len = srtcpCipher.length - 1; len > 0; len--) {
      assert.ok(ctx().unprotectRtcp(Buffer.from(srtcpCipher.subarray(0, len)), len) < 0, `SRTCP length ${len}`);
    }
  });
});

describe('SrtpContext', () => {
  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    it(`${suite}: RTP and RTCP round trip, payload really encrypted`, () => {
      const { tx, rx } = pair(suite);
      const payload = Buffer.alloc(160, 0x55);
      for (let seq = 100; seq < 110; seq++) {
        const b = rtp(seq, 0xdeadbeef, payload);
        const n = tx.protectRtp(b, 172);
        assert.equal(n, 172 + SRTP_SUITES[suite].rtpTagBytes);
        assert.notDeepEqual(b.subarray(12, 172), payload);
        assert.equal(rx.unprotectRtp(b, n), 172);
        assert.deepEqual(b.subarray(12, 172), payload);
      }
      const rr = hex('81c90007 deadbeef 11111111 00000000 00000000 00000000 00000000 00000000');
      const b = Buffer.alloc(64);
      rr.copy(b);
      const n = tx.protectRtcp(b, rr.length);
      assert.equal(n, rr.length + 14);
      assert.notDeepEqual(b.subarray(8, rr.length), rr.subarray(8));
      assert.equal(rx.unprotectRtcp(b, n), rr.length);
      assert.deepEqual(b.subarray(0, rr.length), rr);
    });
  }

  it('keeps header extensions and CSRCs in the clear and authenticated', () => {
    const { tx, rx } = pair();
    const header = hex('91 00 0001 00000010 00000042 00000007 bede0001 10ff0000');
    const b = Buffer.alloc(100);
    Buffer.concat([header, hex('aabbccdd')]).copy(b);
    const n = tx.protectRtp(b, 28);
    assert.deepEqual(b.subarray(0, 24), header);
    assert.notDeepEqual(b.subarray(24, 28), hex('aabbccdd'));
    const forged = Buffer.from(b);
    forged[21] ^= 1; // extension byte
    assert.equal(rx.unprotectRtp(forged, n), SrtpError.AUTH_FAILED);
    assert.equal(rx.unprotectRtp(b, n), 28);
    assert.deepEqual(b.subarray(24, 28), hex('aabbccdd'));
  });

  it('tampering anywhere fails authentication and leaves the state alone', () => {
    const { tx, rx } = pair();
    const b = rtp(1, 7, Buffer.alloc(40, 1));
    const n = tx.protectRtp(b, 52);
    for (const at of [1, 3, 7, 11, 12, 30, 51, n - 1]) {
      const f = Buffer.from(b);
      f[at] ^= 0x10;
      assert.equal(rx.unprotectRtp(f, n), SrtpError.AUTH_FAILED, `byte ${at}`);
    }
    assert.equal(rx.getStats().streams, 0, 'forged packets create no stream state');
    assert.equal(rx.unprotectRtp(b, n), 52);
    const stats = rx.getStats();
    assert.equal(stats.authFailures, 8);
    assert.equal(stats.rtpUnprotected, 1);
    assert.equal(srtpErrorName(SrtpError.AUTH_FAILED), 'auth-failed');
  });

  it('a wrong key fails authentication', () => {
    const a = pair();
    const b = pair();
    const p = rtp(1, 7, Buffer.alloc(40, 1));
    const n = a.tx.protectRtp(p, 52);
    assert.equal(b.rx.unprotectRtp(p, n), SrtpError.AUTH_FAILED);
  });

  it('replay protection: duplicates and too-old packets are refused, reordering inside the window is fine', () => {
    const { tx, rx } = pair('AES_CM_128_HMAC_SHA1_80', 64);
    const sent: Buffer[] = [];
    for (let seq = 0; seq < 200; seq++) {
      const b = rtp(seq, 1, Buffer.alloc(20, seq));
      const n = tx.protectRtp(b, 32);
      sent.push(Buffer.from(b.subarray(0, n)));
    }
    const deliver = (i: number) => {
      const b = Buffer.from(sent[i]!);
      return rx.unprotectRtp(b, b.length);
    };
    assert.equal(deliver(0), 32);
    assert.equal(deliver(0), SrtpError.REPLAYED);
    assert.equal(deliver(5), 32);
    assert.equal(deliver(3), 32, 'reordered within the window');
    assert.equal(deliver(3), SrtpError.REPLAYED);
    assert.equal(deliver(150), 32);
    assert.equal(deliver(100), 32, '50 back, window 64');
    assert.equal(deliver(80), SrtpError.REPLAYED, '70 back: too old');
    assert.equal(deliver(149), 32);
    assert.equal(rx.getStats().replayed, 3);
    // SRTCP replay
    const c = Buffer.alloc(64);
    hex('81c90001 00000001').copy(c);
    const n = tx.protectRtcp(c, 8);
    const copy = Buffer.from(c.subarray(0, n));
    assert.equal(rx.unprotectRtcp(c, n), 8);
    assert.equal(rx.unprotectRtcp(copy, n), SrtpError.REPLAYED);
  });

  it('rolls the ROC over at sequence 65535 on both sides, with reordering across the wrap', () => {
    const { tx, rx } = pair();
    const packets: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const seq = (65520 + i) & 0xffff;
      const b = rtp(seq, 99, Buffer.alloc(30, i));
      const n = tx.protectRtp(b, 42);
      packets.push(Buffer.from(b.subarray(0, n)));
    }
    assert.deepEqual(tx.rolloverOf(99), { roc: 1, highestSeq: (65520 + 39) & 0xffff });
    // deliver with a swap across the wrap: ..., 65535, 1, 0, 2 ...
    const order = [...Array(40).keys()];
    [order[16], order[17]] = [order[17]!, order[16]!];
    [order[15], order[18]] = [order[18]!, order[15]!];
    for (const i of order) {
      const b = Buffer.from(packets[i]!);
      assert.equal(rx.unprotectRtp(b, b.length), 42, `packet ${i}`);
      assert.equal(b[12], i);
    }
    assert.deepEqual(rx.rolloverOf(99), { roc: 1, highestSeq: 23 });
    // a receiver that assumed ROC 0 for a later packet would fail: ROC is in the MAC.
    const late = Buffer.from(packets[39]!);
    const fresh = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', ...pair().key });
    assert.equal(fresh.unprotectRtp(late, late.length), SrtpError.AUTH_FAILED);
  });

  it('HmacSha1 (JS, precomputed pads) equals createHmac for every length around the block edges', () => {
    for (const key of [Buffer.from('0123456789abcdef0123', 'latin1'), Buffer.alloc(100, 9)]) {
      const a = new HmacSha1(key);
      const b = new CreateHmacSha1(key);
      const c = new CopyHashHmacSha1(key);
      for (let len = 0; len < 300; len++) {
        const m = Buffer.alloc(len);
        for (let i = 0; i < len; i++) m[i] = (i * 31 + len) & 0xff;
        for (const r of [Buffer.from([1, 2, 3, 4]), Buffer.alloc(0)]) {
          const want = Buffer.from(b.digest(m, r)).toString('hex');
          assert.equal(Buffer.from(a.digest(m, r)).toString('hex'), want, `length ${len}+${r.length}`);
          assert.equal(Buffer.from(c.digest(m, r)).toString('hex'), want);
        }
      }
    }
  });
});

describe('interop with werift SRTP (AES_CM_128_HMAC_SHA1_80)', () => {
  const keyA = parseInlineKey('AES_CM_128_HMAC_SHA1_80', generateInlineKey('AES_CM_128_HMAC_SHA1_80'));
  const keyB = parseInlineKey('AES_CM_128_HMAC_SHA1_80', generateInlineKey('AES_CM_128_HMAC_SHA1_80'));
  const keys = {
    localMasterKey: Buffer.from(keyA.masterKey),
    localMasterSalt: Buffer.from(keyA.masterSalt),
    remoteMasterKey: Buffer.from(keyB.masterKey),
    remoteMasterSalt: Buffer.from(keyB.masterSalt),
  };

  it('werift encrypts, we decrypt, across a sequence wrap; and back', () => {
    const theirs = new SrtpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 });
    const ourRx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', ...keyA });
    const ourTx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', ...keyB });
    for (let i = 0; i < 30; i++) {
      const seq = (65530 + i) & 0xffff;
      const payload = Buffer.alloc(160, i);
      const header = new RtpHeader({ payloadType: 0, sequenceNumber: seq, timestamp: i * 160, ssrc: 0x1234, marker: i === 0 });
      const enc = Buffer.alloc(300);
      const wire = theirs.encrypt(payload, header);
      wire.copy(enc);
      const n = ourRx.unprotectRtp(enc, wire.length);
      assert.equal(n, 172, `werift → us, seq ${seq}`);
      assert.deepEqual(enc.subarray(12, 172), payload);

      const mine = rtp(seq, 0x5678, payload, i * 160);
      const m = ourTx.protectRtp(mine, 172);
      const dec = theirs.decrypt(Buffer.from(mine.subarray(0, m)));
      assert.deepEqual(dec.subarray(12, 172), payload, `us → werift, seq ${seq}`);
    }
  });

  it('SRTCP both ways', () => {
    const theirs = new SrtcpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 });
    const ourRx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', ...keyA });
    const ourTx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', ...keyB });
    const sr = hex('80c80006 00001234 e0000000 00000000 00000a00 00000005 00000320');
    for (let i = 0; i < 3; i++) {
      const wire = theirs.encrypt(Buffer.from(sr));
      const b = Buffer.alloc(100);
      wire.copy(b);
      assert.equal(ourRx.unprotectRtcp(b, wire.length), sr.length);
      assert.deepEqual(b.subarray(0, sr.length), sr);

      const mine = Buffer.alloc(100);
      sr.copy(mine);
      const n = ourTx.protectRtcp(mine, sr.length);
      assert.deepEqual(theirs.decrypt(Buffer.from(mine.subarray(0, n))).subarray(0, sr.length), sr);
    }
  });
});
