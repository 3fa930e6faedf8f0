/**
 * Media sessions: two RtpSessions negotiate (the answerer prefers the far leg's codec; a re-offer
 * to sendonly is hold, keeps the codec and bumps o=), audio flows between them over loopback, a
 * browser's offer is recognised as WebRTC, and the hold rewrite of a WebRTC description.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { MediaClock } from '../../../media/index.ts';
import { RtpPortPool } from '../../rtp/index.ts';
import { parseSdp } from '../../sip/index.ts';
import { fixture } from '../../sip/sdp/fixtures/index.ts';
import { audioDirectionOf, isWebRtcOffer, offeredCodecs } from './media-session.ts';
import { RtpSession } from './rtp-session.ts';
import { SessionFactory } from './session-factory.ts';
import { withDirection } from './webrtc-session.ts';

const clock = new MediaClock();
const ports = new RtpPortPool({ bindAddress: '127.0.0.1' });
after(async () => {
  clock.stop();
  await ports.close();
});

describe('media sessions', () => {
  test('RtpSession offer/answer prefers the far codec; a re-offer to sendonly keeps it', async () => {
    const caller = await RtpSession.create({ clock, ports, codecs: ['PCMU', 'G722', 'opus'] });
    const factory = new SessionFactory({ clock, ports });
    const offer = await caller.createOffer();
    assert.deepEqual(offeredCodecs(offer), ['PCMU', 'G722', 'opus']);
    // The far leg speaks G.722: the answerer picks it although the caller prefers PCMU.
    const callee = await factory.forOffer(offer, 'G722');
    assert.equal(callee.kind, 'rtp');
    const answer = await callee.answer(offer);
    assert.equal(parseSdp(answer).media[0]!.codecs[0]!.name, 'G722');
    assert.equal(callee.media.codec?.name, 'G722');
    assert.equal(callee.media.codec?.clockRate, 8000);
    assert.equal(callee.media.telephoneEvent, true);
    await caller.applyAnswer(answer);
    await caller.applyAnswer(answer); // the same answer again (183 then 200) is fine
    assert.equal(caller.media.codec?.name, 'G722');

    // Packets flow both ways between the two legs.
    const got: string[] = [];
    callee.media.leg.on('rtp', (p) => got.push(p.codec));
    caller.media.leg.sendRtp(new Uint8Array(160), { timestamp: 0 });
    caller.media.leg.sendRtp(new Uint8Array(160), { timestamp: 160 });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, ['G722', 'G722']);

    const hold = await caller.reoffer('sendonly');
    const v1 = parseSdp(offer).origin.sessionVersion;
    assert.equal(parseSdp(hold).origin.sessionVersion, v1 + 1);
    assert.equal(parseSdp(hold).origin.sessionId, parseSdp(offer).origin.sessionId);
    assert.equal(parseSdp(hold).media[0]!.codecs[0]!.name, 'G722', 'the codec in use comes first');
    const r = await callee.handleReoffer(hold);
    assert.deepEqual([r.remoteDirection, r.codecChanged], ['sendonly', false]);
    assert.equal(audioDirectionOf(r.sdp), 'recvonly');
    await caller.applyReanswer(r.sdp);
    caller.close();
    callee.close();
    await Promise.all([caller.released, callee.released]);
    assert.equal(await factory.settled(), 0);
  });

  test('a browser offer is WebRTC; a SIP phone offer is not; legacy c=0.0.0.0 hold reads as sendonly', () => {
    assert.equal(isWebRtcOffer(fixture('chrome-offer')), true);
    assert.equal(isWebRtcOffer(fixture('baresip-offer')), false);
    assert.deepEqual(offeredCodecs(fixture('chrome-offer')).slice(0, 1), ['opus']);
    assert.equal(audioDirectionOf(fixture('legacy-hold')), 'sendonly');
  });

  test('withDirection rewrites the audio direction and raises the o= version', () => {
    const sdp = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\na=rtpmap:111 opus/48000/2\r\n';
    const held = withDirection(sdp, 'sendonly');
    assert.match(held, /^o=- 4611731400430051336 3 IN IP4/m);
    assert.match(held, /^a=sendonly$/m);
    assert.doesNotMatch(held, /^a=sendrecv$/m);
    const noAttr = withDirection(sdp.replace('a=sendrecv\r\n', ''), 'inactive');
    assert.match(noAttr, /m=audio[^\r]*\r\na=inactive/);
  });
});
