/**
 * SRTP per-packet cost: our `SrtpContext` (one long-lived AES-ECB cipher per session key, JS
 * HMAC-SHA1 on precomputed pad states) against a naive transform that creates an AES-CTR cipher
 * and an HMAC per packet (what werift does), and werift's own SrtpSession; plus the MAC variants
 * alone. CPU ns per packet (process.cpuUsage), best of several interleaved rounds.
 */
import { createCipheriv, createHmac } from 'node:crypto';
import { RtpHeader, SrtpSession, ProtectionProfileAes128CmHmacSha1_80 } from 'werift';
import {
  CopyHashHmacSha1,
  CreateHmacSha1,
  HmacSha1,
  SrtpContext,
  deriveSessionKeys,
  generateInlineKey,
  parseInlineKey,
  SRTP_SUITES,
  type Sha1Mac,
} from '../../media/srtp/index.ts';

const SUITE = 'AES_CM_128_HMAC_SHA1_80' as const;
const PAYLOAD = 160;
const RTP_LEN = 12 + PAYLOAD;

export interface SrtpBenchRow {
  name: string;
  /** CPU ns per operation, best round. */
  ns: number;
}

/** Naive SRTP: a fresh AES-128-CTR cipher and HMAC object per packet (no state but the ROC). */
class NaiveSrtp {
  readonly #key: Buffer;
  readonly #salt: Buffer;
  readonly #auth: Buffer;

  constructor(masterKey: Uint8Array, masterSalt: Uint8Array) {
    const k = deriveSessionKeys(SRTP_SUITES[SUITE], masterKey, masterSalt, false);
    this.#key = Buffer.from(k.encryptionKey);
    this.#salt = Buffer.from(k.salt);
    this.#auth = Buffer.from(k.authKey);
  }

  #iv(ssrc: number, seq: number): Buffer {
    const iv = Buffer.alloc(16);
    this.#salt.copy(iv);
    iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
    iv.writeUInt16BE(iv.readUInt16BE(12) ^ seq, 12);
    return iv;
  }

  protect(pkt: Buffer): Buffer {
    const seq = pkt.readUInt16BE(2);
    const ssrc = pkt.readUInt32BE(8);
    const c = createCipheriv('aes-128-ctr', this.#key, this.#iv(ssrc, seq));
    const enc = Buffer.concat([pkt.subarray(0, 12), c.update(pkt.subarray(12)), c.final()]);
    const tag = createHmac('sha1', this.#auth).update(enc).update(Buffer.alloc(4)).digest().subarray(0, 10);
    return Buffer.concat([enc, tag]);
  }

  unprotect(pkt: Buffer): Buffer {
    const body = pkt.subarray(0, pkt.length - 10);
    const tag = createHmac('sha1', this.#auth).update(body).update(Buffer.alloc(4)).digest().subarray(0, 10);
    if (!tag.equals(pkt.subarray(pkt.length - 10))) throw new Error('auth');
    const c = createCipheriv('aes-128-ctr', this.#key, this.#iv(body.readUInt32BE(8), body.readUInt16BE(2)));
    return Buffer.concat([body.subarray(0, 12), c.update(body.subarray(12)), c.final()]);
  }
}

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function best(rounds: number, n: number, fns: Array<[string, (n: number) => void]>): SrtpBenchRow[] {
  const bestNs = new Map<string, number>();
  for (const [, f] of fns) f(Math.min(n, 20000)); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [name, f] of fns) {
      const t = cpuNs();
      f(n);
      const per = (cpuNs() - t) / n;
      bestNs.set(name, Math.min(bestNs.get(name) ?? Infinity, per));
    }
  }
  return fns.map(([name]) => ({ name, ns: bestNs.get(name)! }));
}

/** protect+unprotect of a 172-byte PCMU packet, and MAC-only figures. */
export function srtpBench(rounds = 5, n = 50_000): SrtpBenchRow[] {
  const key = parseInlineKey(SUITE, generateInlineKey(SUITE));
  const tx = new SrtpContext({ suite: SUITE, ...key });
  const rx = new SrtpContext({ suite: SUITE, ...key });
  const naive = new NaiveSrtp(key.masterKey, key.masterSalt);
  const buf = Buffer.alloc(RTP_LEN + 32);
  buf[0] = 0x80;
  buf.writeUInt32BE(0x1234, 8);
  let seq = 0;
  let nseq = 0;
  const werift = new SrtpSession({
    keys: {
      localMasterKey: Buffer.from(key.masterKey),
      localMasterSalt: Buffer.from(key.masterSalt),
      remoteMasterKey: Buffer.from(key.masterKey),
      remoteMasterSalt: Buffer.from(key.masterSalt),
    },
    profile: ProtectionProfileAes128CmHmacSha1_80,
  });
  const header = new RtpHeader({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0x4321 });
  const payload = Buffer.alloc(PAYLOAD, 0x7f);
  let wseq = 0;
  const macKey = Buffer.alloc(20, 3);
  const msg = buf.subarray(0, RTP_LEN);
  const roc = new Uint8Array(4);
  const macs: Array<[string, Sha1Mac]> = [
    ['HMAC-SHA1 only: JS, precomputed pads (ours)', new HmacSha1(macKey)],
    ['HMAC-SHA1 only: createHmac per packet', new CreateHmacSha1(macKey)],
    ['HMAC-SHA1 only: createHash + copy()', new CopyHashHmacSha1(macKey)],
  ];
  return best(rounds, n, [
    [
      'SrtpContext protect+unprotect (ours)',
      (k) => {
        for (let i = 0; i < k; i++) {
          buf[2] = seq >>> 8;
          buf[3] = seq & 0xff;
          seq = (seq + 1) & 0xffff;
          const len = tx.protectRtp(buf, RTP_LEN);
          if (rx.unprotectRtp(buf, len) !== RTP_LEN) throw new Error('SRTP round trip failed');
        }
      },
    ],
    [
      'naive: createCipheriv + createHmac per packet',
      (k) => {
        for (let i = 0; i < k; i++) {
          buf[2] = nseq >>> 8;
          buf[3] = nseq & 0xff;
          nseq = (nseq + 1) & 0xffff;
          naive.unprotect(naive.protect(msg));
        }
      },
    ],
    [
      'werift SrtpSession encrypt+decrypt',
      (k) => {
        for (let i = 0; i < k; i++) {
          header.sequenceNumber = wseq;
          wseq = (wseq + 1) & 0xffff;
          werift.decrypt(werift.encrypt(payload, header));
        }
      },
    ],
    ...macs.map(([name, mac]): [string, (n: number) => void] => [
      name,
      (k) => {
        for (let i = 0; i < k; i++) mac.digest(msg, roc);
      },
    ]),
  ]);
}
