/**
 * OutgoingInvite against a scripted peer on the in-memory TestNetwork (FakeClock): the INVITE we
 * send, 180 → early dialog → 200 → ACK (and the ACK again for 2xx retransmissions), forking
 * (two early dialogs; a second 2xx gets ACK + BYE), CANCEL before and after a provisional
 * (§9.1), Digest retry on INVITE and BYE, Record-Route → route set (loose and strict), failures
 * (486, timeout, unreachable), session timers asked for by the peer, and 422.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DigestChallenger } from '../auth/index.ts';
import { createRequest, getHeader, getHeaders, getRouteSet, getToTag, parseCSeq, parseVia } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import { SipError, type Dialog } from '../dialog/index.ts';
import { TestNetwork, type TestNode } from './test-network.ts';

const OFFER = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n';
const ANSWER = 'v=0\r\no=- 2 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=sendrecv\r\n';

let net: TestNetwork;
afterEach(() => net?.close());

function setup(options: Parameters<TestNetwork['userAgent']>[1] = {}) {
  net = new TestNetwork();
  const { ua, node } = net.userAgent('192.0.2.1', { user: 'alice', ...options });
  const peer = net.node('192.0.2.2');
  return { ua, node, peer };
}

/** A request the peer (as UAS of our INVITE) sends within the dialog. */
function peerRequest(peer: TestNode, method: string, invite: SipRequest, ok: SipResponse, cseq: number, extra: Record<string, string> = {}): SipRequest {
  const contact = getHeader(invite, 'Contact')!.replace(/^<|>$/g, '');
  return createRequest({
    method,
    uri: contact,
    headers: {
      Via: `SIP/2.0/UDP ${peer.endpoint.address}:5060;branch=z9hG4bKpeer${method}${cseq}`,
      From: getHeader(ok, 'To')!,
      To: getHeader(invite, 'From')!,
      'Call-ID': getHeader(invite, 'Call-ID')!,
      CSeq: `${cseq} ${method}`,
      ...extra,
    },
  });
}

/** Distinct CSeq values of requests (retransmissions counted once). */
function cseqs(requests: SipRequest[]): string[] {
  return [...new Set(requests.map((r) => getHeader(r, 'CSeq')!))];
}

describe('OutgoingInvite', () => {
  it('INVITE → 100 → 180 (early dialog) → 200 → ACK, and the ACK again for 2xx retransmissions', async () => {
    const { ua, peer } = setup();
    const call = ua.invite({ target: 'sip:bob@192.0.2.2', sdp: OFFER, headers: { 'X-Case': 'basic' } });
    const progress: Array<[number, Dialog | undefined]> = [];
    call.on('progress', (r, d) => progress.push([r.status, d]));
    let answered: Dialog | undefined;
    call.on('answered', (d) => (answered = d));
    await net.flush();

    const invite = peer.last('INVITE');
    assert.equal(invite.uri, 'sip:bob@192.0.2.2');
    const via = parseVia(getHeaders(invite, 'Via')[0]!);
    assert.equal(via.transport, 'UDP');
    assert.equal(via.host, '192.0.2.1');
    assert.equal(via.port, 5060);
    assert.equal(via.rport, true);
    assert.match(via.branch!, /^z9hG4bK/);
    assert.equal(getHeader(invite, 'Contact'), '<sip:alice@192.0.2.1:5060>');
    assert.match(getHeader(invite, 'From')!, /^<sip:alice@192\.0\.2\.1>;tag=[0-9a-f]{16}$/);
    assert.equal(getHeader(invite, 'To'), '<sip:bob@192.0.2.2>');
    assert.equal(getHeader(invite, 'CSeq'), '1 INVITE');
    assert.equal(getHeader(invite, 'Max-Forwards'), '70');
    assert.equal(getHeader(invite, 'User-Agent'), 'Patchbay');
    assert.equal(getHeader(invite, 'Supported'), 'timer');
    assert.match(getHeader(invite, 'Allow')!, /INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY/);
    assert.equal(getHeader(invite, 'Content-Type'), 'application/sdp');
    assert.equal(getHeader(invite, 'X-Case'), 'basic');
    assert.equal(invite.body.toString(), OFFER);

    peer.reply(invite, 100);
    peer.reply(invite, 180, { toTag: 'bob1' });
    await net.flush();
    assert.deepEqual(progress.map(([s]) => s), [100, 180]);
    assert.equal(progress[0]![1], undefined, '100 Trying makes no dialog');
    const early = progress[1]![1]!;
    assert.equal(early.state, 'early');
    assert.equal(early.remoteTag, 'bob1');
    assert.equal(ua.getStats().earlyDialogs, 1);

    const ok = peer.reply(invite, 200, { toTag: 'bob1', body: ANSWER, contentType: 'application/sdp', contact: '<sip:bob@192.0.2.2:5060;transport=udp>' });
    await net.flush();
    assert.equal(answered, early, 'the early dialog is the one confirmed');
    assert.equal(early.state, 'confirmed');
    assert.equal(early.remoteSdp, ANSWER);
    assert.equal(early.localSdp, OFFER);
    assert.equal(early.remoteTarget, 'sip:bob@192.0.2.2:5060;transport=udp');
    assert.equal(await call.result(), early);

    const ack = peer.last('ACK');
    assert.equal(ack.uri, 'sip:bob@192.0.2.2:5060;transport=udp', 'ACK goes to the Contact of the 2xx');
    assert.equal(getHeader(ack, 'CSeq'), '1 ACK');
    assert.equal(getToTag(ack), 'bob1');
    assert.notEqual(parseVia(getHeaders(ack, 'Via')[0]!).branch, via.branch, 'the 2xx ACK is a new transaction');
    assert.equal(ack.body.length, 0);

    // A retransmitted 200 while the INVITE transaction is in Accepted, then after it ended.
    peer.deliver(ok, peer.received.find((r) => r.message === invite)!.from);
    await net.flush();
    assert.equal(peer.requests('ACK').length, 2);
    await net.advance(40_000, 1000);
    peer.deliver(ok, { protocol: 'udp', address: '192.0.2.1', port: 5060 });
    await net.flush();
    assert.equal(peer.requests('ACK').length, 3);
    assert.equal(getHeader(peer.last('ACK'), 'Via'), getHeader(ack, 'Via'), 'the same ACK each time');
  });

  it('forking: two early dialogs, the first 2xx wins, a later 2xx gets ACK and BYE', async () => {
    const { ua, peer } = setup();
    const call = ua.invite({ target: 'sip:bob@192.0.2.2', sdp: OFFER });
    const early: Dialog[] = [];
    call.on('progress', (_r, d) => d && early.push(d));
    await net.flush();
    const invite = peer.last('INVITE');
    peer.reply(invite, 180, { toTag: 'forkA', contact: '<sip:a@192.0.2.2>' });
    peer.reply(invite, 183, { toTag: 'forkB', contact: '<sip:b@192.0.2.2>', body: ANSWER, contentType: 'application/sdp' });
    await net.flush();
    assert.deepEqual(early.map((d) => d.remoteTag), ['forkA', 'forkB']);
    assert.deepEqual(call.earlyDialogs.map((d) => d.remoteTag), ['forkA', 'forkB']);
    assert.equal(early[1]!.remoteSdp, ANSWER, 'early media SDP is kept on its early dialog');

    peer.reply(invite, 200, { toTag: 'forkB', contact: '<sip:b@192.0.2.2>', body: ANSWER, contentType: 'application/sdp' });
    await net.flush();
    const dialog = await call.result();
    assert.equal(dialog.remoteTag, 'forkB');
    assert.equal(early[0]!.state, 'terminated');
    assert.equal(early[0]!.endReason, 'forked');

    peer.reply(invite, 200, { toTag: 'forkA', contact: '<sip:a@192.0.2.2>', body: ANSWER, contentType: 'application/sdp' });
    await net.flush();
    const acks = peer.requests('ACK');
    assert.deepEqual(acks.map((a) => [a.uri, getToTag(a)]), [
      ['sip:b@192.0.2.2', 'forkB'],
      ['sip:a@192.0.2.2', 'forkA'],
    ]);
    const bye = peer.last('BYE');
    assert.equal(bye.uri, 'sip:a@192.0.2.2');
    assert.equal(getToTag(bye), 'forkA');
    assert.equal(dialog.state, 'confirmed', 'the winning dialog is untouched');
    assert.equal(ua.getStats().dialogs, 1);
  });

  it('BYE in an early dialog (§15): the caller may end an early dialog itself', async () => {
    const { ua, peer } = setup();
    const call = ua.invite({ target: 'sip:bob@192.0.2.2', sdp: OFFER });
    await net.flush();
    const invite = peer.last('INVITE');
    peer.reply(invite, 180, { toTag: 'e1', contact: '<sip:e1@192.0.2.2>' });
    await net.flush();
    const early = call.earlyDialogs[0]!;
    const bye = early.bye();
    await net.flush();
    const req = peer.last('BYE');
    assert.equal(req.uri, 'sip:e1@192.0.2.2');
    assert.equal(getToTag(req), 'e1');
    assert.equal(getHeader(req, 'CSeq'), '2 BYE');
    peer.reply(req, 200);
    peer.reply(invite, 487, { toTag: 'e1' });
    await net.flush();
    assert.equal((await bye)!.status, 200);
    assert.equal(early.endReason, 'local-bye');
    await assert.rejects(call.result(), (e: unknown) => e instanceof SipError && e.status === 487);
  });

  it('CANCEL before any provisional waits for one (§9.1); the INVITE ends 487', async () => {
    const { ua, peer } = setup();
    const call = ua.invite({ target: 'sip:bob@192.0.2.2', sdp: OFFER });
    const failed = new Promise<SipError>((resolve) => call.on('failed', resolve));
    await net.flush();
    const mark = net.log.length;
    assert.equal(call.cancel('SIP;cause=480'), true);
    await net.advance(2000, 100);
    assert.equal(peer.requests('CANCEL').length, 0, 'no CANCEL before a provisional response');
    assert.ok(peer.requests('INVITE').length > 1, 'the INVITE is still retransmitted meanwhile');

    const invite = peer.last('INVITE');
    peer.reply(invite, 180, { toTag: 'b1' });
    await net.flush();
    const cancel = peer.last('CANCEL');
    assert.equal(cancel.uri, invite.uri);
    assert.equal(getHeader(cancel, 'CSeq'), '1 CANCEL');
    assert.equal(getHeaders(cancel, 'Via')[0], getHeaders(invite, 'Via')[0], 'same branch as the INVITE');
    assert.equal(getHeader(cancel, 'Reason'), 'SIP;cause=480');
    peer.reply(cancel, 200, { toTag: 'b1' });
    peer.reply(invite, 487, { toTag: 'b1' });
    await net.flush();
    const err = await failed;
    assert.ok(err instanceof SipError);
    assert.equal(err.status, 487);
    await assert.rejects(call.result(), (e: unknown) => e instanceof SipError && e.status === 487);
    assert.equal(call.earlyDialogs.length, 0);
    const after = net.trace(mark).filter((t) => !t.startsWith('INVITE'));
    assert.deepEqual(after, ['180/INVITE', 'CANCEL', '200/CANCEL', '487/INVITE', 'ACK']);
    assert.equal(peer.last('ACK').uri, invite.uri, 'the non-2xx ACK comes from the transaction layer');
  });

  it('CANCEL after a provisional goes out at once; a 2xx racing it is ACKed and BYEd', async () => {
    const { ua, peer } = setup();
    const call = ua.invite({ target: 'sip:bob@192.0.2.2', sdp: OFFER });
    await net.flush();
    const invite = peer.last('INVITE');
    peer.reply(invite, 180, { toTag: 'b1' });
    await net.flush();
    call.cancel();
    await net.flush();
    const cancel = peer.last('CANCEL');
    peer.reply(cancel, 200, { toTag: 'b1' });
    peer.reply(invite, 200, { toTag: 'b1', body: ANSWER, contentType: 'application/sdp' });
    await net.flush();
    await assert.rejects(call.result(), (e: unknown) => e instanceof SipError && e.status === 487);
    assert.equal(peer.requests('ACK').length, 1);
    assert.equal(peer.requests('BYE').length, 1);
    assert.equal(getToTag(peer.last('BYE')), 'b1');
  });

  it('answers a 401 to INVITE with credentials (new CSeq, same Call-ID and tag); the ACK carries them too', async () => {
    const challenger = new DigestChallenger({ realm: 'pbx', lookup: (u) => (u === 'alice' ? 'secret' : undefined) });
    const { ua, peer } = setup({ credentials: { username: 'alice', password: 'secret' } });
    const call = ua.invite({ target: 'sip:bob@192.0.2.2', sdp: OFFER });
    await net.flush();
    const first = peer.last('INVITE');
    const verdict = await challenger.verify(first);
    assert.equal(verdict.kind, 'challenge');
    if (verdict.kind !== 'challenge') return;
    peer.reply(first, 401, { toTag: 'x', headers: verdict.response.headers });
    await net.flush();
    assert.equal(peer.requests('ACK').length, 1, 'ACK for the 401 (transaction layer)');
    const second = peer.last('INVITE');
    assert.notEqual(second, first);
    assert.equal(getHeader(second, 'CSeq'), '2 INVITE');
    assert.equal(getHeader(second, 'Call-ID'), getHeader(first, 'Call-ID'));
    assert.equal(getHeader(second, 'From'), getHeader(first, 'From'));
    assert.notEqual(parseVia(getHeaders(second, 'Via')[0]!).branch, parseVia(getHeaders(first, 'Via')[0]!).branch);
    const ok = await challenger.verify(second);
    assert.equal(ok.kind, 'ok');

    peer.reply(second, 200, { toTag: 'b9', body: ANSWER, contentType: 'application/sdp' });
    await net.flush();
    const dialog = await call.result();
    const ack = peer.last('ACK');
    assert.equal(getHeader(ack, 'CSeq'), '2 ACK');
    assert.equal(getHeader(ack, 'Authorization')?.startsWith('Digest '), true);
    assert.equal(dialog.localSeq, 2);

    // Later requests in the dialog carry credentials up front (the client knows the realm now).
    const bye = dialog.bye();
    await net.flush();
    const byeReq = peer.last('BYE');
    assert.equal((await challenger.verify(byeReq)).kind, 'ok');
    peer.reply(byeReq, 200);
    await net.flush();
    assert.equal((await bye)!.status, 200);
  });

  it('answers a 401 to an in-dialog BYE with credentials and a fresh CSeq', async () => {
    const challenger = new DigestChallenger({ realm: 'pbx', lookup: (u) => (u === 'alice' ? 'secret' : undefined) });
    const { ua, peer } = setup({ credentials: { username: 'alice', password: 'secret' } });
    const call = ua.invite({ target: 'sip:bob@192.0.2.2', sdp: OFFER });
    await net.flush();
    peer.reply(peer.last('INVITE'), 200, { toTag: 'b9', body: ANSWER, contentType: 'application/sdp' });
    await net.flush();
    const dialog = await call.result();
    const bye = dialog.bye();
    await net.flush();
    const bye1 = peer.last('BYE');
    assert.equal(getHeader(bye1, 'Authorization'), undefined);
    const verdict = await challenger.verify(bye1);
    if (verdict.kind !== 'challenge') throw new Error('expected a challenge');
    peer.reply(bye1, 401, { headers: verdict.response.headers });
    await net.flush();
    const bye2 = peer.last('BYE');
    assert.notEqual(bye2, bye1);
    assert.equal(getHeader(bye2, 'CSeq'), '3 BYE');
    assert.equal(getHeader(bye1, 'CSeq'), '2 BYE');
    assert.equal((await challenger.verify(bye2)).kind, 'ok');
    peer.reply(bye2, 200);
    await net.flush();
    assert.equal((await bye)!.status, 200);
    assert.equal(dialog.endReason, 'local-bye');
  });

  it('Record-Route becomes the route set, reversed; loose routing keeps the Request-URI', async () => {
    const { ua, peer } = setup();
    const proxy = net.node('192.0.2.50');
    const call = ua.invite({ target: 'sip:bob@192.0.2.2', sdp: OFFER });
    await net.flush();
    const invite = peer.last('INVITE');
    peer.reply(invite, 200, {
      toTag: 'b1',
      body: ANSWER,
      contentType: 'application/sdp',
      headers: { 'Record-Route': '<sip:192.0.2.60;lr>, <sip:192.0.2.50;lr>' },
    });
    await net.flush();
    const dialog = await call.result();
    assert.deepEqual(dialog.routeSet, ['<sip:192.0.2.50;lr>', '<sip:192.0.2.60;lr>']);
    const ack = proxy.last('ACK');
    assert.equal(ack.uri, 'sip:peer@192.0.2.2:5060');
    assert.deepEqual(getRouteSet(ack).map((r) => r.uri), ['sip:192.0.2.50;lr', 'sip:192.0.2.60;lr']);
  });

  it('strict routing (§12.2.1.1): the first route becomes the Request-URI, the remote target the last Route', async () => {
    const { ua, peer } = setup();
    const proxy = net.node('192.0.2.50');
    const call = ua.invite({ target: 'sip:bob@192.0.2.2', sdp: OFFER });
    await net.flush();
    const invite = peer.last('INVITE');
    peer.reply(invite, 200, { toTag: 'b1', body: ANSWER, contentType: 'application/sdp', headers: { 'Record-Route': '<sip:192.0.2.60>, <sip:192.0.2.50;method=INVITE>' } });
    await net.flush();
    await call.result();
    const ack = proxy.last('ACK');
    assert.equal(ack.uri, 'sip:192.0.2.50', 'strict router in the Request-URI, minus the method parameter');
    assert.deepEqual(getRouteSet(ack).map((r) => r.uri), ['sip:192.0.2.60', 'sip:peer@192.0.2.2:5060']);
  });

  it('a final failure is a SipError with the status; a timeout is 408; an unroutable target 503', async () => {
    const { ua, peer } = setup();
    const busy = ua.invite({ target: 'sip:bob@192.0.2.2', sdp: OFFER });
    await net.flush();
    peer.reply(peer.last('INVITE'), 486, { toTag: 'b1' });
    await net.flush();
    await assert.rejects(busy.result(), (e: unknown) => e instanceof SipError && e.status === 486 && e.response?.status === 486);
    assert.equal(busy.state, 'failed');

    const silent = ua.invite({ target: 'sip:nobody@192.0.2.99', sdp: OFFER });
    const silentResult = silent.result().catch((e: unknown) => e);
    await net.advance(33_000, 500);
    const timeout = await silentResult;
    assert.ok(timeout instanceof SipError && timeout.status === 408);

    const nowhere = ua.invite({ target: 'sip:x@abc.invalid;transport=ws', sdp: OFFER });
    await assert.rejects(nowhere.result(), (e: unknown) => e instanceof SipError && e.status === 503);
  });

  it('session timer asked by the peer with refresher=uac: we refresh with UPDATE at half the interval', async () => {
    const { ua, peer } = setup();
    const call = ua.invite({ target: 'sip:bob@192.0.2.2', sdp: OFFER });
    await net.flush();
    const invite = peer.last('INVITE');
    peer.reply(invite, 200, {
      toTag: 'b1',
      body: ANSWER,
      contentType: 'application/sdp',
      headers: { 'Session-Expires': '120;refresher=uac', Require: 'timer', Allow: 'INVITE, ACK, BYE, UPDATE' },
    });
    await net.flush();
    const dialog = await call.result();
    assert.equal(dialog.sessionInterval, 120);
    const t0 = net.clock.now;
    await net.advance(59_000, 1000);
    assert.equal(cseqs(peer.requests('UPDATE')).length, 0);
    await net.advance(2000, 1000);
    const update = peer.last('UPDATE');
    assert.equal(net.log.find((e) => e.message.kind === 'request' && e.message.method === 'UPDATE')!.at - t0, 60_000);
    assert.equal(getHeader(update, 'Session-Expires'), '120;refresher=uac');
    assert.equal(update.body.length, 0, 'a refresh UPDATE carries no SDP');
    peer.reply(update, 200, { headers: { 'Session-Expires': '120;refresher=uac', Require: 'timer' } });
    await net.flush();
    const t1 = net.clock.now;
    await net.advance(58_000, 1000);
    assert.equal(cseqs(peer.requests('UPDATE')).length, 1, 'the refresh restarted the timer');
    await net.advance(2000, 1000);
    assert.equal(cseqs(peer.requests('UPDATE')).length, 2);
    assert.equal(net.log.filter((e) => e.message.kind === 'request' && e.message.method === 'UPDATE' && getHeader(e.message, 'CSeq') === cseqs(peer.requests('UPDATE'))[1])[0]!.at - t1, 60_000);
    assert.equal(dialog.state, 'confirmed');
  });

  it('session timer with refresher=uas: when the peer does not refresh we BYE before it lapses', async () => {
    const { ua, peer } = setup();
    const call = ua.invite({ target: 'sip:bob@192.0.2.2', sdp: OFFER });
    await net.flush();
    const invite = peer.last('INVITE');
    const ok = peer.reply(invite, 200, { toTag: 'b1', body: ANSWER, contentType: 'application/sdp', headers: { 'Session-Expires': '120;refresher=uas' } });
    await net.flush();
    const dialog = await call.result();
    const ended = new Promise<string>((resolve) => dialog.on('terminated', resolve));
    const t0 = net.clock.now;
    // A refresh from the peer at 60 s restarts the clock.
    const reinvite = peerRequest(peer, 'INVITE', invite, ok, 1, {
      'Session-Expires': '120;refresher=uac',
      Supported: 'timer',
      Contact: '<sip:peer@192.0.2.2:5060>',
      'Content-Type': 'application/sdp',
    });
    reinvite.body = Buffer.from(ANSWER);
    await net.advance(60_000, 1000);
    peer.deliver(reinvite, { protocol: 'udp', address: '192.0.2.1', port: 5060 });
    await net.flush();
    const refreshOk = peer.responses('INVITE').find((r) => r.status === 200)!;
    assert.equal(getHeader(refreshOk, 'Session-Expires'), '120;refresher=uac');
    assert.equal(refreshOk.body.toString(), OFFER, 'without a reinvite listener we answer with our current SDP');
    peer.deliver(createRequest({
      method: 'ACK',
      uri: reinvite.uri,
      headers: { Via: 'SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKpeerack1', From: getHeader(reinvite, 'From')!, To: getHeader(reinvite, 'To')!, 'Call-ID': getHeader(reinvite, 'Call-ID')!, CSeq: '1 ACK' },
    }), { protocol: 'udp', address: '192.0.2.1', port: 5060 });
    // Now the peer refreshes no more: BYE at 120 − min(32, 40) = 88 s after the refresh.
    await net.advance(87_000, 1000);
    assert.equal(peer.requests('BYE').length, 0);
    await net.advance(2000, 1000);
    const bye = peer.last('BYE');
    const sentAt = net.log.find((e) => e.message.kind === 'request' && e.message.method === 'BYE')!.at;
    assert.equal(sentAt - t0, 60_000 + 88_000);
    assert.equal(getHeader(bye, 'Reason'), 'SIP;cause=408;text="Session Timer Expired"');
    assert.equal(await ended, 'session-expired');
  });

  it('422 Session Interval Too Small: the INVITE is sent again with the Min-SE asked for', async () => {
    const { ua, peer } = setup();
    const call = ua.invite({ target: 'sip:bob@192.0.2.2', sdp: OFFER, sessionExpires: 90 });
    await net.flush();
    const first = peer.last('INVITE');
    assert.equal(getHeader(first, 'Session-Expires'), '90;refresher=uac');
    assert.equal(getHeader(first, 'Min-SE'), '90');
    peer.reply(first, 422, { toTag: 'x', headers: { 'Min-SE': '300' } });
    await net.flush();
    const second = peer.last('INVITE');
    assert.equal(getHeader(second, 'CSeq'), '2 INVITE');
    assert.equal(getHeader(second, 'Session-Expires'), '300;refresher=uac');
    assert.equal(getHeader(second, 'Min-SE'), '300');
    peer.reply(second, 200, { toTag: 'b1', body: ANSWER, contentType: 'application/sdp', headers: { 'Session-Expires': '300;refresher=uac' } });
    await net.flush();
    const dialog = await call.result();
    assert.equal(dialog.sessionInterval, 300);
    assert.equal(dialog.getStats().sessionRefresher, true);
  });
});
