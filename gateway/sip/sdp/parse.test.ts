/**
 * The SDP model from real offers: Chrome (ICE, DTLS, rtcp-mux, extmap, ssrc, BUNDLE), baresip
 * (carried attributes), sipp (static payload type), SDES a=crypto; write → parse round trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCrypto, parseCrypto } from './crypto.ts';
import { SdpParseError } from './errors.ts';
import { fixture } from './fixtures/index.ts';
import { telephoneEvents } from './negotiated.ts';
import { parseSdp } from './parse.ts';
import { writeSdp } from './write.ts';

test('Chrome offer: codecs, telephone-events, ICE, DTLS, mux, extmap, ssrc, mid, BUNDLE', () => {
  const s = parseSdp(fixture('chrome-offer'));
  assert.deepEqual(s.origin, {
    username: '-',
    sessionId: '8403615332048243445', // beyond 2^53: kept exact as text
    sessionVersion: 2,
    address: '127.0.0.1',
  });
  assert.deepEqual(s.groups, [{ semantics: 'BUNDLE', mids: ['0', '1'] }]);
  assert.ok(s.otherAttributes.includes('extmap-allow-mixed'));
  assert.ok(s.otherAttributes.some((a) => a.startsWith('msid-semantic:')));
  assert.equal(s.media.length, 2);

  const audio = s.media[0]!;
  assert.equal(audio.media, 'audio');
  assert.equal(audio.port, 50174);
  assert.equal(audio.protocol, 'UDP/TLS/RTP/SAVPF');
  assert.equal(audio.address, '192.168.1.20'); // from the media-level c=
  assert.deepEqual(audio.formats, ['111', '63', '9', '0', '8', '13', '110', '126']);
  assert.deepEqual(audio.codecs[0], {
    pt: 111,
    name: 'opus',
    clockRate: 48000,
    channels: 2,
    fmtp: 'minptime=10;useinbandfec=1',
    rtcpFb: ['transport-cc'],
  });
  assert.deepEqual(audio.codecs[1], { pt: 63, name: 'red', clockRate: 48000, channels: 2, fmtp: '111/111' });
  assert.deepEqual(
    audio.codecs.map((c) => `${c.pt} ${c.name}/${c.clockRate}`),
    ['111 opus/48000', '63 red/48000', '9 G722/8000', '0 PCMU/8000', '8 PCMA/8000', '13 CN/8000',
      '110 telephone-event/48000', '126 telephone-event/8000'],
  );
  assert.deepEqual(telephoneEvents(audio).map((c) => [c.pt, c.clockRate]), [[110, 48000], [126, 8000]]);
  assert.equal(audio.direction, 'sendrecv');
  assert.equal(audio.rtcpMux, true);
  assert.equal(audio.rtcpRsize, true);
  assert.deepEqual(audio.rtcp, { port: 9, address: '0.0.0.0' });
  assert.equal(audio.mid, '0');
  assert.equal(audio.msid, '6f1a2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b 0e9f8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f');
  assert.deepEqual(audio.extmaps[0], { id: 1, uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level' });
  assert.equal(audio.extmaps.length, 4);
  assert.deepEqual(audio.ssrcs[0], { id: 2915462931, attribute: 'cname', value: 'q3Wb7bXkQ1cR2zYx' });

  assert.ok(audio.ice);
  assert.equal(audio.ice.ufrag, 'Xk3J');
  assert.equal(audio.ice.pwd, '4rV9cS2m8kL1pQ7wZ0yT6bNd');
  assert.equal(audio.ice.options, 'trickle');
  assert.equal(audio.ice.lite, false);
  assert.equal(audio.ice.endOfCandidates, false);
  assert.equal(audio.ice.candidates.length, 3);
  assert.deepEqual(audio.ice.candidates[1], {
    foundation: '1606961068',
    component: 1,
    transport: 'udp',
    priority: 1686052607,
    address: '203.0.113.7',
    port: 50174,
    type: 'srflx',
    relatedAddress: '192.168.1.20',
    relatedPort: 50174,
    generation: 0,
  });
  assert.equal(audio.ice.candidates[2]!.tcpType, 'active');
  assert.deepEqual(audio.dtls, {
    fingerprintAlgorithm: 'sha-256',
    fingerprint:
      '46:7D:18:69:2B:BA:4F:BD:39:5F:BD:59:90:6A:A3:F5:C3:69:4D:E7:17:A1:C0:B1:A9:C2:F4:F2:0C:BD:30:75',
    setup: 'actpass',
  });

  const video = s.media[1]!;
  assert.equal(video.media, 'video');
  assert.equal(video.mid, '1');
  assert.deepEqual(video.codecs[0]!.rtcpFb, ['goog-remb', 'transport-cc', 'ccm fir', 'nack', 'nack pli']);
  assert.deepEqual(video.ssrcGroups, [{ semantics: 'FID', ssrcs: '1822594712 3376392512' }]);
  assert.equal(video.ice?.candidates.length, 0); // BUNDLE: candidates only on the first m-line
});

test('baresip offer: session c=, bandwidth, ptime, unknown attributes carried verbatim', () => {
  const s = parseSdp(fixture('baresip-offer'));
  assert.equal(s.address, '192.168.1.50');
  assert.equal(s.origin.sessionVersion, 4116946395);
  assert.deepEqual(s.otherAttributes, ['tool:baresip 3.10.1']);
  const a = s.media[0]!;
  assert.equal(a.address, '192.168.1.50'); // inherited from the session
  assert.equal(a.protocol, 'RTP/AVP');
  assert.equal(a.ptime, 20);
  assert.equal(a.rtcpMux, false);
  assert.equal(a.ice, undefined);
  assert.equal(a.dtls, undefined);
  assert.deepEqual(a.bandwidth, [{ type: 'AS', limit: 128 }]);
  assert.deepEqual(a.otherAttributes, ['label:1']);
  assert.deepEqual(a.codecs[3], { pt: 96, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'stereo=1;sprop-stereo=1' });
  assert.deepEqual(a.codecs[4], { pt: 101, name: 'telephone-event', clockRate: 8000, channels: 1, fmtp: '0-15' });
});

test('static payload types need no rtpmap (RFC 3551)', () => {
  const sdp = fixture('sipp-offer').replace('m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n', 'm=audio 6000 RTP/AVP 0 8 9 18\r\n');
  const a = parseSdp(sdp).media[0]!;
  assert.deepEqual(
    a.codecs.map((c) => [c.pt, c.name, c.clockRate, c.channels]),
    [[0, 'PCMU', 8000, 1], [8, 'PCMA', 8000, 1], [9, 'G722', 8000, 1], [18, 'G729', 8000, 1]],
  );
});

test('a dynamic payload type without rtpmap is listed in formats but has no codec', () => {
  const sdp = fixture('sipp-offer').replace('RTP/AVP 0', 'RTP/AVP 0 97');
  const a = parseSdp(sdp).media[0]!;
  assert.deepEqual(a.formats, ['0', '97']);
  assert.deepEqual(a.codecs.map((c) => c.pt), [0]);
});

test('SDES offer: every a=crypto line with key params, lifetime, MKI and all session params', () => {
  const a = parseSdp(fixture('sdes-offer')).media[0]!;
  assert.equal(a.protocol, 'RTP/SAVP');
  assert.equal(a.maxptime, 150);
  assert.deepEqual(a.crypto, [
    {
      tag: 1,
      suite: 'AES_CM_128_HMAC_SHA1_80',
      keys: [{ method: 'inline', keySalt: 'xyq+p5y8EaDN/qh3ajMnVVXkTE/XI9+ols5ih2Wf', lifetime: '2^31' }],
      sessionParams: ['UNENCRYPTED_SRTCP', 'KDR=1'],
    },
    {
      tag: 2,
      suite: 'AES_CM_128_HMAC_SHA1_80',
      keys: [
        {
          method: 'inline',
          keySalt: 'PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR',
          lifetime: '2^20',
          mki: { value: 1, length: 32 },
        },
      ],
      sessionParams: [],
    },
    {
      tag: 3,
      suite: 'AES_CM_128_HMAC_SHA1_32',
      keys: [
        {
          method: 'inline',
          keySalt: 'NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj',
          lifetime: '2^20',
          mki: { value: 1, length: 32 },
        },
      ],
      sessionParams: [],
    },
  ]);
});

test('a=crypto format/parse round trip, several keys', () => {
  const value = '7 AES_256_CM_HMAC_SHA1_80 inline:AAAA|2^48|2:4;inline:BBBB|3:4 UNENCRYPTED_SRTP';
  const c = parseCrypto(value)!;
  assert.equal(c.keys.length, 2);
  assert.deepEqual(c.keys[1], { method: 'inline', keySalt: 'BBBB', mki: { value: 3, length: 4 } });
  assert.equal(formatCrypto(c), value);
  assert.equal(parseCrypto('x AES_CM_128_HMAC_SHA1_80 inline:AAAA'), undefined);
  assert.equal(parseCrypto('1 AES_CM_128_HMAC_SHA1_80'), undefined);
});

for (const name of ['chrome-offer', 'baresip-offer', 'sipp-offer', 'legacy-hold', 'sdes-offer', 'baresip-hold'] as const) {
  test(`${name}: write → parse gives the same model`, () => {
    const model = parseSdp(fixture(name));
    const text = writeSdp(model);
    assert.match(text, /^v=0\r\no=/);
    assert.ok(text.endsWith('\r\n'));
    const again = parseSdp(text);
    // writeSdp puts a shared c= at session level even when the original had it per m-line.
    const { address: _a, ...rest } = again;
    const { address: _b, ...orig } = model;
    assert.deepEqual(rest, orig);
  });
}

test('SDP without o= is a parse error carrying 400', () => {
  assert.throws(
    () => parseSdp('v=0\r\ns=-\r\nt=0 0\r\n'),
    (e: unknown) => e instanceof SdpParseError && e.sipStatus === 400,
  );
});
