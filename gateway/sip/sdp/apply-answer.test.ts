/**
 * applyAnswer from the offerer's side: hand-written answers as SIP peers send them (a=rtcp, PT
 * echo, recvonly to our hold), full offer → answer → apply loops for SDES and DTLS, and the
 * answers that must be refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAnswer } from './answer.ts';
import { applyAnswer } from './apply-answer.ts';
import { SdpNegotiationError } from './errors.ts';
import { createOffer, createOfferDescription, makeCryptoOffer, type MediaOffer } from './offer.ts';

const audio: MediaOffer = {
  port: 4000,
  codecs: [
    { name: 'opus', clockRate: 48000 },
    { name: 'PCMU', clockRate: 8000 },
    { name: 'PCMA', clockRate: 8000 },
  ],
};
const offer = createOffer({ address: '192.0.2.10', origin: { sessionId: '1' }, media: [audio] });

test('a PBX answer: PCMU + telephone-event 101, RTCP on a=rtcp port', () => {
  const answer = [
    'v=0',
    'o=root 1826 1826 IN IP4 203.0.113.9',
    's=Asterisk PBX',
    'c=IN IP4 203.0.113.9',
    't=0 0',
    'm=audio 12000 RTP/AVP 0 101',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=rtcp:12005',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
  const [m] = applyAnswer(offer, answer);
  assert.ok(m);
  assert.equal(m.accepted, true);
  assert.equal(m.direction, 'sendrecv');
  assert.deepEqual(m.codec, { pt: 0, name: 'PCMU', clockRate: 8000, channels: 1 });
  assert.deepEqual(m.telephoneEvent, { pt: 101, name: 'telephone-event', clockRate: 8000, channels: 1, fmtp: '0-16' });
  assert.equal(m.codecs.length, 2);
  assert.deepEqual(m.remote, {
    address: '203.0.113.9',
    port: 12000,
    rtcpAddress: '203.0.113.9',
    rtcpPort: 12005,
    ptime: 20,
    ssrcs: [],
  });
  assert.deepEqual(m.local, { address: '192.0.2.10', port: 4000 });
  assert.equal(m.rtcpMux, false);
  assert.equal(m.srtp, undefined);
});

test('loop with our own answerer: opus chosen, telephone-event at 48000', () => {
  const a = createAnswer(offer, {
    address: '198.51.100.7',
    media: { audio: { port: 5000, codecs: [{ name: 'opus', clockRate: 48000 }] } },
  });
  const [m] = applyAnswer(offer, a.sdp);
  assert.equal(m!.codec?.name, 'opus');
  assert.equal(m!.codec?.pt, 96);
  assert.equal(m!.telephoneEvent?.clockRate, 48000);
  assert.equal(m!.remote.address, '198.51.100.7');
  assert.equal(m!.remote.rtcpPort, 5001);
});

test('our hold offer (sendonly) answered recvonly → we send only; inactive answer → inactive', () => {
  const hold = createOffer({ address: '192.0.2.10', origin: { sessionId: '1', sessionVersion: 2 }, media: [{ ...audio, direction: 'sendonly' }] });
  const answer = createAnswer(hold, { address: '198.51.100.7', media: { audio: { port: 5000, codecs: [{ name: 'PCMU', clockRate: 8000 }] } } });
  assert.match(answer.sdp, /^a=recvonly\r$/m);
  assert.equal(applyAnswer(hold, answer.sdp)[0]!.direction, 'sendonly');
  const inactive = answer.sdp.replace('a=recvonly', 'a=inactive');
  assert.equal(applyAnswer(hold, inactive)[0]!.direction, 'inactive');
});

test('SDES loop: the answer picks one of our tags; keys paired for encrypt/decrypt', () => {
  const description = createOfferDescription({ address: '192.0.2.10', media: [{ ...audio, crypto: makeCryptoOffer() }] });
  const answer = createAnswer(description, {
    address: '198.51.100.7',
    media: { audio: { port: 5000, codecs: [{ name: 'PCMA', clockRate: 8000 }], srtp: { suites: ['AES_CM_128_HMAC_SHA1_32'] } } },
  });
  const [m] = applyAnswer(description, answer.sdp);
  assert.equal(m!.protocol, 'RTP/SAVP');
  assert.equal(m!.srtp?.suite, 'AES_CM_128_HMAC_SHA1_32');
  assert.equal(m!.srtp?.local.tag, 2);
  assert.equal(m!.srtp?.local.keys[0]!.keySalt, description.media[0]!.crypto[1]!.keys[0]!.keySalt);
  assert.equal(m!.srtp?.remote.keys[0]!.keySalt, answer.media[0]!.srtp!.local.keys[0]!.keySalt);
  // The answerer's view mirrors ours.
  assert.equal(answer.media[0]!.srtp?.remote.keys[0]!.keySalt, m!.srtp?.local.keys[0]!.keySalt);
});

test('DTLS loop: answerer active → we are the DTLS server; passive → client', () => {
  const fp = 'AB:'.repeat(31) + 'AB';
  const description = createOfferDescription({
    address: '192.0.2.10',
    media: [{ ...audio, dtls: { fingerprintAlgorithm: 'sha-256', fingerprint: fp, setup: 'actpass' }, ice: { ufrag: 'u1', pwd: 'p1p1p1p1p1p1p1p1p1p1p1' } }],
  });
  const caps = (setup: 'active' | 'passive') => ({
    address: '198.51.100.7',
    media: {
      audio: {
        port: 5000,
        codecs: [{ name: 'PCMU', clockRate: 8000 }],
        dtls: { fingerprintAlgorithm: 'sha-256', fingerprint: 'CD:'.repeat(31) + 'CD', setup },
        ice: { ufrag: 'u2', pwd: 'p2p2p2p2p2p2p2p2p2p2p2' },
      },
    },
  });
  const active = createAnswer(description, caps('active'));
  assert.equal(active.media[0]!.dtls?.role, 'client');
  const [m] = applyAnswer(description, active.sdp);
  assert.equal(m!.dtls?.role, 'server');
  assert.equal(m!.dtls?.remoteFingerprint.value, 'CD:'.repeat(31) + 'CD');
  assert.equal(m!.rtcpMux, true);
  assert.equal(m!.remote.rtcpPort, 5000);
  assert.equal(m!.remote.ice?.ufrag, 'u2');
  assert.equal(applyAnswer(description, createAnswer(description, caps('passive')).sdp)[0]!.dtls?.role, 'client');
});

function refuses(fn: () => unknown, reason: string): void {
  assert.throws(fn, (e: unknown) => e instanceof SdpNegotiationError && e.sipStatus === 488 && e.reason === reason);
}

test('answers that do not fit are refused', () => {
  const good = createAnswer(offer, { address: '198.51.100.7', media: { audio: { port: 5000, codecs: [{ name: 'PCMU', clockRate: 8000 }] } } }).sdp;
  refuses(() => applyAnswer(offer, good + 'm=video 0 RTP/AVP 96\r\n'), 'answer-mismatch');
  refuses(() => applyAnswer(offer, good.replace('m=audio 5000', 'm=audio 0')), 'no-common-media');
  refuses(() => applyAnswer(offer, good.replace('m=audio', 'm=video')), 'answer-mismatch');
  const sdes = createOfferDescription({ address: '192.0.2.10', media: [{ ...audio, crypto: makeCryptoOffer() }] });
  const bogus = good.replace('RTP/AVP', 'RTP/SAVP').replace('a=sendrecv', 'a=sendrecv\r\na=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR');
  refuses(() => applyAnswer(sdes, bogus), 'answer-mismatch');
});
