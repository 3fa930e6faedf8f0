/**
 * Per-leg media policy (a peer's `codecs` / `rtp_address`) on real SDP text: the xbridge codec
 * names map to ours; answering a SIP phone's PCMU+PCMA+telephone-event offer under ["alaw"] picks
 * PCMA alone; a PCMU-only offer under ["g722"] is refused with 488 before any port is taken; our
 * offer toward a peer lists only its codecs; a peer's answer with a codec we did not offer is
 * refused; and the peer's rtp_address is what c= and o= advertise while RTP stays bound where the
 * pool binds.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { MediaClock } from '../../../media/index.ts';
import { peerSchema } from '../../config/schema.ts';
import { RtpPortPool } from '../../rtp/index.ts';
import { parseSdp, SdpNegotiationError } from '../../sip/index.ts';
import { fixture } from '../../sip/sdp/fixtures/index.ts';
import { allowedByPolicy, peerMediaPolicy, policyCodec, policyCodecs, policyRefusal } from './media-policy.ts';
import { SessionFactory } from './session-factory.ts';

const clock = new MediaClock();
const ports = new RtpPortPool({ bindAddress: '127.0.0.1' });
after(async () => {
  clock.stop();
  await ports.close();
});

/** A desk phone's offer: PCMU, PCMA and RFC 4733 events. */
const PHONE_OFFER = [
  'v=0',
  'o=- 3924117283 3924117283 IN IP4 192.0.2.10',
  's=phone',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 16384 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

/** The peer's answer to an offer of ours, picking `pt name`. */
function peerAnswer(offer: string, pt: number, name: string): string {
  const o = parseSdp(offer);
  return [
    'v=0',
    'o=peer 1 1 IN IP4 192.0.2.20',
    's=peer',
    'c=IN IP4 192.0.2.20',
    't=0 0',
    `m=audio 20000 ${o.media[0]!.protocol} ${pt} 101`,
    `a=rtpmap:${pt} ${name}/8000`,
    'a=rtpmap:101 telephone-event/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

const payloadTypes = (sdp: string) => parseSdp(sdp).media[0]!.formats;
const rtpmaps = (sdp: string) => parseSdp(sdp).media[0]!.codecs.map((c) => c.name);
const connection = (sdp: string) => /^c=IN IP4 (\S+)$/m.exec(sdp)?.[1];
const originAddress = (sdp: string) => /^o=\S+ \S+ \S+ IN IP4 (\S+)$/m.exec(sdp)?.[1];

describe('media policy: mapping', () => {
  test('xbridge codec names map to ours, case-insensitively; telephone-event is always allowed, not a restriction', () => {
    assert.deepEqual(
      ['ulaw', 'PCMU', 'alaw', 'pcma', 'G722', 'opus', 'telephone-event', 'g729'].map(policyCodec),
      ['PCMU', 'PCMU', 'PCMA', 'PCMA', 'G722', 'opus', 'telephone-event', undefined],
    );
    assert.deepEqual(policyCodecs({ codecs: ['alaw', 'ulaw', 'pcma', 'telephone-event'] }), ['PCMA', 'PCMU']);
    assert.equal(policyCodecs({ codecs: [] }), undefined, 'empty = any');
    assert.equal(policyCodecs({ rtpAddress: '203.0.113.5' }), undefined);
    assert.equal(policyCodecs(undefined), undefined);
    assert.deepEqual(allowedByPolicy(['PCMU', 'PCMA', 'G722', 'opus'], { codecs: ['g722', 'ulaw'] }), ['PCMU', 'G722']);
    assert.deepEqual(allowedByPolicy(['PCMU', 'opus'], undefined), ['PCMU', 'opus']);
  });

  test('peerMediaPolicy reads a peer from the real config schema; nothing to apply → undefined', () => {
    const remote = peerSchema.parse({ name: 'remote-office', host: '198.51.100.7', codecs: ['ulaw'], rtp_address: '203.0.113.5' });
    assert.deepEqual(peerMediaPolicy(remote), { codecs: ['ulaw'], rtpAddress: '203.0.113.5' });
    assert.deepEqual(peerMediaPolicy(peerSchema.parse({ name: 'pbx', host: '192.168.1.10', codecs: ['ulaw', 'alaw'] })), { codecs: ['ulaw', 'alaw'] });
    assert.deepEqual(peerMediaPolicy(peerSchema.parse({ name: 'nat', host: '192.168.1.11', rtp_address: '203.0.113.9' })), { rtpAddress: '203.0.113.9' });
    assert.equal(peerMediaPolicy(peerSchema.parse({ name: 'any', host: '192.168.1.12' })), undefined);
    assert.equal(peerMediaPolicy(undefined), undefined);
  });

  test('policyRefusal: an offer with none of the allowed codecs (for its kind of leg) is a 488', () => {
    assert.equal(policyRefusal(PHONE_OFFER, { codecs: ['alaw'] }), undefined);
    assert.equal(policyRefusal(PHONE_OFFER, undefined), undefined);
    const refusal = policyRefusal(fixture('sipp-offer'), { codecs: ['g722'] });
    assert.ok(refusal instanceof SdpNegotiationError);
    assert.equal(refusal.sipStatus, 488);
    assert.equal(refusal.reason, 'no-common-media');
    assert.match(refusal.message, /G722.*PCMU/);
    // Chrome lists G722, but a browser leg cannot carry it: a g722-only policy refuses a browser.
    assert.ok(policyRefusal(fixture('chrome-offer'), { codecs: ['g722'] }) instanceof SdpNegotiationError);
    assert.equal(policyRefusal(fixture('chrome-offer'), { codecs: ['alaw', 'opus'] }), undefined);
  });
});

describe('media policy: negotiation (SessionFactory + RtpSession)', () => {
  test('answering PCMU+PCMA+telephone-event under ["alaw"]: the answer is PCMA (+ telephone-event) only', async () => {
    const factory = new SessionFactory({ clock, ports });
    // Even with the far leg on PCMU (passthrough would want PCMU), the policy wins.
    const session = await factory.forOffer(PHONE_OFFER, 'PCMU', 'a-test', undefined, { codecs: ['alaw'] });
    const answer = await session.answer(PHONE_OFFER);
    assert.deepEqual(payloadTypes(answer), ['8', '101']);
    assert.deepEqual(rtpmaps(answer), ['PCMA', 'telephone-event']);
    assert.doesNotMatch(answer, /PCMU/);
    assert.equal(session.media.codec?.name, 'PCMA');
    assert.equal(session.media.telephoneEvent, true);

    // A re-offer from the peer keeps the restriction.
    const reoffer = PHONE_OFFER.replace('o=- 3924117283 3924117283', 'o=- 3924117283 3924117284');
    const r = await session.handleReoffer(reoffer);
    assert.deepEqual(rtpmaps(r.sdp), ['PCMA', 'telephone-event']);
    assert.equal(r.codecChanged, false);
    session.close();
    await session.released;
  });

  test('without a policy the same offer is answered as before (far codec PCMU)', async () => {
    const factory = new SessionFactory({ clock, ports });
    const session = await factory.forOffer(PHONE_OFFER, 'PCMU');
    const answer = await session.answer(PHONE_OFFER);
    assert.deepEqual(rtpmaps(answer), ['PCMU', 'telephone-event']);
    session.close();
    await session.released;
  });

  test('["g722"] against a PCMU-only offer: SdpNegotiationError 488, and no media was allocated', async () => {
    const factory = new SessionFactory({ clock, ports });
    await assert.rejects(factory.forOffer(fixture('sipp-offer'), undefined, 'a-488', undefined, { codecs: ['g722'] }), (err: unknown) => {
      assert.ok(err instanceof SdpNegotiationError);
      assert.equal(err.sipStatus, 488);
      return true;
    });
    assert.deepEqual(factory.getStats(), { live: 0, made: 0 });
  });

  test('rtpAddress is advertised in c= and o= of our answer; RTP stays bound on the pool address', async () => {
    const factory = new SessionFactory({ clock, ports, rtpAddress: '127.0.0.1' });
    const session = await factory.forOffer(PHONE_OFFER, undefined, undefined, undefined, { codecs: ['ulaw', 'alaw'], rtpAddress: '203.0.113.5' });
    const answer = await session.answer(PHONE_OFFER);
    assert.equal(connection(answer), '203.0.113.5');
    assert.equal(originAddress(answer), '203.0.113.5');
    assert.doesNotMatch(answer, /127\.0\.0\.1/);
    assert.equal(ports.bindAddress, '127.0.0.1');
    // Other legs of the same factory keep server.rtp_address.
    const plain = await factory.forOffer(PHONE_OFFER, undefined);
    assert.equal(connection(await plain.answer(PHONE_OFFER)), '127.0.0.1');
    session.close();
    plain.close();
    await Promise.all([session.released, plain.released]);
  });

  test('our offer to a peer lists only its codecs (caller-preferred first) at its rtpAddress; a foreign answer codec is refused', async () => {
    const factory = new SessionFactory({ clock, ports, rtpAddress: '127.0.0.1' });
    const policy = { codecs: ['alaw'], rtpAddress: '203.0.113.5' };
    // The caller offered PCMU first: still only PCMA goes out.
    const session = await factory.forTarget('rtp', ['PCMU', 'PCMA'], { id: 'b-test', policy });
    const offer = await session.createOffer();
    assert.deepEqual(payloadTypes(offer), ['8', '101']);
    assert.deepEqual(rtpmaps(offer), ['PCMA', 'telephone-event']);
    assert.equal(connection(offer), '203.0.113.5');
    assert.equal(originAddress(offer), '203.0.113.5');
    // The peer answers PCMU, which we did not offer: refused as the SDP layer's 488.
    await assert.rejects(session.applyAnswer(peerAnswer(offer, 0, 'PCMU')), (err: unknown) => err instanceof SdpNegotiationError && err.sipStatus === 488);
    const refused = session.media.codec;
    assert.equal(refused, undefined, 'the refused answer set no codec');
    await session.applyAnswer(peerAnswer(offer, 8, 'PCMA'));
    assert.equal(session.media.codec?.name, 'PCMA');
    // Our hold re-offer keeps the address and the restriction.
    const hold = await session.reoffer('sendonly');
    assert.deepEqual(rtpmaps(hold), ['PCMA', 'telephone-event']);
    assert.equal(connection(hold), '203.0.113.5');
    session.close();
    await session.released;
  });

  test('offer order under a policy: the caller\'s codecs among the allowed first, then the policy\'s order', async () => {
    const factory = new SessionFactory({ clock, ports });
    const session = await factory.forTarget('rtp', ['PCMA', 'opus'], { policy: { codecs: ['g722', 'ulaw', 'alaw'] } });
    assert.deepEqual(rtpmaps(await session.createOffer()), ['PCMA', 'G722', 'PCMU', 'telephone-event']);
    session.close();
    await session.released;
    // Nothing a browser leg can carry: refused before any leg is made.
    await assert.rejects(factory.forTarget('webrtc', ['PCMU'], { policy: { codecs: ['g722'] } }), (err: unknown) => err instanceof SdpNegotiationError);
  });
});
