/**
 * WebRtcLeg against another WebRtcLeg (werift ⇄ werift on loopback): negotiation both ways, audio
 * checked by frequency, DTMF both ways at the RTP level, hold re-offers, ICE-lite, failures
 * (tampered fingerprint, unreachable peer), socket release, and that no datagram ever left 127.0.0.1.
 * The same leg against real Chromium is in chromium.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebRtcLeg, WebRtcLegError, type WebRtcLegOptions } from './index.ts';
import { AudioCollector, streamTone } from './testing/audio.ts';
import { boundUdpAddresses, installUdpGuard, openUdpSockets, type UdpGuard } from './testing/udp-guard.ts';

function once<T extends unknown[]>(leg: WebRtcLeg, event: 'connected' | 'failed' | 'close'): Promise<T> {
  return new Promise((resolve) => leg.once(event, (...args: unknown[]) => resolve(args as T)));
}

/** a offers, b answers; resolves when both are connected. */
async function connectedPair(a: WebRtcLegOptions = {}, b: WebRtcLegOptions = {}): Promise<{ a: WebRtcLeg; b: WebRtcLeg }> {
  const legA = new WebRtcLeg(a);
  const legB = new WebRtcLeg(b);
  const up = Promise.all([once(legA, 'connected'), once(legB, 'connected')]);
  const offer = await legA.createOffer();
  const answer = await legB.answer(offer);
  await legA.applyAnswer(answer);
  await up;
  return { a: legA, b: legB };
}

/** Close legs and wait until their sockets are gone. */
async function closeAll(...legs: WebRtcLeg[]): Promise<void> {
  for (const leg of legs) leg.close();
  await Promise.all(legs.map((l) => l.released));
}

let guard: UdpGuard;
before(() => {
  guard = installUdpGuard();
});
after(() => {
  guard.restore();
  // Network safety for the whole file: every datagram to 127.0.0.1, every socket on 127.0.0.1.
  assert.deepEqual([...guard.destinations.keys()], ['127.0.0.1']);
  assert.ok(guard.bound.length > 0);
  assert.deepEqual([...new Set(guard.bound)], ['127.0.0.1']);
});

describe('WebRtcLeg (werift ⇄ werift)', () => {
  test('offer/answer connects; only loopback candidates, no STUN, session-level ice-lite only when asked', async () => {
    const a = new WebRtcLeg();
    const offer = await a.createOffer();
    const candidates = offer.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
    assert.ok(candidates.length >= 1);
    for (const c of candidates) assert.match(c, / 127\.0\.0\.1 \d+ typ host/);
    assert.doesNotMatch(offer, /ice-lite/);
    assert.match(offer, /a=rtpmap:\d+ opus\/48000\/2/);
    assert.match(offer, /useinbandfec=1/);
    assert.match(offer, /a=rtcp-mux/);
    const te = [...offer.matchAll(/a=rtpmap:\d+ telephone-event\/(\d+)/g)].map((m) => m[1]);
    assert.deepEqual(te, ['48000', '8000']);

    const b = new WebRtcLeg({ iceLite: true });
    const up = Promise.all([once(a, 'connected'), once(b, 'connected')]);
    const answer = await b.answer(offer);
    const [session] = answer.split(/\r\nm=/);
    assert.match(session!, /a=ice-lite/);
    await a.applyAnswer(answer);
    await up;
    assert.equal(a.state, 'connected');
    const sa = a.getStats();
    const sb = b.getStats();
    assert.equal(sa.codec, 'opus');
    assert.equal(sa.iceRole, 'controlling');
    assert.equal(sb.iceRole, 'controlled');
    assert.match(sa.localAddress!, /^127\.0\.0\.1:\d+$/);
    assert.equal(sa.remoteAddress, sb.localAddress);
    await closeAll(a, b);
  });

  test('Opus tone a→b and PCMU tone b→a arrive as that tone', async () => {
    // b prefers PCMU; as answerer its preference decides what both send.
    const { a, b } = await connectedPair({}, { codecs: ['PCMU', 'opus'] });
    assert.equal(a.getStats().codec, 'PCMU');
    assert.equal(b.getStats().codec, 'PCMU');
    const atB = new AudioCollector(b);
    const atA = new AudioCollector(a);
    await Promise.all([streamTone(a, 'opus', 1000, 1000), streamTone(b, 'PCMU', 440, 1000)]);
    assert.deepEqual([...atB.codecs], ['opus']);
    assert.deepEqual([...atA.codecs], ['PCMU']);
    assert.ok(atB.toneShare(1000) > 0.9, `1 kHz share at b ${atB.toneShare(1000)}`);
    assert.ok(atB.toneShare(440) < 0.1);
    assert.ok(atA.toneShare(440) > 0.9, `440 Hz share at a ${atA.toneShare(440)}`);
    assert.ok(atA.toneShare(1000) < 0.1);
    const stats = b.getStats();
    assert.ok(stats.rtpPacketsReceived > 0 && stats.rtpPacketsSent > 0);
    assert.throws(() => a.sendRtp(new Uint8Array(160), { codec: 'PCMA', timestamp: 0 }), (e: unknown) => e instanceof WebRtcLegError && e.code === 'no-codec');
    atA.close();
    atB.close();
    await closeAll(a, b);
  });

  test('DTMF both ways: one event per key, in order, end packets deduplicated', async () => {
    const { a, b } = await connectedPair();
    const atB: [string, number][] = [];
    const atA: [string, number][] = [];
    b.on('dtmf', (d, ms) => atB.push([d, ms]));
    a.on('dtmf', (d, ms) => atA.push([d, ms]));
    await Promise.all([a.sendDtmf('123#', 80), b.sendDtmf('*9', 120)]);
    await new Promise((r) => setTimeout(r, 100)); // let the last end packets land
    assert.deepEqual(atB.map(([d]) => d), ['1', '2', '3', '#']);
    assert.deepEqual(atA.map(([d]) => d), ['*', '9']);
    for (const [, ms] of atB) assert.equal(ms, 80); // duration field, exact in clock units
    for (const [, ms] of atA) assert.equal(ms, 120);
    assert.equal(b.getStats().dtmfReceived, 4);
    await closeAll(a, b);
  });

  test('re-offer to sendonly is reported as hold, our answer is recvonly and we stop sending', async () => {
    const a = new WebRtcLeg();
    const b = new WebRtcLeg();
    const offer = await a.createOffer();
    const up = once(b, 'connected');
    await a.applyAnswer(await b.answer(offer));
    await up;
    const changes: unknown[] = [];
    b.on('direction', (c) => changes.push(c));
    const held = await b.handleReoffer(offer.replace('a=sendrecv', 'a=sendonly'));
    assert.match(held, /a=recvonly/);
    assert.equal(b.sendRtp(new Uint8Array(10), { timestamp: 0 }), false);
    const resumed = await b.handleReoffer(offer);
    assert.match(resumed, /a=sendrecv/);
    assert.equal(b.sendRtp(new Uint8Array(10), { timestamp: 960 }), true);
    assert.deepEqual(changes, [
      { remote: 'sendonly', local: 'recvonly', onHold: true },
      { remote: 'sendrecv', local: 'sendrecv', onHold: false },
    ]);
    await closeAll(a, b);
  });

  test('a tampered DTLS fingerprint fails the leg (fingerprint-mismatch), then it closes', async () => {
    const a = new WebRtcLeg();
    const b = new WebRtcLeg();
    const offer = await a.createOffer();
    // Flip the first hex digit of a's fingerprint as b sees it.
    const tampered = offer.replace(/(a=fingerprint:sha-256 )([0-9A-F])/, (_, p: string, h: string) => p + (h === '0' ? '1' : '0'));
    assert.notEqual(tampered, offer);
    const failed = once<[WebRtcLegError]>(b, 'failed');
    const closed = once<[string]>(b, 'close');
    await a.applyAnswer(await b.answer(tampered));
    const [error] = await failed;
    assert.ok(error instanceof WebRtcLegError);
    assert.equal(error.code, 'fingerprint-mismatch');
    assert.deepEqual(await closed, ['failed']);
    assert.equal(b.closed, true);
    await closeAll(a, b);
  });

  test('an unreachable peer fails with connect-timeout', async () => {
    const a = new WebRtcLeg({ connectTimeoutMs: 1500 });
    const b = new WebRtcLeg();
    const offer = await a.createOffer();
    const answer = await b.answer(offer);
    b.close(); // never answers checks
    const failed = once<[WebRtcLegError]>(a, 'failed');
    await a.applyAnswer(answer);
    const [error] = await failed;
    assert.ok(['connect-timeout', 'ice-failed'].includes(error.code), error.code);
    assert.equal(a.closed, true);
    await closeAll(a, b);
  });

  test('an ICE-lite leg notices a vanished peer (nothing received) and fails with peer-silent', async () => {
    const { a, b } = await connectedPair({}, { iceLite: true, silenceTimeoutMs: 1500 });
    const failed = once<[WebRtcLegError]>(b, 'failed');
    a.close(); // werift sends no close_notify: b only sees silence
    const [error] = await failed;
    assert.equal(error.code, 'peer-silent');
    assert.equal(b.closed, true);
    await closeAll(a, b);
  });

  test('close() releases every socket, emits close once, is idempotent; parentClosed says parent', async () => {
    const before = openUdpSockets();
    const { a, b } = await connectedPair();
    assert.ok(openUdpSockets() > before);
    for (const address of boundUdpAddresses()) assert.equal(address, '127.0.0.1');
    const reasons: string[] = [];
    a.on('close', (r) => reasons.push(`a:${r}`));
    b.on('close', (r) => reasons.push(`b:${r}`));
    a.close();
    a.close();
    b.parentClosed();
    b.close();
    await Promise.all([a.released, b.released]);
    assert.deepEqual(reasons, ['a:local', 'b:parent']);
    assert.equal(openUdpSockets(), before);
    assert.equal(a.sendRtp(new Uint8Array(10), { timestamp: 0 }), false);
    await assert.rejects(a.sendDtmf('1'), (e: unknown) => e instanceof WebRtcLegError && e.code === 'invalid-state');
  });

  test('refusals: unparsable or audio-less SDP, a leg closed mid-negotiation, out-of-order calls', async () => {
    const junk = new WebRtcLeg();
    await assert.rejects(junk.answer('v=0\r\nnot sdp'), (e: unknown) => e instanceof WebRtcLegError && e.code === 'bad-sdp');
    junk.close();
    const a = new WebRtcLeg();
    const offer = await a.createOffer();
    await assert.rejects(a.createOffer(), (e: unknown) => e instanceof WebRtcLegError && e.code === 'invalid-state');
    const videoOnly = offer.replace(/m=audio (\d+) UDP\/TLS\/RTP\/SAVPF [\d ]+/, 'm=video $1 UDP/TLS/RTP/SAVPF 96').replace(/a=rtpmap:96 opus\/48000\/2/, 'a=rtpmap:96 VP8/90000');
    const noAudio = new WebRtcLeg();
    await assert.rejects(noAudio.answer(videoOnly), (e: unknown) => e instanceof WebRtcLegError && (e.code === 'bad-sdp'));
    noAudio.close();
    const b = new WebRtcLeg();
    const answering = b.answer(offer);
    b.close();
    await assert.rejects(answering, (e: unknown) => e instanceof WebRtcLegError && e.code === 'invalid-state');
    await assert.rejects(b.handleReoffer(offer), (e: unknown) => e instanceof WebRtcLegError && e.code === 'invalid-state');
    await closeAll(a, b, junk, noAudio);
  });

  test('options: bad values are refused; werift keeps our empty iceServers', () => {
    assert.throws(() => new WebRtcLeg({ hostAddresses: ['localhost'] }), (e: unknown) => e instanceof WebRtcLegError && e.code === 'bad-options');
    assert.throws(() => new WebRtcLeg({ codecs: [] }), WebRtcLegError);
    assert.throws(() => new WebRtcLeg({ relayOnly: true }), WebRtcLegError);
    assert.throws(() => new WebRtcLeg({ portRange: [5000, 4000] }), WebRtcLegError);
    const leg = new WebRtcLeg();
    leg.close();
    assert.equal(leg.closed, true);
  });
});
