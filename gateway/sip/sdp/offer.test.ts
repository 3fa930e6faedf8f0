/**
 * createOffer: payload type assignment, telephone-event per clock rate, SDES / ICE / DTLS
 * attributes, IPv6, hold offers and re-offers with the same origin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidSdesKey } from './crypto.ts';
import { holdDirection, isHold } from './direction.ts';
import { createOffer, createOfferDescription, makeCryptoOffer, type MediaOffer } from './offer.ts';
import { parseSdp } from './parse.ts';

const audio: MediaOffer = {
  port: 4000,
  codecs: [
    { name: 'opus', clockRate: 48000, fmtp: 'minptime=10;useinbandfec=1' },
    { name: 'PCMU', clockRate: 8000 },
    { name: 'PCMA', clockRate: 8000 },
  ],
  ptime: 20,
};

test('plain RTP offer: static and dynamic PTs, telephone-event 48000 then 8000 (101)', () => {
  const sdp = createOffer({ address: '192.0.2.10', origin: { sessionId: '777' }, media: [audio] });
  const lines = sdp.split('\r\n');
  assert.equal(lines[0], 'v=0');
  assert.equal(lines[1], 'o=- 777 1 IN IP4 192.0.2.10');
  assert.equal(lines[2], 's=patchbay');
  assert.ok(lines.includes('c=IN IP4 192.0.2.10'));
  assert.ok(lines.includes('t=0 0'));
  assert.ok(lines.includes('m=audio 4000 RTP/AVP 96 0 8 97 101'));
  for (const l of [
    'a=rtpmap:96 opus/48000/2',
    'a=fmtp:96 minptime=10;useinbandfec=1',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:97 telephone-event/48000',
    'a=fmtp:97 0-16',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
  ]) {
    assert.ok(lines.includes(l), `missing ${l}`);
  }
  assert.ok(!lines.some((l) => l.startsWith('a=rtcp-mux') || l.startsWith('a=crypto') || l.startsWith('a=ice')));
  assert.ok(sdp.endsWith('\r\n'));
});

test('explicit payload types win; telephone-event rates can be chosen or left out', () => {
  const sdp = createOffer({
    address: '192.0.2.10',
    media: [{ ...audio, codecs: [{ name: 'opus', clockRate: 48000, pt: 111 }, { name: 'PCMU', clockRate: 8000 }], telephoneEvents: [8000] }],
  });
  assert.match(sdp, /^m=audio 4000 RTP\/AVP 111 0 101\r$/m);
  const none = createOffer({ address: '192.0.2.10', media: [{ ...audio, telephoneEvents: [] }] });
  assert.match(none, /^m=audio 4000 RTP\/AVP 96 0 8\r$/m);
  assert.doesNotMatch(none, /telephone-event/);
  // A codec that claims 101 pushes telephone-event elsewhere.
  const clash = createOffer({
    address: '192.0.2.10',
    media: [{ port: 4000, codecs: [{ name: 'G722', clockRate: 8000 }, { name: 'AMR', clockRate: 8000, pt: 101 }] }],
  });
  assert.match(clash, /^m=audio 4000 RTP\/AVP 9 101 96\r$/m);
  assert.match(clash, /^a=rtpmap:96 telephone-event\/8000\r$/m);
});

test('SDES offer: RTP/SAVP with one crypto line per suite and valid fresh keys', () => {
  const crypto = makeCryptoOffer();
  const sdp = createOffer({ address: '192.0.2.10', media: [{ ...audio, crypto }] });
  assert.match(sdp, /^m=audio 4000 RTP\/SAVP /m);
  const parsed = parseSdp(sdp).media[0]!.crypto;
  assert.deepEqual(parsed, crypto);
  assert.deepEqual(parsed.map((c) => [c.tag, c.suite]), [[1, 'AES_CM_128_HMAC_SHA1_80'], [2, 'AES_CM_128_HMAC_SHA1_32']]);
  for (const c of parsed) assert.ok(isValidSdesKey(c.suite, c.keys[0]!.keySalt));
  assert.notEqual(makeCryptoOffer()[0]!.keys[0]!.keySalt, crypto[0]!.keys[0]!.keySalt);
});

test('ICE + DTLS offer: UDP/TLS/RTP/SAVPF, rtcp-mux, actpass, candidates, ice-lite, mid, BUNDLE', () => {
  const fp = '01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF';
  const sdp = createOffer({
    address: '203.0.113.5',
    bundle: true,
    media: [
      {
        ...audio,
        mid: '0',
        dtls: { fingerprintAlgorithm: 'sha-256', fingerprint: fp, setup: 'actpass' },
        ice: {
          ufrag: 'abcd',
          pwd: '0123456789abcdefghijkl',
          lite: true,
          candidates: [{ foundation: '1', component: 1, transport: 'udp', priority: 2130706431, address: '203.0.113.5', port: 4000, type: 'host' }],
        },
      },
    ],
  });
  assert.match(sdp, /^m=audio 4000 UDP\/TLS\/RTP\/SAVPF /m);
  assert.match(sdp, /^a=group:BUNDLE 0\r$/m);
  assert.match(sdp, /^a=ice-lite\r$/m);
  assert.match(sdp, /^a=rtcp-mux\r$/m);
  assert.match(sdp, /^a=setup:actpass\r$/m);
  assert.match(sdp, new RegExp(`^a=fingerprint:sha-256 ${fp}\\r$`, 'm'));
  assert.match(sdp, /^a=candidate:1 1 udp 2130706431 203\.0\.113\.5 4000 typ host\r$/m);
  assert.match(sdp, /^a=end-of-candidates\r$/m);
  assert.match(sdp, /^a=ice-ufrag:abcd\r$/m);
  const m = parseSdp(sdp).media[0]!;
  assert.equal(m.ice?.lite, true);
  assert.equal(m.dtls?.setup, 'actpass');
});

test('IPv6 addresses are written as IP6', () => {
  const sdp = createOffer({ address: '2001:db8::5', media: [audio] });
  assert.match(sdp, /^o=- \d+ 1 IN IP6 2001:db8::5\r$/m);
  assert.match(sdp, /^c=IN IP6 2001:db8::5\r$/m);
});

test('hold re-offer: same session id, next version, a=sendonly, detected as hold', () => {
  const first = createOfferDescription({ address: '192.0.2.10', media: [audio] });
  assert.match(first.origin.sessionId, /^\d+$/);
  assert.ok(Number(first.origin.sessionId) < 2 ** 53);
  const hold = createOffer({
    address: '192.0.2.10',
    origin: { sessionId: first.origin.sessionId, sessionVersion: first.origin.sessionVersion + 1 },
    media: [{ ...audio, direction: holdDirection('sendrecv') }],
  });
  assert.match(hold, new RegExp(`^o=- ${first.origin.sessionId} 2 IN IP4 192\\.0\\.2\\.10\\r$`, 'm'));
  assert.match(hold, /^a=sendonly\r$/m);
  assert.equal(isHold(hold), true);
});
