/**
 * Dialogs end to end: two UserAgents (alice calls bob) on the in-memory TestNetwork with a
 * FakeClock, message by message — re-INVITE hold both ways, 491 glare with the §14.1 back-off
 * (2.1–4 s for the Call-ID owner, 0–2 s for the other side), UPDATE in confirmed and early
 * dialogs, INFO DTMF (dtmf-relay and dtmf), REFER with NOTIFY sipfrag progress both ways, BYE
 * both ways, 481 after the end, CSeq out of order (500), OPTIONS, a lost ACK, session timers
 * between two of our agents, and Digest on a re-INVITE.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DigestChallenger } from '../auth/index.ts';
import { getHeader, getToTag, parseCSeq, setHeader } from '../message/index.ts';
import type { SipRequest } from '../message/types.ts';
import type { IncomingInvite } from '../ua/index.ts';
import { TestNetwork } from '../ua/test-network.ts';
import type { Dialog, DialogEndReason } from './dialog.ts';
import type { DtmfEvent } from './dtmf.ts';
import type { IncomingOffer } from './incoming-offer.ts';
import type { IncomingRefer } from './refer.ts';
import { SipError } from './sip-error.ts';

const sdp = (owner: string, version: number, direction = 'sendrecv') =>
  `v=0\r\no=- ${owner === 'alice' ? 1 : 2} ${version} IN IP4 192.0.2.${owner === 'alice' ? 1 : 2}\r\ns=-\r\nc=IN IP4 192.0.2.${owner === 'alice' ? 1 : 2}\r\nt=0 0\r\nm=audio ${owner === 'alice' ? 4000 : 5000} RTP/AVP 0\r\na=${direction}\r\n`;

let net: TestNetwork;
afterEach(() => net?.close());

/** alice (192.0.2.1) calls bob (192.0.2.2), bob rings and answers; resolves with both dialogs. */
async function establish(options: { sessionExpires?: number; aliceCredentials?: boolean } = {}) {
  net = new TestNetwork();
  const alice = net.userAgent('192.0.2.1', { user: 'alice' });
  const bob = net.userAgent('192.0.2.2', { user: 'bob' });
  let bobDialog: Promise<Dialog> | undefined;
  bob.ua.on('invite', (call: IncomingInvite) => {
    call.progress(180);
    bobDialog = call.accept(sdp('bob', 1));
  });
  const out = alice.ua.invite({ target: 'sip:bob@192.0.2.2', sdp: sdp('alice', 1), sessionExpires: options.sessionExpires });
  await net.flush();
  const a = await out.result();
  const b = await bobDialog!;
  return { alice, bob, a, b };
}

function sentRequests(method: string, from: string): Array<{ request: SipRequest; at: number }> {
  return net.log
    .filter((e) => e.message.kind === 'request' && e.message.method === method && e.from.address === from)
    .map((e) => ({ request: e.message as SipRequest, at: e.at }));
}

describe('Dialog', () => {
  it('re-INVITE hold both ways: offer event, answer, ACK; SDP state follows', async () => {
    const { a, b } = await establish();
    assert.equal(a.state, 'confirmed');
    assert.equal(b.state, 'confirmed');
    assert.equal(a.callId, b.callId);
    assert.equal(a.localTag, b.remoteTag);

    const offers: IncomingOffer[] = [];
    b.on('reinvite', (offer) => {
      offers.push(offer);
      offer.accept(sdp('bob', 2, 'recvonly'));
    });
    const acks: SipRequest[] = [];
    b.on('ack', (ack) => acks.push(ack));
    const mark = net.log.length;
    const res = await Promise.all([a.reinvite(sdp('alice', 2, 'sendonly')), net.flush()]).then(([r]) => r);
    await net.flush();
    assert.deepEqual(net.trace(mark), ['INVITE', '100/INVITE', '200/INVITE', 'ACK']);
    assert.equal(res.status, 200);
    assert.match(res.body.toString(), /a=recvonly/);
    assert.equal(offers[0]!.method, 'INVITE');
    assert.match(offers[0]!.sdp!, /a=sendonly/);
    assert.equal(acks.length, 1);
    assert.equal(getHeader(acks[0]!, 'CSeq'), '2 ACK');
    assert.match(a.localSdp!, /sendonly/);
    assert.match(a.remoteSdp!, /recvonly/);
    assert.match(b.localSdp!, /recvonly/);
    assert.equal(a.localSeq, 2);
    assert.equal(b.remoteSeq, 2);

    // bob puts alice on hold the other way.
    a.on('reinvite', (offer) => offer.accept(sdp('alice', 3, 'inactive')));
    const back = b.reinvite(sdp('bob', 3, 'inactive'));
    await net.flush();
    assert.match((await back).body.toString(), /a=inactive/);
    assert.equal(b.localSeq, 1, "bob's first request in the dialog");
    assert.equal(a.remoteSeq, 1);

    // A rejected offer leaves the session as it was.
    b.removeAllListeners('reinvite');
    b.on('reinvite', (offer) => offer.reject(488));
    const refused = assert.rejects(a.reinvite(sdp('alice', 4, 'sendrecv')), (e: unknown) => e instanceof SipError && e.status === 488);
    await net.flush();
    await refused;
    assert.match(a.localSdp!, /inactive/);
    assert.equal(a.state, 'confirmed');
  });

  it('491 glare: both re-INVITE at once, both get 491, the Call-ID owner retries after 2.1–4 s, the other after 0–2 s', async () => {
    const { a, b } = await establish();
    a.on('reinvite', (offer) => offer.accept(sdp('alice', 5, 'recvonly')));
    b.on('reinvite', (offer) => offer.accept(sdp('bob', 5, 'recvonly')));
    const mark = net.log.length;
    const t0 = net.clock.now;
    const fromA = a.reinvite(sdp('alice', 2, 'sendonly'));
    const fromB = b.reinvite(sdp('bob', 2, 'sendonly'));
    await net.flush();
    assert.deepEqual(net.trace(mark).sort(), ['100/INVITE', '100/INVITE', '491/INVITE', '491/INVITE', 'ACK', 'ACK', 'INVITE', 'INVITE'].sort());
    await net.advance(5000, 10);
    const [ra, rb] = await Promise.all([fromA, fromB]);
    assert.equal(ra.status, 200);
    assert.equal(rb.status, 200);
    const aInvites = sentRequests('INVITE', '192.0.2.1').slice(1); // skip the initial INVITE
    const bInvites = sentRequests('INVITE', '192.0.2.2');
    // random() = 0.5 in the test network: owner 2100 + 10·⌊0.5·191⌋ = 3050 ms, other 10·⌊0.5·201⌋ = 1000 ms.
    assert.deepEqual(aInvites.map((x) => [parseCSeq(getHeader(x.request, 'CSeq')!).seq, x.at - t0]), [[2, 0], [3, 3050]]);
    assert.deepEqual(bInvites.map((x) => [parseCSeq(getHeader(x.request, 'CSeq')!).seq, x.at - t0]), [[1, 0], [2, 1000]]);
    // Last offer wins on each side: alice's retry came last.
    assert.match(a.localSdp!, /sendonly/);
    assert.match(b.localSdp!, /recvonly/);
  });

  it('a re-INVITE while one is pending is refused locally (491) and a second incoming one gets 500 + Retry-After', async () => {
    const { a, b } = await establish();
    const held: IncomingOffer[] = [];
    b.on('reinvite', (offer) => held.push(offer));
    const first = a.reinvite(sdp('alice', 2, 'sendonly'));
    await net.flush();
    await assert.rejects(a.reinvite(sdp('alice', 3)), (e: unknown) => e instanceof SipError && e.status === 491);
    // bob has not answered alice's offer yet; his own re-INVITE is refused locally as well.
    await assert.rejects(b.reinvite(sdp('bob', 2)), (e: unknown) => e instanceof SipError && e.status === 491);
    held[0]!.accept(sdp('bob', 2, 'recvonly'));
    await net.flush();
    assert.equal((await first).status, 200);
  });

  it('UPDATE with an offer in a confirmed dialog, and in an early dialog (RFC 3311)', async () => {
    const { a, b } = await establish();
    const updates: IncomingOffer[] = [];
    a.on('update', (offer) => {
      updates.push(offer);
      offer.accept(sdp('alice', 2));
    });
    const res = b.update(sdp('bob', 2));
    await net.flush();
    assert.equal((await res).status, 200);
    assert.equal(updates[0]!.method, 'UPDATE');
    assert.match(b.remoteSdp!, /o=- 1 2 /);
    assert.equal(net.trace().filter((t) => t === 'ACK').length, 1, 'UPDATE needs no ACK');

    // Early dialog: carol's UA sends UPDATE before answering.
    const carol = net.userAgent('192.0.2.3', { user: 'carol' });
    let carolCall: IncomingInvite | undefined;
    carol.ua.on('invite', (call) => {
      carolCall = call;
      call.progress(183, sdp('bob', 1));
    });
    const out = net.userAgent('192.0.2.4', { user: 'dave' }).ua.invite({ target: 'sip:carol@192.0.2.3', sdp: sdp('alice', 1) });
    let early: Dialog | undefined;
    out.on('progress', (_r, d) => (early = d ?? early));
    await net.flush();
    assert.equal(early!.state, 'early');
    const earlyOffers: IncomingOffer[] = [];
    early!.on('update', (offer) => {
      earlyOffers.push(offer);
      offer.accept(sdp('alice', 2));
    });
    const earlyUpdate = carolCall!.dialog!.update(sdp('bob', 2, 'sendonly'));
    await net.flush();
    assert.equal((await earlyUpdate).status, 200);
    assert.match(earlyOffers[0]!.sdp!, /sendonly/);
    assert.equal(early!.state, 'early');
    carolCall!.reject(486);
    await net.flush();
    assert.equal(early!.state, 'terminated');
    assert.equal(early!.endReason, 'rejected');
  });

  it('INFO: DTMF as application/dtmf-relay and application/dtmf becomes dtmf events; other INFO an info event', async () => {
    const { a, b } = await establish();
    const digits: DtmfEvent[] = [];
    const infos: SipRequest[] = [];
    b.on('dtmf', (e) => digits.push(e));
    b.on('info', (r) => infos.push(r));
    const sent = a.sendDtmf('1#', { durationMs: 250 });
    await net.flush();
    await sent;
    const relay = sentRequests('INFO', '192.0.2.1')[0]!.request;
    assert.equal(getHeader(relay, 'Content-Type'), 'application/dtmf-relay');
    assert.equal(relay.body.toString(), 'Signal=1\r\nDuration=250\r\n');
    const plain = a.info('5', 'application/dtmf');
    const other = a.info('<xml/>', 'application/media_control+xml');
    await net.flush();
    await Promise.all([plain, other]);
    assert.deepEqual(digits, [
      { digit: '1', durationMs: 250 },
      { digit: '#', durationMs: 250 },
      { digit: '5' },
    ]);
    assert.equal(infos.length, 1);
    assert.equal(getHeader(infos[0]!, 'Content-Type'), 'application/media_control+xml');
  });

  it('REFER: 202, NOTIFY "100 Trying", then the referred call\'s progress until a final sipfrag ends the subscription', async () => {
    const { a, b } = await establish();
    let incoming: IncomingRefer | undefined;
    b.on('refer', (refer) => (incoming = refer));
    const subscribing = a.refer('sip:carol@192.0.2.3', { referredBy: true });
    await net.flush();
    const subscription = await subscribing;
    assert.equal(subscription.response!.status, 202);
    assert.equal(incoming!.target, 'sip:carol@192.0.2.3');
    assert.equal(incoming!.referredBy!.uri, 'sip:alice@192.0.2.1');
    const refer = sentRequests('REFER', '192.0.2.1')[0]!.request;
    assert.equal(getHeader(refer, 'Refer-To'), '<sip:carol@192.0.2.3>');
    assert.equal(getHeader(refer, 'Referred-By'), '<sip:alice@192.0.2.1>');
    assert.equal(getHeader(refer, 'Contact'), '<sip:alice@192.0.2.1:5060>');
    assert.deepEqual(subscription.history.map((s) => s.status), [100]);

    const progress: number[] = [];
    subscription.on('progress', (s) => progress.push(s.status));
    const ringing = incoming!.notify(180);
    await net.flush();
    assert.equal((await ringing)!.status, 200);
    void incoming!.notify(200);
    await net.flush();
    assert.deepEqual(progress, [180, 200]);
    assert.equal((await subscription.done())!.status, 200);
    assert.equal(subscription.terminated, true);
    const notifies = sentRequests('NOTIFY', '192.0.2.2').map((x) => x.request);
    assert.deepEqual(notifies.map((n) => n.body.toString()), ['SIP/2.0 100 Trying\r\n', 'SIP/2.0 180 Ringing\r\n', 'SIP/2.0 200 OK\r\n']);
    assert.deepEqual(notifies.map((n) => getHeader(n, 'Subscription-State')), ['active;expires=60', 'active;expires=60', 'terminated;reason=noresource']);
    assert.equal(getHeader(notifies[0]!, 'Event'), `refer;id=${subscription.id}`);
    assert.equal(getHeader(notifies[0]!, 'Content-Type'), 'message/sipfrag;version=2.0');
    assert.equal(await incoming!.notify(100), undefined, 'nothing more after the final NOTIFY');

    // The other way, and a refusal from inside the listener.
    a.on('refer', (r) => r.reject(403));
    await Promise.all([assert.rejects(b.refer('sip:dave@192.0.2.4'), (e: unknown) => e instanceof SipError && e.status === 403), net.flush()]);
    // Without a listener: declined.
    b.removeAllListeners('refer');
    await Promise.all([assert.rejects(a.refer('<sip:erin@192.0.2.5>'), (e: unknown) => e instanceof SipError && e.status === 603), net.flush()]);
    assert.equal(a.state, 'confirmed');
  });

  it('BYE from the caller, then 481 for anything else on that dialog; BYE from the callee in another call', async () => {
    const { alice, a, b } = await establish();
    const reasons: Array<[string, DialogEndReason]> = [];
    a.on('terminated', (r) => reasons.push(['a', r]));
    b.on('terminated', (r) => reasons.push(['b', r]));
    const byes: SipRequest[] = [];
    b.on('bye', (r) => byes.push(r));
    const done = a.bye();
    assert.equal(a.state, 'terminated', 'terminated at once');
    assert.equal(a.bye(), done, 'idempotent');
    a.close();
    await net.flush();
    assert.equal((await done)!.status, 200);
    assert.deepEqual(reasons, [['a', 'local-bye'], ['b', 'bye']]);
    assert.equal(byes.length, 1);
    await assert.rejects(a.info('x', 'text/plain'), (e: unknown) => e instanceof SipError && e.status === 481);

    // The same BYE again as a new transaction: bob no longer knows the dialog.
    const again = { ...byes[0]! };
    again.headers = again.headers.map((h) => ({ ...h }));
    setHeader(again, 'Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKagain');
    alice.node.deliver(again, { protocol: 'udp', address: '192.0.2.2', port: 5060 });
    await net.flush();
    assert.equal(alice.node.responses('BYE').pop()!.status, 481);
    assert.equal(alice.ua.getStats().dialogs, 0);
  });

  it('a bye() from inside the "bye" listener sends nothing: the dialog is already over (B2BUA hang-up cascade)', async () => {
    const { a, b } = await establish();
    let state = '';
    let answer: Promise<unknown> | undefined;
    b.on('bye', () => {
      state = b.state;
      answer = b.bye();
    });
    const done = a.bye();
    await net.flush();
    await done;
    assert.equal(state, 'terminated');
    assert.equal(await answer, undefined);
    assert.equal(sentRequests('BYE', '192.0.2.2').length, 0, 'no BYE back to the caller');
  });

  it('BYE from the callee; in-dialog OPTIONS; a lower CSeq is answered 500', async () => {
    const { alice, a, b } = await establish();
    const opts = b.options();
    await net.flush();
    const res = await opts;
    assert.equal(res.status, 200);
    assert.match(getHeader(res, 'Allow')!, /REFER/);
    assert.match(getHeader(res, 'Accept')!, /application\/sdp/);

    await Promise.all([a.info('1', 'text/plain'), net.flush()]);
    const info = sentRequests('INFO', '192.0.2.1')[0]!.request;
    const older = { ...info, headers: info.headers.map((h) => ({ ...h })) };
    setHeader(older, 'CSeq', '1 INFO');
    setHeader(older, 'Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKolder');
    alice.node.deliver(older, { protocol: 'udp', address: '192.0.2.2', port: 5060 });
    await net.flush();
    const r500 = alice.node.responses('INFO').pop()!;
    assert.equal(r500.status, 500);

    const ended = new Promise<DialogEndReason>((resolve) => a.on('terminated', resolve));
    const bye = b.bye({ reason: 'Q.850;cause=16' });
    await net.flush();
    assert.equal((await bye)!.status, 200);
    assert.equal(await ended, 'bye');
    assert.equal(getHeader(sentRequests('BYE', '192.0.2.2')[0]!.request, 'Reason'), 'Q.850;cause=16');
  });

  it('a lost ACK: the callee retransmits its 2xx and our re-sent ACK completes the call', async () => {
    net = new TestNetwork();
    const alice = net.userAgent('192.0.2.1');
    const bob = net.userAgent('192.0.2.2');
    let lost = 0;
    net.drop = (m) => m.kind === 'request' && m.method === 'ACK' && lost++ === 0;
    let accepted: Promise<Dialog> | undefined;
    bob.ua.on('invite', (call) => (accepted = call.accept(sdp('bob', 1))));
    const out = alice.ua.invite({ target: 'sip:bob@192.0.2.2', sdp: sdp('alice', 1) });
    await net.advance(1000, 50);
    const b = await accepted!;
    assert.equal(b.state, 'confirmed');
    assert.equal((await out.result()).state, 'confirmed');
    assert.deepEqual(net.trace(), ['INVITE', '100/INVITE', '200/INVITE', 'ACK (lost)', '200/INVITE', 'ACK']);
  });

  it('session timer between two agents: alice asks, bob leaves refreshing to her, UPDATE every half interval; bob BYEs when they stop', async () => {
    const { a, b } = await establish({ sessionExpires: 90 });
    assert.equal(a.sessionInterval, 90);
    assert.equal(b.sessionInterval, 90);
    assert.equal(a.getStats().sessionRefresher, true);
    assert.equal(b.getStats().sessionRefresher, false);
    const t0 = net.clock.now;
    await net.advance(200_000, 1000);
    const updates = sentRequests('UPDATE', '192.0.2.1');
    assert.deepEqual(updates.map((u) => u.at - t0), [45_000, 90_000, 135_000, 180_000]);
    assert.equal(getHeader(updates[0]!.request, 'Session-Expires'), '90;refresher=uac');
    assert.equal(a.state, 'confirmed');
    assert.equal(b.state, 'confirmed');

    // From now on every refresh is lost: bob ends the session 90 − min(32, 30) = 60 s after the last one.
    net.drop = (m) => m.kind === 'request' && m.method === 'UPDATE';
    const ended = new Promise<DialogEndReason>((resolve) => b.on('terminated', resolve));
    const aEnded = new Promise<DialogEndReason>((resolve) => a.on('terminated', resolve));
    await net.advance(61_000, 1000);
    assert.equal(await ended, 'session-expired');
    // alice, the refresher, saw no successful refresh either and ends at the same moment (or hears bob's BYE first).
    assert.ok(['bye', 'session-expired'].includes(await aEnded));
    assert.equal(sentRequests('BYE', '192.0.2.2')[0]!.at - t0, 180_000 + 60_000);
  });

  it('Digest on a re-INVITE: 401 → the re-INVITE again with credentials and the next CSeq; the ACK carries them', async () => {
    net = new TestNetwork();
    const alice = net.userAgent('192.0.2.1', { user: 'alice', credentials: { username: 'alice', password: 'pw' } });
    const peer = net.node('192.0.2.2');
    const challenger = new DigestChallenger({ realm: 'edge', lookup: () => 'pw' });
    const out = alice.ua.invite({ target: 'sip:bob@192.0.2.2', sdp: sdp('alice', 1) });
    await net.flush();
    peer.reply(peer.last('INVITE'), 200, { toTag: 'p1', body: sdp('bob', 1), contentType: 'application/sdp' });
    await net.flush();
    const a = await out.result();
    const re = a.reinvite(sdp('alice', 2, 'sendonly'));
    await net.flush();
    const first = peer.last('INVITE');
    assert.equal(getHeader(first, 'CSeq'), '2 INVITE');
    const verdict = await challenger.verify(first);
    if (verdict.kind !== 'challenge') throw new Error('expected a challenge');
    peer.reply(first, 401, { headers: verdict.response.headers });
    await net.flush();
    const second = peer.last('INVITE');
    assert.equal(getHeader(second, 'CSeq'), '3 INVITE');
    assert.equal((await challenger.verify(second)).kind, 'ok');
    peer.reply(second, 200, { body: sdp('bob', 2, 'recvonly'), contentType: 'application/sdp' });
    await net.flush();
    assert.equal((await re).status, 200);
    const ack = peer.last('ACK');
    assert.equal(getHeader(ack, 'CSeq'), '3 ACK');
    assert.ok(getHeader(ack, 'Authorization'));
    assert.equal(getToTag(ack), 'p1');
  });

  it('422 to a re-INVITE: sent again with the larger Session-Expires and Min-SE the peer asks for (RFC 4028 §7.4)', async () => {
    net = new TestNetwork();
    const alice = net.userAgent('192.0.2.1', { user: 'alice' });
    const peer = net.node('192.0.2.2');
    const out = alice.ua.invite({ target: 'sip:bob@192.0.2.2', sdp: sdp('alice', 1) });
    await net.flush();
    peer.reply(peer.last('INVITE'), 200, { toTag: 'p1', body: sdp('bob', 1), contentType: 'application/sdp', headers: { 'Session-Expires': '120;refresher=uac' } });
    await net.flush();
    const a = await out.result();
    const re = a.reinvite(sdp('alice', 2, 'sendonly'));
    await net.flush();
    const first = peer.last('INVITE');
    assert.equal(getHeader(first, 'Session-Expires'), '120;refresher=uac');
    peer.reply(first, 422, { headers: { 'Min-SE': '600' } });
    await net.flush();
    const second = peer.last('INVITE');
    assert.equal(getHeader(second, 'CSeq'), '3 INVITE');
    assert.equal(getHeader(second, 'Session-Expires'), '600;refresher=uac');
    assert.equal(getHeader(second, 'Min-SE'), '600');
    peer.reply(second, 200, { body: sdp('bob', 2, 'recvonly'), contentType: 'application/sdp', headers: { 'Session-Expires': '600;refresher=uac' } });
    await net.flush();
    assert.equal((await re).status, 200);
    assert.equal(a.sessionInterval, 600);
  });

  it('offerless INVITE and offerless re-INVITE: the 2xx offers, the ACK answers', async () => {
    net = new TestNetwork();
    const alice = net.userAgent('192.0.2.1', { user: 'alice' });
    const bob = net.userAgent('192.0.2.2', { user: 'bob' });
    let accepted: Promise<Dialog> | undefined;
    bob.ua.on('invite', (call) => {
      assert.equal(call.sdp, undefined);
      accepted = call.accept(sdp('bob', 1));
    });
    const out = alice.ua.invite({ target: 'sip:bob@192.0.2.2', ackSdp: (offer) => offer.replace(/o=- 2 /, 'o=- 1 ').replace('192.0.2.2', '192.0.2.1') });
    await net.flush();
    const a = await out.result();
    const b = await accepted!;
    const ack = net.log.find((e) => e.message.kind === 'request' && e.message.method === 'ACK')!.message;
    assert.equal(getHeader(ack, 'Content-Type'), 'application/sdp');
    assert.match(b.remoteSdp!, /o=- 1 1 /, "bob learns alice's answer from the ACK");
    assert.match(a.remoteSdp!, /o=- 2 1 /);

    b.on('reinvite', (offer) => {
      assert.equal(offer.sdp, undefined);
      offer.accept(sdp('bob', 2, 'sendonly'));
    });
    const acked = new Promise<SipRequest>((resolve) => b.once('ack', resolve));
    const re = a.reinvite(undefined, { ackSdp: () => sdp('alice', 2, 'recvonly') });
    await net.flush();
    assert.match((await re).body.toString(), /sendonly/);
    assert.match((await acked).body.toString(), /recvonly/);
    assert.match(b.remoteSdp!, /recvonly/);
    assert.match(a.localSdp!, /recvonly/);
  });
});
