/**
 * createAnswer against real offers, checked field by field: Chrome (DTLS/ICE, video rejected),
 * baresip (codec order, telephone-event rate matching), sipp (PCMU only, 488), hold re-INVITEs,
 * SDES crypto selection, m-line count and order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAnswer, type AnswerCapabilities, type MediaCapabilities } from './answer.ts';
import { isValidSdesKey } from './crypto.ts';
import { SdpNegotiationError } from './errors.ts';
import { fixture } from './fixtures/index.ts';
import { parseSdp } from './parse.ts';

const FP = 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99';

const webrtcAudio: MediaCapabilities = {
  port: 40000,
  codecs: [
    { name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' },
    { name: 'PCMU', clockRate: 8000 },
  ],
  ice: {
    ufrag: 'pbx1',
    pwd: 'pwd-abcdefghijklmnopqrstuv',
    lite: true,
    candidates: [
      { foundation: '1', component: 1, transport: 'udp', priority: 2130706431, address: '198.51.100.1', port: 40000, type: 'host' },
    ],
  },
  dtls: { fingerprintAlgorithm: 'sha-256', fingerprint: FP },
  extmaps: ['urn:ietf:params:rtp-hdrext:sdes:mid'],
  ssrcs: [{ id: 12345678, attribute: 'cname', value: 'patchbay' }],
};

function local(audio: MediaCapabilities, extra: Partial<AnswerCapabilities> = {}): AnswerCapabilities {
  return { address: '198.51.100.1', origin: { sessionId: '4242', sessionVersion: 1 }, media: { audio }, ...extra };
}

function rejectsWith488(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SdpNegotiationError);
    assert.equal(e.sipStatus, 488);
    assert.equal(e.reason, 'no-common-media');
    return true;
  });
}

test('Chrome offer: audio answered over DTLS/ICE, video rejected with port 0, order kept', () => {
  const { sdp, description, media } = createAnswer(fixture('chrome-offer'), local(webrtcAudio));
  assert.equal(description.media.length, 2);

  const audio = description.media[0]!;
  assert.equal(audio.media, 'audio');
  assert.equal(audio.port, 40000);
  assert.equal(audio.protocol, 'UDP/TLS/RTP/SAVPF');
  assert.equal(audio.address, '198.51.100.1');
  assert.deepEqual(audio.formats, ['111', '0', '110', '126']);
  assert.deepEqual(audio.codecs, [
    { pt: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' },
    { pt: 0, name: 'PCMU', clockRate: 8000, channels: 1 },
    { pt: 110, name: 'telephone-event', clockRate: 48000, channels: 1 },
    { pt: 126, name: 'telephone-event', clockRate: 8000, channels: 1 },
  ]);
  assert.equal(audio.direction, 'sendrecv');
  assert.equal(audio.rtcpMux, true);
  assert.equal(audio.mid, '0');
  assert.deepEqual(audio.dtls, { fingerprintAlgorithm: 'sha-256', fingerprint: FP, setup: 'active' });
  assert.equal(audio.ice?.ufrag, 'pbx1');
  assert.equal(audio.ice?.lite, true);
  assert.equal(audio.ice?.endOfCandidates, true);
  assert.deepEqual(audio.extmaps, [{ id: 4, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' }]);
  assert.deepEqual(audio.crypto, []);

  const video = description.media[1]!;
  assert.equal(video.media, 'video');
  assert.equal(video.port, 0);
  assert.equal(video.protocol, 'UDP/TLS/RTP/SAVPF');
  assert.deepEqual(video.formats, ['96', '97', '102', '103']);
  assert.equal(video.mid, '1');

  // The text itself, as Chrome will read it.
  assert.match(sdp, /^o=- 4242 1 IN IP4 198\.51\.100\.1\r$/m);
  assert.match(sdp, /^c=IN IP4 198\.51\.100\.1\r$/m);
  assert.match(sdp, /^a=ice-lite\r$/m);
  assert.match(sdp, /^m=audio 40000 UDP\/TLS\/RTP\/SAVPF 111 0 110 126\r$/m);
  assert.match(sdp, /^m=video 0 UDP\/TLS\/RTP\/SAVPF 96 97 102 103\r$/m);
  assert.match(sdp, /^a=setup:active\r$/m);
  assert.match(sdp, /^a=rtcp-mux\r$/m);
  assert.match(sdp, /^a=end-of-candidates\r$/m);
  assert.doesNotMatch(sdp, /a=group:/); // bundle not requested
  assert.doesNotMatch(sdp, /rtcp-fb|a=extmap:1 /); // nothing we did not agree to

  const [na, nv] = media;
  assert.ok(na && nv);
  assert.equal(na.accepted, true);
  assert.equal(na.codec?.pt, 111);
  assert.equal(na.codec?.name, 'opus');
  assert.deepEqual(na.telephoneEvent, { pt: 110, name: 'telephone-event', clockRate: 48000, channels: 1 });
  assert.equal(na.direction, 'sendrecv');
  assert.equal(na.rtcpMux, true);
  assert.equal(na.remote.address, '192.168.1.20');
  assert.equal(na.remote.port, 50174);
  assert.equal(na.remote.rtcpPort, 50174); // muxed: a=rtcp:9 is ignored
  assert.equal(na.remote.ice?.ufrag, 'Xk3J');
  assert.equal(na.remote.ice?.candidates.length, 3);
  assert.deepEqual(na.remote.ssrcs, [2915462931]);
  assert.deepEqual(na.local, { address: '198.51.100.1', port: 40000 });
  assert.equal(na.dtls?.role, 'client');
  assert.equal(na.dtls?.remoteFingerprint.algorithm, 'sha-256');
  assert.equal(na.srtp, undefined);
  assert.equal(nv.accepted, false);
  assert.equal(nv.mid, '1');

  // And it parses back to the same thing.
  assert.deepEqual(parseSdp(sdp).media[0]!.codecs, audio.codecs);
});

test('Chrome offer with bundle: a=group:BUNDLE lists only the accepted mid', () => {
  const { sdp } = createAnswer(fixture('chrome-offer'), local(webrtcAudio, { bundle: true }));
  assert.match(sdp, /^a=group:BUNDLE 0\r$/m);
});

test('maxCodecs 1 answers one codec and the telephone-event at its clock rate', () => {
  const { description, media } = createAnswer(fixture('chrome-offer'), local(webrtcAudio, { maxCodecs: 1 }));
  assert.deepEqual(description.media[0]!.formats, ['111', '110']);
  assert.equal(media[0]!.telephoneEvent?.clockRate, 48000);
});

test('codecOrder local: our preference order, offer payload types', () => {
  const caps = { ...webrtcAudio, codecs: [{ name: 'PCMU', clockRate: 8000 }, ...webrtcAudio.codecs.slice(0, 1)] };
  const { description, media } = createAnswer(fixture('chrome-offer'), local(caps, { codecOrder: 'local' }));
  assert.deepEqual(description.media[0]!.formats, ['0', '111', '126', '110']);
  assert.equal(media[0]!.codec?.name, 'PCMU');
  assert.equal(media[0]!.telephoneEvent?.pt, 126); // 8000 Hz, like PCMU
});

test('Chrome offer without DTLS capability: nothing answerable → 488', () => {
  const { dtls: _dtls, ...noDtls } = webrtcAudio;
  rejectsWith488(() => createAnswer(fixture('chrome-offer'), local(noDtls)));
});

const sipAudio: MediaCapabilities = {
  port: 30000,
  codecs: [
    { name: 'PCMA', clockRate: 8000 },
    { name: 'PCMU', clockRate: 8000 },
    { name: 'G722', clockRate: 8000 },
  ],
  ptime: 20,
};

test('baresip offer: offerer order, telephone-event 101, RTP/AVP, rtcp on port+1', () => {
  const { sdp, description, media } = createAnswer(fixture('baresip-offer'), local(sipAudio));
  const a = description.media[0]!;
  assert.equal(a.protocol, 'RTP/AVP');
  assert.equal(a.port, 30000);
  assert.deepEqual(a.formats, ['0', '8', '9', '101']);
  assert.deepEqual(a.codecs[3], { pt: 101, name: 'telephone-event', clockRate: 8000, channels: 1, fmtp: '0-15' });
  assert.equal(a.ptime, 20);
  assert.equal(a.rtcpMux, false);
  assert.equal(a.ice, undefined);
  assert.equal(a.dtls, undefined);
  assert.deepEqual(a.otherAttributes, []); // a=label / a=tool of the offer are not echoed
  assert.match(sdp, /^m=audio 30000 RTP\/AVP 0 8 9 101\r$/m);
  assert.match(sdp, /^a=rtpmap:9 G722\/8000\r$/m);
  assert.match(sdp, /^a=fmtp:101 0-15\r$/m);
  assert.match(sdp, /^a=sendrecv\r$/m);
  assert.doesNotMatch(sdp, /a=tool|a=label|a=ssrc|b=AS/);

  const n = media[0]!;
  assert.equal(n.codec?.name, 'PCMU');
  assert.equal(n.codec?.pt, 0);
  assert.equal(n.telephoneEvent?.pt, 101);
  assert.deepEqual(
    { address: n.remote.address, port: n.remote.port, rtcpAddress: n.remote.rtcpAddress, rtcpPort: n.remote.rtcpPort, ptime: n.remote.ptime },
    { address: '192.168.1.50', port: 10826, rtcpAddress: '192.168.1.50', rtcpPort: 10827, ptime: 20 },
  );
  assert.deepEqual(n.remote.ssrcs, [1720893386]);
});

test('baresip offer answered with opus only: PT 96 from the offer, telephone-event falls back to 8000', () => {
  const caps: MediaCapabilities = { port: 30000, codecs: [{ name: 'opus', clockRate: 48000 }] };
  const { description, media } = createAnswer(fixture('baresip-offer'), local(caps));
  const a = description.media[0]!;
  assert.deepEqual(a.formats, ['96', '101']);
  assert.deepEqual(a.codecs[0], { pt: 96, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'stereo=1;sprop-stereo=1' });
  assert.equal(media[0]!.telephoneEvent?.clockRate, 8000);

  const ours = { ...caps, codecs: [{ name: 'OPUS', clockRate: 48000, fmtp: 'useinbandfec=1' }] };
  assert.equal(createAnswer(fixture('baresip-offer'), local(ours)).description.media[0]!.codecs[0]!.fmtp, 'useinbandfec=1');
});

test('telephone-event can be refused', () => {
  const { description } = createAnswer(fixture('baresip-offer'), local({ ...sipAudio, telephoneEvent: false }));
  assert.deepEqual(description.media[0]!.formats, ['0', '8', '9']);
});

test('sipp offer: PCMU only, no telephone-event', () => {
  const caps: MediaCapabilities = { port: 30002, codecs: [{ name: 'opus', clockRate: 48000 }, { name: 'PCMU', clockRate: 8000 }] };
  const { sdp, media } = createAnswer(fixture('sipp-offer'), local(caps));
  assert.match(sdp, /^m=audio 30002 RTP\/AVP 0\r$/m);
  assert.match(sdp, /^a=rtpmap:0 PCMU\/8000\r$/m);
  assert.equal(media[0]!.telephoneEvent, undefined);
  assert.equal(media[0]!.remote.address, '127.0.0.1');
  assert.equal(media[0]!.remote.port, 6000);
});

test('sipp offer without a common codec → SdpNegotiationError 488', () => {
  rejectsWith488(() => createAnswer(fixture('sipp-offer'), local({ port: 1, codecs: [{ name: 'G722', clockRate: 8000 }] })));
  rejectsWith488(() => createAnswer(fixture('sipp-offer'), { address: '198.51.100.1', media: {} }));
});

test('hold re-INVITE (a=sendonly) → recvonly; our own hold too → inactive', () => {
  const { sdp, media } = createAnswer(fixture('baresip-hold'), local(sipAudio));
  assert.match(sdp, /^a=recvonly\r$/m);
  assert.equal(media[0]!.direction, 'recvonly');
  const both = createAnswer(fixture('baresip-hold'), local({ ...sipAudio, direction: 'sendonly' }));
  assert.equal(both.media[0]!.direction, 'inactive');
});

test('legacy hold (c=0.0.0.0) → recvonly; a=inactive → inactive; a=recvonly → sendonly', () => {
  const legacy = createAnswer(fixture('legacy-hold'), local(sipAudio));
  assert.equal(legacy.media[0]!.direction, 'recvonly');
  assert.equal(legacy.media[0]!.remote.address, '0.0.0.0');
  const base = fixture('sipp-offer');
  const inactive = createAnswer(base.replace('a=rtpmap:0 PCMU/8000\r\n', 'a=rtpmap:0 PCMU/8000\r\na=inactive\r\n'), local(sipAudio));
  assert.equal(inactive.description.media[0]!.direction, 'inactive');
  const recvonly = createAnswer(base.replace('a=rtpmap:0 PCMU/8000\r\n', 'a=rtpmap:0 PCMU/8000\r\na=recvonly\r\n'), local(sipAudio));
  assert.equal(recvonly.description.media[0]!.direction, 'sendonly');
});

test('SDES offer: first acceptable crypto line (session params skipped), our key under its tag', () => {
  const caps: MediaCapabilities = { ...sipAudio, srtp: {} };
  const { sdp, description, media } = createAnswer(fixture('sdes-offer'), local(caps));
  const a = description.media[0]!;
  assert.equal(a.protocol, 'RTP/SAVP');
  assert.equal(a.crypto.length, 1);
  const c = a.crypto[0]!;
  assert.equal(c.tag, 2);
  assert.equal(c.suite, 'AES_CM_128_HMAC_SHA1_80');
  assert.equal(c.keys.length, 1);
  assert.ok(isValidSdesKey(c.suite, c.keys[0]!.keySalt));
  assert.notEqual(c.keys[0]!.keySalt, 'PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR');
  assert.deepEqual(c.sessionParams, []);
  assert.match(sdp, new RegExp(`^a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${c.keys[0]!.keySalt.replace(/[+/]/g, '\\$&')}\\r$`, 'm'));
  assert.equal(sdp.match(/a=crypto/g)?.length, 1);

  const n = media[0]!;
  assert.equal(n.srtp?.suite, 'AES_CM_128_HMAC_SHA1_80');
  assert.equal(n.srtp?.local, c);
  assert.equal(n.srtp?.remote.tag, 2);
  assert.equal(n.srtp?.remote.keys[0]!.keySalt, 'PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR');
  assert.deepEqual(a.formats, ['0', '8', '9', '101']);
});

test('SDES offer: suite preference and a given key; no SRTP capability → 488', () => {
  const key = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';
  const caps: MediaCapabilities = { ...sipAudio, srtp: { suites: ['AES_CM_128_HMAC_SHA1_32'], keys: { AES_CM_128_HMAC_SHA1_32: key } } };
  const { description } = createAnswer(fixture('sdes-offer'), local(caps));
  assert.deepEqual(description.media[0]!.crypto, [
    { tag: 3, suite: 'AES_CM_128_HMAC_SHA1_32', keys: [{ method: 'inline', keySalt: key }], sessionParams: [] },
  ]);
  rejectsWith488(() => createAnswer(fixture('sdes-offer'), local(sipAudio)));
});

test('m-line count and order kept: a second audio m-line and a port-0 m-line are rejected', () => {
  const offer = fixture('sipp-offer') + 'm=audio 6002 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\nm=audio 0 RTP/AVP 8\r\n';
  const { description, media } = createAnswer(offer, local(sipAudio));
  assert.deepEqual(description.media.map((m) => m.port), [30000, 0, 0]);
  assert.deepEqual(description.media.map((m) => m.formats.join(' ')), ['0', '0', '8']);
  assert.deepEqual(media.map((m) => m.accepted), [true, false, false]);
});

test('select() decides per m-line', () => {
  const offer = fixture('sipp-offer') + 'm=audio 6002 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
  const { description } = createAnswer(offer, {
    address: '198.51.100.1',
    select: (m, i) => (i === 1 ? { port: 31000, codecs: [{ name: 'PCMU', clockRate: 8000 }] } : undefined),
  });
  assert.deepEqual(description.media.map((m) => m.port), [0, 31000]);
});

test('fmtp-sensitive matching: H.264 packetization-mode must agree', () => {
  const video: MediaCapabilities = { port: 32000, codecs: [{ name: 'H264', clockRate: 90000, fmtp: 'packetization-mode=0' }] };
  const offer = fixture('sipp-offer') + 'm=video 6004 RTP/AVP 102\r\na=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1;profile-level-id=42001f\r\n';
  const caps = { address: '198.51.100.1', media: { audio: sipAudio, video } };
  assert.equal(createAnswer(offer, caps).media[1]!.accepted, false);
  const mode1 = { ...video, codecs: [{ name: 'H264', clockRate: 90000, fmtp: 'packetization-mode=1' }] };
  assert.equal(createAnswer(offer, { ...caps, media: { audio: sipAudio, video: mode1 } }).media[1]!.accepted, true);
});
