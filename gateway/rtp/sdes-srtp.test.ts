/**
 * From offer/answer results to RtpLeg input: a=crypto pairs to SDES keys (suites, session
 * parameters, refusals) and a NegotiatedMedia to an RtpLegRemote.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSdesKey, type NegotiatedMedia, type SdpCrypto } from '../sip/sdp/index.ts';
import { RtpError } from './errors.ts';
import { rtpRemoteFromNegotiated, srtpFromCrypto } from './sdes-srtp.ts';

const crypto = (suite: string, params: string[] = [], keySalt = generateSdesKey('AES_CM_128_HMAC_SHA1_80')): SdpCrypto => ({
  tag: 1,
  suite,
  keys: [{ method: 'inline', keySalt }],
  sessionParams: params,
});

describe('srtpFromCrypto', () => {
  it('takes our key to encrypt and the peer’s to decrypt, with session parameters', () => {
    const ours = crypto('AES_CM_128_HMAC_SHA1_32');
    const theirs = crypto('AES_CM_128_HMAC_SHA1_32', ['UNENCRYPTED_SRTCP']);
    const s = srtpFromCrypto(ours, theirs);
    assert.equal(s.suite, 'AES_CM_128_HMAC_SHA1_32');
    assert.equal(s.localKey, ours.keys[0]!.keySalt);
    assert.equal(s.remoteKey, theirs.keys[0]!.keySalt);
    assert.equal(s.unencryptedSrtcp, true);
    assert.equal(s.unencryptedSrtp, false);
  });

  it('refuses what it cannot do', () => {
    const bad = (a: SdpCrypto, b: SdpCrypto) => assert.throws(() => srtpFromCrypto(a, b), (e: unknown) => e instanceof RtpError && e.code === 'bad-options');
    bad(crypto('AEAD_AES_128_GCM'), crypto('AEAD_AES_128_GCM'));
    bad(crypto('AES_CM_128_HMAC_SHA1_80'), crypto('AES_CM_128_HMAC_SHA1_32'));
    bad(crypto('AES_CM_128_HMAC_SHA1_80'), crypto('AES_CM_128_HMAC_SHA1_80', [], 'c2hvcnQ='));
    bad(crypto('AES_CM_128_HMAC_SHA1_80', ['UNAUTHENTICATED_SRTP']), crypto('AES_CM_128_HMAC_SHA1_80'));
  });
});

describe('rtpRemoteFromNegotiated', () => {
  it('maps an accepted m-line', () => {
    const media: NegotiatedMedia = {
      index: 0,
      media: 'audio',
      accepted: true,
      protocol: 'RTP/SAVP',
      direction: 'recvonly',
      codec: { pt: 8, name: 'PCMA', clockRate: 8000, channels: 1 },
      codecs: [],
      telephoneEvent: { pt: 101, name: 'telephone-event', clockRate: 8000, channels: 1 },
      local: { address: '127.0.0.1', port: 20000 },
      remote: { address: '192.0.2.10', port: 30000, rtcpAddress: '192.0.2.10', rtcpPort: 30001, ssrcs: [1234] },
      rtcpMux: false,
      srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', local: crypto('AES_CM_128_HMAC_SHA1_80'), remote: crypto('AES_CM_128_HMAC_SHA1_80') },
    };
    const r = rtpRemoteFromNegotiated(media);
    assert.deepEqual(
      { ...r, srtp: undefined },
      {
        address: '192.0.2.10',
        port: 30000,
        rtcpAddress: '192.0.2.10',
        rtcpPort: 30001,
        rtcpMux: false,
        direction: 'recvonly',
        codec: { payloadType: 8, codec: 'PCMA', clockRate: 8000, telephoneEventPt: 101, telephoneEventClockRate: 8000 },
        ssrc: 1234,
        srtp: undefined,
      },
    );
    assert.equal(r.srtp?.suite, 'AES_CM_128_HMAC_SHA1_80');
    assert.throws(() => rtpRemoteFromNegotiated({ ...media, accepted: false }), RtpError);
    assert.throws(() => rtpRemoteFromNegotiated({ ...media, codec: { pt: 9, name: 'G729', clockRate: 8000, channels: 1 } }), RtpError);
  });
});
