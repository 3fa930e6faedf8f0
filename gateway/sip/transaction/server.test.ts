/**
 * Server transactions (RFC 3261 §17.2 Figures 7 and 8, RFC 6026 §7.1) driven by a FakeClock and
 * a FakeTransport: 100 Trying, answering retransmissions from the transaction, timers G/H/I/J/L,
 * the accepted state, reliable-transport shortcuts, transport errors, §17.2.3 matching with the
 * RFC 2543 fallback, CANCEL lookup, and the §13.3.1.4 2xx retransmission until ACK.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequest, createResponse, getHeader, getToTag } from '../message/index.ts';
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import { FakeClock } from './fake-clock.ts';
import { FakeTransport } from './fake-transport.ts';
import type { InviteServerTransaction } from './invite-server.ts';
import type { ServerTransaction } from './server-transaction.ts';
import { TransactionLayer, type TransactionLayerOptions } from './transaction-layer.ts';

const PEER: SipEndpoint = { protocol: 'udp', address: '192.0.2.10', port: 5060 };
const PEER_TCP: SipEndpoint = { protocol: 'tcp', address: '192.0.2.10', port: 40123, connectionId: 'tcp-1' };

interface ReqOpts {
  branch?: string | null;
  cseq?: number;
  sentBy?: string;
  toTag?: string;
  transport?: string;
  uri?: string;
  callId?: string;
}

let n = 0;
function request(method: string, o: ReqOpts = {}): SipRequest {
  const branch = o.branch === undefined ? `z9hG4bKsrv${++n}` : o.branch;
  const cseqMethod = method === 'ACK' || method === 'CANCEL' ? method : method;
  return createRequest({
    method,
    uri: o.uri ?? 'sip:bob@192.0.2.20',
    headers: {
      Via: `SIP/2.0/${o.transport ?? 'UDP'} ${o.sentBy ?? '192.0.2.10:5060'}${branch === null ? '' : `;branch=${branch}`}`,
      From: '<sip:alice@192.0.2.10>;tag=alice1',
      To: `<sip:bob@192.0.2.20>${o.toTag ? `;tag=${o.toTag}` : ''}`,
      'Call-ID': o.callId ?? 'srv-call@192.0.2.10',
      CSeq: `${o.cseq ?? 1} ${cseqMethod}`,
    },
  });
}

function setup(options: TransactionLayerOptions = {}) {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const times: number[] = [];
  const send = transport.send.bind(transport);
  transport.send = (m, d) => {
    times.push(clock.now);
    return send(m, d);
  };
  const layer = new TransactionLayer(transport, { timers: clock, ...options });
  const requests: ServerTransaction[] = [];
  layer.on('request', (st) => requests.push(st));
  const statuses = () => transport.sent.map((s) => (s.message.kind === 'response' ? s.message.status : s.message.method));
  return { clock, transport, layer, times, requests, statuses };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('INVITE server transaction', () => {
  it('sends 100 Trying after 200 ms when the TU is silent', () => {
    const { clock, layer, requests, statuses, transport } = setup();
    layer.receive(request('INVITE'), PEER);
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.state, 'proceeding');
    clock.advance(199);
    assert.deepEqual(statuses(), []);
    clock.advance(1);
    assert.deepEqual(statuses(), [100]);
    const trying = transport.sent[0]!.message as SipResponse;
    assert.equal(getToTag(trying), undefined, '100 Trying carries no To tag');
    assert.deepEqual(transport.sent[0]!.destination, PEER);
  });

  it('sends no 100 when the TU answers within 200 ms, and sends it at once with trying100Ms = 0', () => {
    const a = setup();
    a.layer.receive(request('INVITE'), PEER);
    a.requests[0]!.respond(createResponse(a.requests[0]!.request, 180, undefined, { toTag: 'b1' }));
    a.clock.advance(1000);
    assert.deepEqual(a.statuses(), [180]);
    const b = setup({ trying100Ms: 0 });
    b.layer.receive(request('INVITE'), PEER);
    assert.deepEqual(b.statuses(), [100]);
  });

  it('answers a retransmitted INVITE with the last provisional, without a new request for the TU', () => {
    const { layer, requests, statuses } = setup();
    const invite = request('INVITE');
    layer.receive(invite, PEER);
    const st = requests[0]!;
    st.respond(createResponse(st.request, 180, undefined, { toTag: 'b1' }));
    layer.receive(request('INVITE', { branch: st.request.headers[0]!.value.split('branch=')[1] }), PEER);
    assert.equal(requests.length, 1);
    assert.deepEqual(statuses(), [180, 180]);
  });

  it('retransmits a non-2xx final on timer G (T1 doubling to T2) and gives up on timer H', () => {
    const { clock, layer, requests, times } = setup();
    layer.receive(request('INVITE'), PEER);
    const st = requests[0]!;
    const events: string[] = [];
    st.on('timeout', () => events.push('timeout'));
    st.on('terminated', () => events.push('terminated'));
    assert.equal(st.respond(createResponse(st.request, 486, undefined, { toTag: 'b1' })), true);
    assert.equal(st.state, 'completed');
    assert.equal(st.respond(createResponse(st.request, 500, undefined, { toTag: 'b1' })), false, 'one final only');
    clock.advance(31_999);
    assert.deepEqual(times, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.deepEqual(events, []);
    clock.advance(1);
    assert.deepEqual(events, ['timeout', 'terminated']);
  });

  it('answers INVITE retransmissions in completed with the final response', () => {
    const { layer, requests, statuses } = setup();
    const invite = request('INVITE', { branch: 'z9hG4bKretrans' });
    layer.receive(invite, PEER);
    requests[0]!.respond(createResponse(invite, 404, undefined, { toTag: 'b1' }));
    layer.receive(request('INVITE', { branch: 'z9hG4bKretrans' }), PEER);
    assert.deepEqual(statuses(), [404, 404]);
    assert.equal(requests.length, 1);
  });

  it('moves to confirmed on ACK, stops G, absorbs further ACKs, and ends on timer I (T4)', () => {
    const { clock, layer, requests, times, transport } = setup();
    const acks: SipRequest[] = [];
    layer.on('ack', (a) => acks.push(a));
    layer.receive(request('INVITE', { branch: 'z9hG4bKack' }), PEER);
    const st = requests[0]!;
    st.respond(createResponse(st.request, 603, undefined, { toTag: 'b1' }));
    clock.advance(600);
    layer.receive(request('ACK', { branch: 'z9hG4bKack', toTag: 'b1' }), PEER);
    assert.equal(st.state, 'confirmed');
    layer.receive(request('ACK', { branch: 'z9hG4bKack', toTag: 'b1' }), PEER);
    assert.equal(acks.length, 0, 'ACKs for non-2xx stay in the transaction');
    clock.advance(4999);
    assert.equal(st.state, 'confirmed');
    clock.advance(1);
    assert.equal(st.state, 'terminated');
    assert.deepEqual(times, [0, 500]);
    assert.equal(transport.sent.length, 2);
  });

  it('over a reliable transport never retransmits and terminates on the ACK (timer I = 0)', () => {
    const { clock, layer, requests, statuses } = setup();
    layer.receive(request('INVITE', { branch: 'z9hG4bKtcp', transport: 'TCP' }), PEER_TCP);
    const st = requests[0]!;
    st.respond(createResponse(st.request, 486, undefined, { toTag: 'b1' }));
    clock.advance(10_000);
    assert.deepEqual(statuses(), [486]);
    layer.receive(request('ACK', { branch: 'z9hG4bKtcp', transport: 'TCP', toTag: 'b1' }), PEER_TCP);
    assert.equal(st.state, 'terminated');
    assert.deepEqual(layer.getStats().serverTransactions, 0);
  });

  it('in accepted absorbs INVITE retransmissions, passes matching ACKs to the TU and ends on timer L', () => {
    const { clock, layer, requests, statuses } = setup({ retransmit2xx: false });
    const acks: SipRequest[] = [];
    layer.on('ack', (a) => acks.push(a));
    layer.receive(request('INVITE', { branch: 'z9hG4bKok' }), PEER);
    const st = requests[0]!;
    const ok = createResponse(st.request, 200, undefined, { toTag: 'b1' });
    st.respond(ok);
    assert.equal(st.state, 'accepted');
    layer.receive(request('INVITE', { branch: 'z9hG4bKok' }), PEER);
    assert.deepEqual(statuses(), [200], 'retransmitted INVITE absorbed');
    assert.equal(requests.length, 1);
    assert.equal(st.respond(ok), true, "the TU's 2xx retransmission passes through");
    assert.equal(st.respond(createResponse(st.request, 486, undefined, { toTag: 'b1' })), false);
    assert.deepEqual(statuses(), [200, 200]);
    layer.receive(request('ACK', { branch: 'z9hG4bKok', toTag: 'b1' }), PEER);
    assert.equal(acks.length, 1);
    clock.advance(32_000 - 1);
    assert.equal(st.state, 'accepted');
    clock.advance(1);
    assert.equal(st.state, 'terminated');
  });

  it('tells the TU about a transport failure and terminates', async () => {
    const { layer, requests, transport } = setup();
    layer.receive(request('INVITE'), PEER);
    const st = requests[0]!;
    transport.failAll('EHOSTUNREACH');
    const errors: string[] = [];
    st.on('transportError', (e) => errors.push(e.code));
    st.respond(createResponse(st.request, 486, undefined, { toTag: 'b1' }));
    await tick();
    assert.deepEqual(errors, ['EHOSTUNREACH']);
    assert.equal(st.state, 'terminated');
  });
});

describe('non-INVITE server transaction', () => {
  it('absorbs retransmissions while trying, repeats the provisional, then the final; ends on timer J', () => {
    const { clock, layer, requests, statuses } = setup();
    const make = () => request('REGISTER', { branch: 'z9hG4bKreg' });
    layer.receive(make(), PEER);
    const st = requests[0]!;
    assert.equal(st.state, 'trying');
    layer.receive(make(), PEER);
    assert.deepEqual(statuses(), []);
    st.respond(createResponse(st.request, 100));
    assert.equal(st.state, 'proceeding');
    layer.receive(make(), PEER);
    assert.deepEqual(statuses(), [100, 100]);
    st.respond(createResponse(st.request, 200, undefined, { toTag: 'r1' }));
    assert.equal(st.state, 'completed');
    layer.receive(make(), PEER);
    assert.deepEqual(statuses(), [100, 100, 200, 200]);
    assert.equal(st.respond(createResponse(st.request, 500)), false);
    assert.equal(requests.length, 1);
    clock.advance(32_000 - 1);
    assert.equal(st.state, 'completed');
    clock.advance(1);
    assert.equal(st.state, 'terminated');
    layer.receive(make(), PEER);
    assert.equal(requests.length, 2, 'after J a retransmission is a new request');
  });

  it('over a reliable transport terminates on the final response (timer J = 0)', () => {
    const { layer, requests } = setup();
    layer.receive(request('OPTIONS', { transport: 'TCP' }), PEER_TCP);
    const st = requests[0]!;
    st.respond(createResponse(st.request, 200, undefined, { toTag: 'o1' }));
    assert.equal(st.state, 'terminated');
  });

  it('answers 500 when no TU listens', () => {
    const transport = new FakeTransport();
    const layer = new TransactionLayer(transport, { timers: new FakeClock() });
    layer.receive(request('OPTIONS'), PEER);
    const res = transport.sent[0]!.message as SipResponse;
    assert.equal(res.status, 500);
    assert.ok(getToTag(res));
  });
});

describe('server transaction matching (§17.2.3)', () => {
  it('keys on branch, sent-by and method', () => {
    const { layer, requests } = setup();
    layer.receive(request('INVITE', { branch: 'z9hG4bKm' }), PEER);
    layer.receive(request('INVITE', { branch: 'z9hG4bKm', sentBy: '192.0.2.99:5060' }), PEER);
    layer.receive(request('OPTIONS', { branch: 'z9hG4bKm' }), PEER);
    layer.receive(request('INVITE', { branch: 'z9hG4bKm' }), PEER);
    assert.deepEqual(
      requests.map((r) => r.method),
      ['INVITE', 'INVITE', 'OPTIONS'],
    );
  });

  it('finds the INVITE a CANCEL targets, which is told about it', () => {
    const { layer, requests } = setup();
    layer.receive(request('INVITE', { branch: 'z9hG4bKc1' }), PEER);
    const invite = requests[0]! as InviteServerTransaction;
    const cancels: SipRequest[] = [];
    invite.on('cancel', (c) => cancels.push(c));
    layer.receive(request('CANCEL', { branch: 'z9hG4bKc1' }), PEER);
    const cancel = requests[1]!;
    assert.equal(cancel.method, 'CANCEL');
    assert.equal(cancel.cancelTarget, invite);
    assert.equal(cancels.length, 1);
    assert.equal(layer.findCancelTarget(cancel.request), invite);
    layer.receive(request('CANCEL', { branch: 'z9hG4bKnomatch' }), PEER);
    assert.equal(requests[2]!.cancelTarget, undefined);
  });

  it('falls back to RFC 2543 rules when the branch lacks the magic cookie', () => {
    const { layer, requests, statuses } = setup();
    const acks: SipRequest[] = [];
    layer.on('ack', (a) => acks.push(a));
    const old = () => request('INVITE', { branch: null, cseq: 5 });
    layer.receive(old(), PEER);
    layer.receive(old(), PEER); // retransmission: same URI, tags, Call-ID, CSeq, top Via
    assert.equal(requests.length, 1);
    assert.deepEqual(statuses(), [100], 'a retransmission before any response gets 100 Trying at once');
    const st = requests[0]!;
    st.respond(createResponse(st.request, 486, undefined, { toTag: 'old1' }));
    layer.receive(old(), PEER);
    assert.deepEqual(statuses(), [100, 486, 486]);
    // ACK with the To tag of our response matches; one with another To tag does not.
    layer.receive(request('ACK', { branch: null, cseq: 5, toTag: 'other' }), PEER);
    assert.equal(acks.length, 1);
    assert.equal(st.state, 'completed');
    layer.receive(request('ACK', { branch: null, cseq: 5, toTag: 'old1' }), PEER);
    assert.equal(st.state, 'confirmed');
    // A different CSeq is a different transaction; so is another Request-URI.
    layer.receive(request('INVITE', { branch: null, cseq: 6 }), PEER);
    layer.receive(request('INVITE', { branch: null, cseq: 5, uri: 'sip:carol@192.0.2.20' }), PEER);
    assert.equal(requests.length, 3);
  });

  it('matches an RFC 2543 CANCEL to its INVITE', () => {
    const { layer, requests } = setup();
    layer.receive(request('INVITE', { branch: null, cseq: 9 }), PEER);
    layer.receive(request('CANCEL', { branch: null, cseq: 9 }), PEER);
    assert.equal(requests[1]!.cancelTarget, requests[0]);
  });
});

describe('2xx retransmission by the UAS core (§13.3.1.4)', () => {
  function answer(options: TransactionLayerOptions = {}) {
    const ctx = setup(options);
    ctx.layer.receive(request('INVITE', { branch: 'z9hG4bKuas', cseq: 3 }), PEER);
    const st = ctx.requests[0]!;
    const ok = createResponse(st.request, 200, undefined, { toTag: 'uas1' });
    st.respond(ok);
    return { ...ctx, st, ok };
  }

  it('retransmits the 2xx at T1 doubling to T2 until the ACK arrives, then hands the ACK to the TU', () => {
    const { clock, layer, times, transport } = answer();
    const acks: SipRequest[] = [];
    layer.on('ack', (a) => acks.push(a));
    clock.advance(8000);
    assert.deepEqual(times, [0, 500, 1500, 3500, 7500]);
    assert.ok(transport.sent.every((s) => s.message.kind === 'response' && s.message.status === 200));
    assert.equal(layer.getStats().pending2xx, 1);
    // The ACK for a 2xx has its own branch.
    layer.receive(request('ACK', { branch: 'z9hG4bKack2xx', cseq: 3, toTag: 'uas1' }), PEER);
    assert.equal(acks.length, 1);
    assert.equal(layer.getStats().pending2xx, 0);
    clock.advance(60_000);
    assert.equal(times.length, 5);
  });

  it('stops retransmitting the 2xx when a BYE of that dialog arrives before the ACK (regression)', () => {
    const { clock, layer, times } = answer();
    const timeouts: SipResponse[] = [];
    layer.on('ackTimeout', (r) => timeouts.push(r));
    clock.advance(600);
    assert.deepEqual(times, [0, 500]);
    layer.receive(request('BYE', { branch: 'z9hG4bKbye', cseq: 4, toTag: 'uas1' }), PEER);
    assert.equal(layer.getStats().pending2xx, 0);
    const sentBefore = times.length;
    clock.advance(60_000);
    assert.equal(times.length, sentBefore, 'no 200 retransmitted after the BYE');
    assert.equal(timeouts.length, 0, 'no ackTimeout for the ended dialog');
  });

  it('a BYE of another dialog does not stop a pending 2xx', () => {
    const { clock, layer, times } = answer();
    layer.receive(request('BYE', { branch: 'z9hG4bKbye2', cseq: 4, toTag: 'other', callId: 'other-call' }), PEER);
    assert.equal(layer.getStats().pending2xx, 1);
    clock.advance(1600);
    assert.deepEqual(times.slice(0, 3), [0, 500, 1500]);
  });

  it('ignores an ACK for another CSeq and reports ackTimeout after 64·T1', () => {
    const { clock, layer, times } = answer();
    const timeouts: SipResponse[] = [];
    layer.on('ackTimeout', (r) => timeouts.push(r));
    layer.receive(request('ACK', { branch: 'z9hG4bKackx', cseq: 2, toTag: 'uas1' }), PEER);
    clock.advance(31_999);
    assert.deepEqual(times, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(timeouts.length, 0);
    clock.advance(1);
    assert.equal(timeouts.length, 1);
    assert.equal(getHeader(timeouts[0]!, 'CSeq'), '3 INVITE');
    assert.equal(layer.getStats().pending2xx, 0);
  });

  it('also retransmits over a reliable transport (hops beyond may be UDP)', () => {
    const ctx = setup();
    ctx.layer.receive(request('INVITE', { branch: 'z9hG4bKr', transport: 'TCP' }), PEER_TCP);
    const st = ctx.requests[0]!;
    st.respond(createResponse(st.request, 200, undefined, { toTag: 't' }));
    ctx.clock.advance(2000);
    assert.deepEqual(ctx.times, [0, 500, 1500]);
    assert.ok(ctx.transport.sent.every((s) => s.destination === PEER_TCP));
  });
});

describe('Invite2xxRetransmitter used directly (dialog layer)', () => {
  it('matches ACKs by Call-ID, tags and CSeq number, and stops on acknowledge() or stop()', async () => {
    const { Invite2xxRetransmitter } = await import('./invite-2xx.ts');
    const clock = new FakeClock();
    const invite = request('INVITE', { cseq: 4 });
    const ok = createResponse(invite, 200, undefined, { toTag: 'd1' });
    const sent: number[] = [];
    const r = new Invite2xxRetransmitter({
      response: ok,
      send: async () => void sent.push(clock.now),
      timers: clock,
      config: { t1: 500, t2: 4000 },
    });
    const events: string[] = [];
    r.on('acknowledged', () => events.push('acknowledged'));
    r.on('stopped', () => events.push('stopped'));
    clock.advance(1600);
    assert.deepEqual(sent, [500, 1500]);
    assert.equal(r.matches(request('ACK', { cseq: 4, toTag: 'other' })), false);
    assert.equal(r.matches(request('ACK', { cseq: 5, toTag: 'd1' })), false);
    assert.equal(r.matches(request('ACK', { cseq: 4, toTag: 'd1', callId: 'another' })), false);
    assert.equal(r.acknowledge(request('ACK', { cseq: 4, toTag: 'd1' })), true);
    assert.equal(r.acknowledge(request('ACK', { cseq: 4, toTag: 'd1' })), false);
    assert.equal(r.active, false);
    r.stop();
    clock.advance(60_000);
    assert.deepEqual(sent, [500, 1500]);
    assert.deepEqual(events, ['acknowledged', 'stopped']);
    assert.equal(clock.pending, 0);
  });
});
