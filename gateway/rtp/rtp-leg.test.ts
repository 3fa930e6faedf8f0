/**
 * RtpLeg on real sockets on 127.0.0.1: a PCMU tone both ways checked by frequency after the
 * jitter buffer, symmetric latching (and refusing a spoofer), SDES-SRTP with keys from generated
 * a=crypto lines (and a wrong key dropped and counted), RFC 4733 digits, RTCP SR/RR with RTT and
 * jitter (separate RTCP port and rtcp-mux), RTP timeout, hold, BYE and port release on close.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { MediaClock } from '../../media/clock.ts';
import { goertzelPower } from '../../media/testing/index.ts';
import { formatCrypto, generateSdesKey, parseCrypto } from '../sip/sdp/index.ts';
import { RtpError } from './errors.ts';
import type { RtpLegRemote } from './options.ts';
import { RtpPortPool } from './port-pool.ts';
import { RtpLeg } from './rtp-leg.ts';
import { srtpFromCrypto } from './sdes-srtp.ts';
import { ToneSink, medianToneCorrelation, sendTone, sleep, until } from './testing/tone-io.ts';

const PCMU = { payloadType: 0, codec: 'PCMU' as const, clockRate: 8000, telephoneEventPt: 101 };

let clock: MediaClock;
let pool: RtpPortPool;

before(() => {
  clock = new MediaClock();
  clock.start();
  pool = new RtpPortPool({ bindAddress: '127.0.0.1' });
});

after(async () => {
  clock.stop();
  await pool.close();
});

function remoteOf(leg: RtpLeg, extra: Partial<RtpLegRemote> = {}): RtpLegRemote {
  return { address: leg.localAddress, port: leg.localPort, codec: PCMU, ...extra };
}

/** Two legs pointed at each other. */
async function pair(extraA: Partial<RtpLegRemote> = {}, extraB: Partial<RtpLegRemote> = {}, options = {}) {
  const a = await RtpLeg.create({ clock, ports: pool, ...options });
  const b = await RtpLeg.create({ clock, ports: pool, ...options });
  a.connect(remoteOf(b, extraA));
  b.connect(remoteOf(a, extraB));
  return { a, b };
}

async function closeAll(...legs: RtpLeg[]): Promise<void> {
  for (const l of legs) l.close();
  await Promise.all(legs.map((l) => l.released));
}

function isTone(samples: Int16Array, hz: number): { corr: number; ratio: number } {
  const corr = medianToneCorrelation(samples, 8000, hz);
  const ratio = goertzelPower(samples, 8000, hz) / Math.max(1e-9, goertzelPower(samples, 8000, hz * 1.37));
  return { corr, ratio };
}

function udp(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

function rtpPacket(seq: number, ssrc: number, pt = 0, payload = new Uint8Array(160).fill(0xff)): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 160, 4);
  b.writeUInt32BE(ssrc, 8);
  b.set(payload, 12);
  return b;
}

describe('RtpLeg', () => {
  it('carries a PCMU 1 kHz tone one way and 600 Hz the other, checked after the jitter buffer', async () => {
    const { a, b } = await pair();
    const sinkB = new ToneSink(clock, b);
    const sinkA = new ToneSink(clock, a);
    const stopA = sendTone(clock, a, 1000);
    const stopB = sendTone(clock, b, 600);
    await until(() => sinkB.packets >= 75 && sinkA.packets >= 75, 10_000, '75 packets each way');
    stopA();
    stopB();
    sinkA.stop();
    sinkB.stop();
    const atB = isTone(sinkB.samples(1000), 1000);
    const atA = isTone(sinkA.samples(1000), 600);
    assert.ok(atB.corr > 0.9 && atB.ratio > 100, `1 kHz at B: ${JSON.stringify(atB)}`);
    assert.ok(atA.corr > 0.9 && atA.ratio > 100, `600 Hz at A: ${JSON.stringify(atA)}`);
    assert.ok(isTone(sinkB.samples(1000), 600).corr < 0.1, 'B does not hear its own tone');
    const s = b.getStats();
    assert.equal(s.latched, true);
    assert.equal(s.remoteAddress, `127.0.0.1:${a.localPort}`);
    assert.equal(s.rtpUnknownPayloadType, 0);
    assert.equal(s.remoteSsrc, a.ssrc);
    await closeAll(a, b);
  });

  it('latches to the port the peer really sends from, replies there, and resists a spoofer', async () => {
    const leg = await RtpLeg.create({ clock, ports: pool, relatchPackets: 5 });
    const sdpPort = await udp(); // what the SDP claims: must stop receiving once we latched
    const real = await udp();
    const spoofer = await udp();
    const atSdp: Buffer[] = [];
    const atReal: Buffer[] = [];
    const atSpoofer: Buffer[] = [];
    sdpPort.on('message', (m) => atSdp.push(m));
    real.on('message', (m) => atReal.push(m));
    spoofer.on('message', (m) => atSpoofer.push(m));
    leg.connect({ address: '127.0.0.1', port: sdpPort.address().port, codec: PCMU });
    const latched: string[] = [];
    leg.on('latched', (addr, port) => latched.push(`${addr}:${port}`));
    const heard: number[] = [];
    leg.on('rtp', (p) => heard.push(p.sequenceNumber));

    const payload = new Uint8Array(160);
    assert.equal(leg.sendRtp(payload, { timestamp: 0 }), true);
    await until(() => atSdp.length === 1, 5000, 'first packet at the SDP address');

    for (let seq = 1; seq <= 3; seq++) real.send(rtpPacket(seq, 0xaaaa), leg.localPort, '127.0.0.1');
    await until(() => heard.length === 3, 5000, 'packets from the real source');
    assert.deepEqual(latched, [`127.0.0.1:${real.address().port}`]);
    leg.sendRtp(payload, { timestamp: 160 });
    await until(() => atReal.length === 1, 5000, 'reply at the latched port');
    assert.equal(atSdp.length, 1);

    // 3 spoofed packets (below relatchPackets) are dropped; the real peer keeps the latch.
    for (let seq = 4; seq <= 6; seq++) spoofer.send(rtpPacket(seq, 0xaaaa), leg.localPort, '127.0.0.1');
    real.send(rtpPacket(7, 0xaaaa), leg.localPort, '127.0.0.1');
    await until(() => heard.length === 4, 5000, 'the real packet after the spoofed ones');
    assert.equal(leg.getStats().fromOtherSource, 3);
    assert.deepEqual(heard, [1, 2, 3, 7]);

    // The peer really moves (5 consecutive packets from the new port): re-latch.
    for (let seq = 8; seq <= 12; seq++) spoofer.send(rtpPacket(seq, 0xaaaa), leg.localPort, '127.0.0.1');
    await until(() => latched.length === 2, 5000, 're-latch');
    assert.equal(latched[1], `127.0.0.1:${spoofer.address().port}`);
    leg.sendRtp(payload, { timestamp: 320 });
    await until(() => atSpoofer.length === 1, 5000, 'reply at the new source');
    assert.equal(leg.getStats().relatches, 1);

    await closeAll(leg);
    for (const s of [sdpPort, real, spoofer]) s.close();
  });

  it('SDES-SRTP both ways with keys from generated a=crypto lines; a wrong key is dropped and counted', async () => {
    const suite = 'AES_CM_128_HMAC_SHA1_80';
    const lineA = formatCrypto({ tag: 1, suite, keys: [{ method: 'inline', keySalt: generateSdesKey(suite) }], sessionParams: [] });
    const lineB = formatCrypto({ tag: 1, suite, keys: [{ method: 'inline', keySalt: generateSdesKey(suite) }], sessionParams: [] });
    const cA = parseCrypto(lineA)!;
    const cB = parseCrypto(lineB)!;
    const { a, b } = await pair({ srtp: srtpFromCrypto(cA, cB) }, { srtp: srtpFromCrypto(cB, cA) });
    const sinkB = new ToneSink(clock, b);
    const sinkA = new ToneSink(clock, a);
    const stopA = sendTone(clock, a, 1000);
    const stopB = sendTone(clock, b, 600);
    await until(() => sinkB.packets >= 60 && sinkA.packets >= 60, 10_000, 'SRTP media both ways');
    stopA();
    stopB();
    sinkA.stop();
    sinkB.stop();
    assert.ok(isTone(sinkB.samples(800), 1000).corr > 0.9);
    assert.ok(isTone(sinkA.samples(800), 600).corr > 0.9);
    assert.equal(a.getStats().srtp, suite);
    assert.equal(b.getStats().srtpAuthFailures, 0);

    // A third leg with the wrong key for A's stream: all dropped, counted, nothing emitted.
    const wrong = parseCrypto(formatCrypto({ tag: 1, suite, keys: [{ method: 'inline', keySalt: generateSdesKey(suite) }], sessionParams: [] }))!;
    const c = await RtpLeg.create({ clock, ports: pool });
    c.connect(remoteOf(a, { srtp: srtpFromCrypto(cB, wrong) }));
    a.connect(remoteOf(c, { srtp: srtpFromCrypto(cA, cB) }));
    let heardAtC = 0;
    c.on('rtp', () => heardAtC++);
    const stop = sendTone(clock, a, 1000);
    await until(() => c.getStats().srtpAuthFailures >= 20, 10_000, 'auth failures at C');
    stop();
    assert.equal(heardAtC, 0);
    assert.equal(c.getStats().rtpPacketsReceived, 0);
    assert.equal(c.getStats().latched, false, 'unauthenticated packets never latch');
    await closeAll(a, b, c);
  });

  it('sends and receives RFC 4733 digits', async () => {
    const { a, b } = await pair();
    const digits: Array<[string, number]> = [];
    b.on('dtmf', (d, ms) => digits.push([d, ms]));
    const stop = sendTone(clock, a, 1000);
    await a.sendDtmf('1#9', 120);
    await until(() => digits.length === 3, 5000, 'three digits');
    stop();
    assert.deepEqual(digits.map(([d]) => d), ['1', '#', '9']);
    for (const [, ms] of digits) assert.ok(ms >= 100 && ms <= 140, `duration ${ms}`);
    assert.equal(a.getStats().dtmfSent, 3);
    assert.equal(b.getStats().dtmfReceived, 3);
    assert.ok(a.getStats().rtpSendsDropped > 0, 'audio paused while the tones played');
    await assert.rejects(a.sendDtmf('x'), /not a DTMF key/);
    await closeAll(a, b);
  });

  for (const mux of [false, true]) {
    it(`exchanges RTCP SR/RR${mux ? ' over rtcp-mux' : ' on the RTCP port'}: RTT, jitter, loss, CNAME`, async () => {
      const { a, b } = await pair({ rtcpMux: mux }, { rtcpMux: mux }, { rtcpIntervalMs: 200 });
      const sinkA = new ToneSink(clock, a);
      const sinkB = new ToneSink(clock, b);
      const stopA = sendTone(clock, a, 1000);
      const stopB = sendTone(clock, b, 600);
      await until(() => a.getStats().rttMs !== null && b.getStats().rttMs !== null, 10_000, 'RTT on both sides');
      stopA();
      stopB();
      sinkA.stop();
      sinkB.stop();
      for (const leg of [a, b]) {
        const s = leg.getStats();
        assert.ok(s.rttMs! >= 0 && s.rttMs! < 1000, `rtt ${s.rttMs}`);
        assert.ok(s.rtcpReceived > 0 && s.rtcpSent > 0);
        assert.ok(Number.isFinite(s.jitterMs) && s.jitterMs >= 0);
        assert.notEqual(s.remoteJitterMs, null);
        assert.equal(s.remotePacketsLost, 0);
        assert.equal(s.packetsLost, 0);
        assert.match(s.remoteCname ?? '', /^patchbay-/);
        assert.equal(s.malformed, 0);
      }
      await closeAll(a, b);
    });
  }

  it('emits timeout when the peer stops sending, and again only after it resumed and stopped', async () => {
    const { a, b } = await pair({}, {}, { rtpTimeoutMs: 300 });
    const timeouts: number[] = [];
    a.on('timeout', (ms) => timeouts.push(ms));
    await until(() => timeouts.length === 1, 5000, 'first timeout');
    assert.ok(timeouts[0]! >= 300);
    await sleep(400);
    assert.equal(timeouts.length, 1, 'once per silence');
    b.sendRtp(new Uint8Array(160), { timestamp: 0 });
    b.sendRtp(new Uint8Array(160), { timestamp: 160 });
    await until(() => a.getStats().rtpPacketsReceived === 2, 5000, 'packets resume');
    await until(() => timeouts.length === 2, 5000, 'second timeout');
    assert.equal(a.getStats().timeouts, 2);
    assert.equal(a.closed, false, 'the call decides what to do');
    await closeAll(a, b);
  });

  it('on hold stops media but keeps RTCP; resumes after', async () => {
    const { a, b } = await pair({}, {}, { rtcpIntervalMs: 150 });
    a.setDirection('recvonly'); // the peer holds us (its offer said sendonly)
    const before = b.getStats().rtcpReceived;
    assert.equal(a.sendRtp(new Uint8Array(160), { timestamp: 0 }), false);
    await assert.rejects(a.sendDtmf('1'), (e: unknown) => e instanceof RtpError && e.code === 'invalid-state');
    await until(() => b.getStats().rtcpReceived >= before + 2, 5000, 'RTCP while on hold');
    assert.equal(b.getStats().rtpPacketsReceived, 0);
    a.setDirection('sendrecv');
    assert.equal(a.sendRtp(new Uint8Array(160), { timestamp: 160 }), true);
    await until(() => b.getStats().rtpPacketsReceived === 1, 5000, 'media after resume');
    assert.equal(a.getStats().rtpSendsDropped, 1);
    await closeAll(a, b);
  });

  it('close sends RTCP BYE, is idempotent, and gives the ports back (they bind again)', async () => {
    const allocatedBefore = pool.getStats().allocated;
    const { a, b } = await pair();
    const reasons: string[] = [];
    a.on('close', (r) => reasons.push(r));
    a.sendRtp(new Uint8Array(160), { timestamp: 0 });
    await until(() => b.getStats().rtpPacketsReceived === 1, 5000, 'b heard a');
    const port = a.localPort;
    a.close();
    a.close();
    a.parentClosed();
    assert.deepEqual(reasons, ['local']);
    assert.equal(a.closed, true);
    assert.equal(a.sendRtp(new Uint8Array(160), { timestamp: 160 }), false);
    assert.throws(() => a.connect(remoteOf(b)), (e: unknown) => e instanceof RtpError && e.code === 'invalid-state');
    await a.released;
    await until(() => b.getStats().byeReceived, 5000, 'BYE at b');
    for (const p of [port, port + 1]) {
      const s = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(p, '127.0.0.1', () => resolve());
      });
      await new Promise<void>((r) => s.close(() => r()));
    }
    b.parentClosed();
    await b.released;
    assert.equal(pool.getStats().allocated, allocatedBefore);
  });

  it('refuses payload types it did not negotiate, both ways', async () => {
    const { a, b } = await pair();
    assert.throws(() => a.sendRtp(new Uint8Array(10), { payloadType: 8, timestamp: 0 }), (e: unknown) => e instanceof RtpError);
    const raw = await udp();
    raw.send(rtpPacket(1, 5, 8), b.localPort, '127.0.0.1');
    await until(() => b.getStats().rtpUnknownPayloadType === 1, 5000, 'unknown PT counted');
    raw.close();
    // A description we cannot use is refused before anything changes.
    const before = a.getStats();
    const srtp = { suite: 'AES_CM_128_HMAC_SHA1_80' as const, localKey: 'c2hvcnQ=', remoteKey: 'c2hvcnQ=' };
    assert.throws(() => a.connect(remoteOf(b, { port: 4242, srtp })), (e: unknown) => e instanceof RtpError && e.code === 'bad-options');
    assert.throws(() => a.connect(remoteOf(b, { address: 'example.com' })), (e: unknown) => e instanceof RtpError && e.code === 'bad-options');
    assert.equal(a.getStats().remoteAddress, before.remoteAddress);
    assert.equal(a.getStats().srtp, null);
    await closeAll(a, b);
  });
});
