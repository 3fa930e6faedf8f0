/**
 * IncomingInvite and the UAS side of the UserAgent against a scripted caller on the in-memory
 * TestNetwork (FakeClock): 180 with a tag (early dialog) → 200 → ACK; 2xx retransmission until
 * the ACK and BYE after 64·T1 without one (§13.3.1.4); CANCEL → 487; reject; Record-Route copied
 * and the UAS route set; 420 / 422 / 481 / 482 / 480 answers; session timers when the caller asks
 * (refresher negotiation, our refresh, BYE on expiry); the caller's BYE in the early dialog.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createRequest, getHeader, getHeaders, getRouteSet, getToTag } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import { SipError, type Dialog } from '../dialog/index.ts';
import type { IncomingInvite } from './incoming-invite.ts';
import { TestNetwork, type TestNode } from './test-network.ts';

const OFFER = 'v=0\r\no=- 7 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=sendrecv\r\n';
const ANSWER = 'v=0\r\no=- 8 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n';
const UA_ADDR = { protocol: 'udp' as const, address: '192.0.2.1', port: 5060 };

let net: TestNetwork;
afterEach(() => net?.close());

function setup() {
  net = new TestNetwork();
  const { ua } = net.userAgent('192.0.2.1', { user: 'bob' });
  const caller = net.node('192.0.2.2');
  const calls: IncomingInvite[] = [];
  ua.on('invite', (call) => calls.push(call));
  return { ua, caller, calls };
}

let seq = 0;
function invite(extra: Record<string, string | string[]> = {}, body = OFFER): SipRequest {
  seq++;
  return createRequest({
    method: 'INVITE',
    uri: 'sip:bob@192.0.2.1',
    headers: {
      Via: `SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKcaller${seq}`,
      From: `"Carol" <sip:carol@192.0.2.2>;tag=carol${seq}`,
      To: '<sip:bob@192.0.2.1>',
      'Call-ID': `call-${seq}@192.0.2.2`,
      CSeq: '10 INVITE',
      Contact: '<sip:carol@192.0.2.2:5060>',
      Supported: 'timer',
      ...extra,
    },
    body,
    contentType: body ? 'application/sdp' : undefined,
  });
}

/** A request the caller sends within the dialog `response` (from us) set up. */
function inDialog(method: string, inv: SipRequest, response: SipResponse, cseq: number, extra: Record<string, string> = {}): SipRequest {
  return createRequest({
    method,
    uri: getHeader(response, 'Contact')!.replace(/^<|>$/g, ''),
    headers: {
      Via: `SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bK${method}${cseq}x${seq}`,
      From: getHeader(inv, 'From')!,
      To: getHeader(response, 'To')!,
      'Call-ID': getHeader(inv, 'Call-ID')!,
      CSeq: `${cseq} ${method}`,
      ...extra,
    },
  });
}

function finalOf(node: TestNode, status: number, method = 'INVITE'): SipResponse {
  const r = node.responses(method).find((x) => x.status === status);
  if (!r) throw new Error(`no ${status} to ${method}`);
  return r;
}

describe('IncomingInvite', () => {
  it('100 → 180 (tagged, early dialog) → 200 → ACK resolves accept() with the dialog', async () => {
    const { ua, caller, calls } = setup();
    const inv = invite();
    caller.deliver(inv, UA_ADDR);
    await net.flush();
    assert.equal(calls.length, 1);
    const call = calls[0]!;
    assert.equal(call.sdp, OFFER);
    assert.equal(call.from.displayName, 'Carol');
    assert.deepEqual(caller.responses().map((r) => r.status), [100], 'trying100Ms: 0 → 100 at once');

    call.progress(180);
    await net.flush();
    const ringing = finalOf(caller, 180);
    assert.equal(getToTag(ringing), call.toTag);
    assert.equal(getHeader(ringing, 'Contact'), '<sip:bob@192.0.2.1:5060>');
    assert.equal(call.dialog!.state, 'early');
    assert.equal(ua.getStats().earlyDialogs, 1);

    const accepted = call.accept(ANSWER);
    await net.flush();
    const ok = finalOf(caller, 200);
    assert.equal(getToTag(ok), call.toTag, 'the same tag as the 180');
    assert.equal(ok.body.toString(), ANSWER);
    assert.equal(getHeader(ok, 'Content-Type'), 'application/sdp');
    assert.equal(getHeader(ok, 'Server'), 'Patchbay');
    assert.match(getHeader(ok, 'Allow')!, /UPDATE/);

    caller.deliver(inDialog('ACK', inv, ok, 10), UA_ADDR);
    await net.flush();
    const dialog = await accepted;
    assert.equal(dialog, call.dialog);
    assert.equal(dialog.state, 'confirmed');
    assert.equal(dialog.remoteTarget, 'sip:carol@192.0.2.2:5060');
    assert.equal(dialog.remoteSeq, 10);
    assert.equal(dialog.localSdp, ANSWER);
    assert.equal(dialog.remoteSdp, OFFER);
    await net.advance(5000, 100);
    assert.equal(caller.responses('INVITE').filter((r) => r.status === 200).length, 1, 'no 2xx retransmission after the ACK');
  });

  it('a bye() before the ACK of our 2xx waits for it (§15); without an ACK the BYE goes at the 64·T1 timeout', async () => {
    const { caller, calls } = setup();
    const inv = invite();
    caller.deliver(inv, UA_ADDR);
    await net.flush();
    const call = calls[0]!;
    void call.accept(ANSWER).catch(() => undefined);
    await net.flush();
    const bye = call.dialog!.bye();
    await net.flush();
    assert.equal(caller.requests('BYE').length, 0, 'no BYE before the ACK');
    await net.advance(64 * 500 + 10);
    assert.equal(caller.requests('BYE').length, 1, 'the BYE after the ACK wait timed out');
    void bye;
  });

  it('retransmits the 2xx until the ACK (T1, 2T1, … capped at T2) and BYEs after 64·T1 without one', async () => {
    const { caller, calls } = setup();
    const inv = invite();
    caller.deliver(inv, UA_ADDR);
    await net.flush();
    const call = calls[0]!;
    const accepted = call.accept(ANSWER).catch((e: unknown) => e);
    const ended = new Promise<string>((resolve) => call.dialog!.on('terminated', resolve));
    const t0 = net.clock.now;
    await net.advance(32_000, 100);
    const times = net.log.filter((e) => e.message.kind === 'response' && e.message.status === 200).map((e) => e.at - t0);
    assert.deepEqual(times, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    const err = await accepted;
    assert.ok(err instanceof SipError);
    assert.equal(err.status, 408);
    assert.equal(await ended, 'ack-timeout');
    const bye = caller.last('BYE');
    assert.equal(bye.uri, 'sip:carol@192.0.2.2:5060');
    assert.equal(getToTag(bye), getHeader(inv, 'From')!.split('tag=')[1]);
    assert.equal(getHeader(bye, 'CSeq'), '1 BYE');
  });

  it('CANCEL: 200 for the CANCEL, 487 for the INVITE, a cancel event; accept() afterwards rejects 487', async () => {
    const { caller, calls } = setup();
    const inv = invite();
    caller.deliver(inv, UA_ADDR);
    await net.flush();
    const call = calls[0]!;
    call.progress(180);
    const cancelled = new Promise<SipRequest>((resolve) => call.on('cancel', resolve));
    const cancel = createRequest({
      method: 'CANCEL',
      uri: inv.uri,
      headers: { Via: getHeader(inv, 'Via')!, From: getHeader(inv, 'From')!, To: getHeader(inv, 'To')!, 'Call-ID': getHeader(inv, 'Call-ID')!, CSeq: '10 CANCEL' },
    });
    caller.deliver(cancel, UA_ADDR);
    await net.flush();
    await cancelled;
    assert.equal(finalOf(caller, 200, 'CANCEL').status, 200);
    const terminated = finalOf(caller, 487);
    assert.equal(getToTag(terminated), call.toTag);
    assert.equal(call.state, 'cancelled');
    assert.equal(call.dialog!.state, 'terminated');
    await assert.rejects(call.accept(ANSWER), (e: unknown) => e instanceof SipError && e.status === 487);
    // A CANCEL for nothing we know: 481.
    const stray = { ...cancel, headers: cancel.headers.map((h) => (h.name === 'Via' ? { ...h, value: 'SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKnothing' } : h)) };
    caller.deliver(stray, UA_ADDR);
    await net.flush();
    assert.equal(caller.responses('CANCEL').pop()!.status, 481);
  });

  it('reject(486) answers once; a later reject or accept does nothing', async () => {
    const { caller, calls } = setup();
    caller.deliver(invite(), UA_ADDR);
    await net.flush();
    const call = calls[0]!;
    assert.equal(call.reject(486), true);
    assert.equal(call.reject(603), false);
    await net.flush();
    assert.deepEqual(caller.responses('INVITE').map((r) => r.status), [100, 486]);
    assert.equal(caller.requests('ACK').length, 0);
  });

  it('copies Record-Route into 1xx/2xx and uses it in order as the route set', async () => {
    const { caller, calls } = setup();
    const proxy = net.node('192.0.2.50');
    const inv = invite({ 'Record-Route': ['<sip:192.0.2.50;lr>', '<sip:192.0.2.60;lr>'] });
    caller.deliver(inv, UA_ADDR);
    await net.flush();
    const call = calls[0]!;
    call.progress(183, ANSWER);
    void call.accept(ANSWER).catch(() => undefined);
    await net.flush();
    for (const status of [183, 200]) {
      assert.deepEqual(getHeaders(finalOf(caller, status), 'Record-Route'), ['<sip:192.0.2.50;lr>', '<sip:192.0.2.60;lr>']);
    }
    assert.deepEqual(call.dialog!.routeSet, ['<sip:192.0.2.50;lr>', '<sip:192.0.2.60;lr>']);
    // §15: our BYE waits for the ACK of our 2xx.
    void call.dialog!.bye();
    await net.flush();
    assert.throws(() => proxy.last('BYE'), /no BYE/);
    caller.deliver(inDialog('ACK', inv, finalOf(caller, 200), 10), UA_ADDR);
    await net.flush();
    const bye = proxy.last('BYE');
    assert.equal(bye.uri, 'sip:carol@192.0.2.2:5060');
    assert.deepEqual(getRouteSet(bye).map((r) => r.uri), ['sip:192.0.2.50;lr', 'sip:192.0.2.60;lr']);
  });

  it('answers 420 for unsupported Require, 422 below our Min-SE, 480 without a listener, 481 for unknown dialogs, 482 for merged requests', async () => {
    const { ua, caller, calls } = setup();
    caller.deliver(invite({ Require: '100rel, timer', 'Session-Expires': '1800' }), UA_ADDR);
    await net.flush();
    const r420 = caller.responses('INVITE').pop()!;
    assert.equal(r420.status, 420);
    assert.equal(getHeader(r420, 'Unsupported'), '100rel');

    caller.deliver(invite({ 'Session-Expires': '60' }), UA_ADDR);
    await net.flush();
    const r422 = caller.responses('INVITE').pop()!;
    assert.equal(r422.status, 422);
    assert.equal(getHeader(r422, 'Min-SE'), '90');

    const bye = createRequest({
      method: 'BYE',
      uri: 'sip:bob@192.0.2.1',
      headers: { Via: 'SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKbye481', From: '<sip:carol@192.0.2.2>;tag=c', To: '<sip:bob@192.0.2.1>;tag=nope', 'Call-ID': 'unknown', CSeq: '2 BYE' },
    });
    caller.deliver(bye, UA_ADDR);
    await net.flush();
    assert.equal(caller.responses('BYE').pop()!.status, 481);

    // The same INVITE over a second path (another branch): 482.
    const first = invite();
    caller.deliver(first, UA_ADDR);
    await net.flush();
    const merged = { ...first, headers: first.headers.map((h) => (h.name === 'Via' ? { ...h, value: 'SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKotherpath' } : h)) };
    caller.deliver(merged, UA_ADDR);
    await net.flush();
    assert.equal(caller.responses('INVITE').pop()!.status, 482);
    assert.equal(calls.length, 1);

    ua.removeAllListeners('invite');
    caller.deliver(invite(), UA_ADDR);
    await net.flush();
    assert.equal(caller.responses('INVITE').pop()!.status, 480);
  });

  it("the caller's BYE in the early dialog: 200 for the BYE, 487 for the INVITE (§15.1.2)", async () => {
    const { caller, calls } = setup();
    const inv = invite();
    caller.deliver(inv, UA_ADDR);
    await net.flush();
    const call = calls[0]!;
    call.progress(180);
    await net.flush();
    const cancelled = new Promise<void>((resolve) => call.on('cancel', () => resolve()));
    caller.deliver(inDialog('BYE', inv, finalOf(caller, 180), 11), UA_ADDR);
    await net.flush();
    await cancelled;
    assert.equal(finalOf(caller, 200, 'BYE').status, 200);
    assert.equal(finalOf(caller, 487).status, 487);
    assert.equal(call.dialog!.endReason, 'bye');
  });

  it('session timer: the caller supports timer and names no refresher → refresher=uac, Require: timer; we BYE when it never refreshes', async () => {
    const { caller, calls } = setup();
    const inv = invite({ 'Session-Expires': '100', 'Min-SE': '90' });
    caller.deliver(inv, UA_ADDR);
    await net.flush();
    const call = calls[0]!;
    const accepted = call.accept(ANSWER);
    await net.flush();
    const ok = finalOf(caller, 200);
    assert.equal(getHeader(ok, 'Session-Expires'), '100;refresher=uac');
    assert.equal(getHeader(ok, 'Require'), 'timer');
    caller.deliver(inDialog('ACK', inv, ok, 10), UA_ADDR);
    await net.flush();
    const dialog = await accepted;
    const ended = new Promise<string>((resolve) => dialog.on('terminated', resolve));
    const t0 = net.clock.now;
    // A refresh (UPDATE without SDP) at 50 s restarts the expiry.
    await net.advance(50_000, 1000);
    caller.deliver(inDialog('UPDATE', inv, ok, 11, { 'Session-Expires': '100;refresher=uac', Supported: 'timer', Contact: '<sip:carol@192.0.2.2:5060>' }), UA_ADDR);
    await net.flush();
    const updOk = finalOf(caller, 200, 'UPDATE');
    assert.equal(getHeader(updOk, 'Session-Expires'), '100;refresher=uac');
    assert.equal(updOk.body.length, 0);
    await net.advance(100_000, 1000);
    assert.equal(await ended, 'session-expired');
    const at = net.log.find((e) => e.message.kind === 'request' && e.message.method === 'BYE')!.at;
    assert.equal(at - t0, 50_000 + 68_000, 'BYE at 100 − min(32, 100/3) s after the refresh');
  });

  it('session timer with refresher=uas: we refresh with re-INVITE (the caller has no UPDATE) at half the interval', async () => {
    const { caller, calls } = setup();
    const inv = invite({ 'Session-Expires': '200;refresher=uas', Allow: 'INVITE, ACK, BYE, CANCEL' });
    caller.deliver(inv, UA_ADDR);
    await net.flush();
    const call = calls[0]!;
    const accepted = call.accept(ANSWER);
    await net.flush();
    const ok = finalOf(caller, 200);
    assert.equal(getHeader(ok, 'Session-Expires'), '200;refresher=uas');
    caller.deliver(inDialog('ACK', inv, ok, 10), UA_ADDR);
    await net.flush();
    const dialog: Dialog = await accepted;
    const t0 = net.clock.now;
    await net.advance(101_000, 1000);
    const reinvite = caller.last('INVITE');
    assert.notEqual(reinvite, inv);
    assert.equal(net.log.find((e) => e.message.kind === 'request' && e.message.method === 'INVITE' && getHeader(e.message, 'CSeq') === '1 INVITE')!.at - t0, 100_000);
    assert.equal(getHeader(reinvite, 'Session-Expires'), '200;refresher=uac', 'we refresh, so we are the UAC of this refresh');
    assert.equal(reinvite.body.toString(), ANSWER, 'the refresh re-offers our current SDP');
    caller.reply(reinvite, 200, { body: OFFER, contentType: 'application/sdp', headers: { 'Session-Expires': '200;refresher=uac' } });
    await net.flush();
    assert.equal(caller.requests('ACK').length, 1, 'the re-INVITE 2xx is ACKed');
    assert.equal(dialog.sessionInterval, 200);
    assert.equal(dialog.getStats().sessionRefresher, true);
  });
});
