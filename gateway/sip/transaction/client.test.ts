/**
 * Client transactions (RFC 3261 §17.1 Figures 5 and 6, RFC 6026 §8.4) driven by a FakeClock and
 * a FakeTransport: retransmission schedules (timers A and E), timeouts (B, F → local 408),
 * absorbing timers (D, K, M), ACK for non-2xx, reliable-transport shortcuts, transport errors
 * (→ local 503) and response matching (§17.1.3).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequest, createResponse, getHeader, getHeaders } from '../message/index.ts';
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import { TransportError } from '../transport/index.ts';
import { FakeClock } from './fake-clock.ts';
import { FakeTransport } from './fake-transport.ts';
import { TransactionLayer } from './transaction-layer.ts';

const UDP: SipEndpoint = { protocol: 'udp', address: '192.0.2.20', port: 5060 };
const TCP: SipEndpoint = { protocol: 'tcp', address: '192.0.2.20', port: 5060 };
const FROM_PEER: SipEndpoint = { protocol: 'udp', address: '192.0.2.20', port: 5060 };

let branchCounter = 0;
function request(method: string, opts: { branch?: string; routes?: string[]; transport?: string } = {}): SipRequest {
  const branch = opts.branch ?? `z9hG4bKclient${++branchCounter}`;
  return createRequest({
    method,
    uri: 'sip:bob@192.0.2.20',
    headers: {
      Via: `SIP/2.0/${opts.transport ?? 'UDP'} 192.0.2.10:5060;branch=${branch};rport`,
      From: '"Alice" <sip:alice@192.0.2.10>;tag=from1',
      To: '<sip:bob@192.0.2.20>',
      'Call-ID': 'call-1@192.0.2.10',
      CSeq: `7 ${method}`,
      ...(opts.routes ? { Route: opts.routes } : {}),
    },
  });
}

function reply(req: SipRequest, status: number, toTag = 'to9'): SipResponse {
  return createResponse(req, status, undefined, status === 100 ? {} : { toTag });
}

function setup(options: { t1?: number } = {}) {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const times: number[] = [];
  const send = transport.send.bind(transport);
  transport.send = (m, d) => {
    times.push(clock.now);
    return send(m, d);
  };
  const layer = new TransactionLayer(transport, { timers: clock, ...options });
  return { clock, transport, layer, times };
}

describe('INVITE client transaction', () => {
  it('retransmits on timer A (T1 doubling, no cap) and times out on timer B with a local 408', async () => {
    const { clock, transport, layer, times } = setup();
    const ct = layer.sendRequest(request('INVITE'), UDP);
    const events: string[] = [];
    ct.on('timeout', (res) => events.push(`timeout ${res.status}`));
    ct.on('terminated', () => events.push('terminated'));
    assert.equal(ct.state, 'calling');
    clock.advance(31_999);
    assert.deepEqual(times, [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.ok(transport.sent.every((s) => s.message.kind === 'request' && s.message.method === 'INVITE'));
    assert.deepEqual(events, []);
    clock.advance(1);
    assert.deepEqual(events, ['timeout 408', 'terminated']);
    assert.equal(ct.state, 'terminated');
    assert.equal((await ct.result()).status, 408);
    assert.equal(layer.getStats().clientTransactions, 0);
    assert.equal(clock.pending, 0);
  });

  it('stops retransmitting and timer B once a provisional arrives (proceeding)', () => {
    const { clock, layer, times } = setup();
    const req = request('INVITE');
    const ct = layer.sendRequest(req, UDP);
    const provisional: number[] = [];
    ct.on('provisional', (res) => provisional.push(res.status));
    clock.advance(600);
    layer.receive(reply(req, 100), FROM_PEER);
    layer.receive(reply(req, 180), FROM_PEER);
    assert.equal(ct.state, 'proceeding');
    assert.deepEqual(provisional, [100, 180]);
    clock.advance(120_000);
    assert.deepEqual(times, [0, 500]);
    assert.equal(ct.state, 'proceeding');
  });

  it('answers a non-2xx final with an ACK in the transaction, re-ACKs retransmissions, and ends on timer D', async () => {
    const { clock, transport, layer } = setup();
    const req = request('INVITE', { routes: ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>'] });
    const ct = layer.sendRequest(req, UDP);
    const finals: number[] = [];
    ct.on('final', (res) => finals.push(res.status));
    transport.take();
    const busy = reply(req, 486, 'callee7');
    layer.receive(busy, FROM_PEER);
    assert.equal(ct.state, 'completed');
    assert.deepEqual(finals, [486]);
    const sent = transport.take();
    assert.equal(sent.length, 1);
    const ack = sent[0]!.message as SipRequest;
    assert.equal(ack.method, 'ACK');
    assert.equal(ack.uri, req.uri);
    assert.deepEqual(getHeaders(ack, 'Via'), [getHeaders(req, 'Via')[0]]);
    assert.equal(getHeader(ack, 'From'), getHeader(req, 'From'));
    assert.equal(getHeader(ack, 'To'), '<sip:bob@192.0.2.20>;tag=callee7');
    assert.equal(getHeader(ack, 'Call-ID'), getHeader(req, 'Call-ID'));
    assert.equal(getHeader(ack, 'CSeq'), '7 ACK');
    assert.deepEqual(getHeaders(ack, 'Route'), ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    assert.equal(ack.body.length, 0);
    assert.deepEqual(sent[0]!.destination, UDP);
    // A retransmitted 486 is answered with the same ACK and not shown to the TU.
    clock.advance(1000);
    layer.receive(busy, FROM_PEER);
    const again = transport.take();
    assert.equal(again.length, 1);
    assert.equal(again[0]!.message, ack);
    assert.deepEqual(finals, [486]);
    // Timer D (32 s on UDP).
    clock.advance(30_999);
    assert.equal(ct.state, 'completed');
    clock.advance(1);
    assert.equal(ct.state, 'terminated');
    assert.equal((await ct.result()).status, 486);
  });

  it('over a reliable transport never retransmits and leaves completed at once (timer D = 0)', () => {
    const { clock, transport, layer } = setup();
    const req = request('INVITE', { transport: 'TCP' });
    const ct = layer.sendRequest(req, TCP);
    clock.advance(31_000);
    assert.equal(transport.take().length, 1);
    const states: string[] = [];
    ct.on('stateChange', (s) => states.push(s));
    layer.receive(reply(req, 603), { ...TCP, connectionId: 'tcp-1' });
    assert.deepEqual(states, ['completed', 'terminated']);
    assert.equal((transport.take()[0]!.message as SipRequest).method, 'ACK');
  });

  it('goes to accepted on 2xx, passes further 2xx up (RFC 6026), ends on timer M; later 2xx are stray', () => {
    const { clock, layer, transport } = setup();
    const req = request('INVITE');
    const ct = layer.sendRequest(req, UDP);
    const seen: string[] = [];
    ct.on('final', (r) => seen.push(`final ${r.status}`));
    ct.on('additional2xx', (r) => seen.push(`additional ${r.status} ${getHeader(r, 'To')}`));
    layer.on('strayResponse', (r) => seen.push(`stray ${r.status}`));
    transport.take();
    layer.receive(reply(req, 200, 'fork1'), FROM_PEER);
    assert.equal(ct.state, 'accepted');
    layer.receive(reply(req, 200, 'fork1'), FROM_PEER);
    layer.receive(reply(req, 200, 'fork2'), FROM_PEER);
    assert.equal(transport.take().length, 0, 'no ACK for 2xx from the transaction');
    clock.advance(64 * 500 - 1);
    assert.equal(ct.state, 'accepted');
    clock.advance(1);
    assert.equal(ct.state, 'terminated');
    layer.receive(reply(req, 200, 'fork1'), FROM_PEER);
    assert.deepEqual(seen, [
      'final 200',
      'additional 200 <sip:bob@192.0.2.20>;tag=fork1',
      'additional 200 <sip:bob@192.0.2.20>;tag=fork2',
      'stray 200',
    ]);
  });

  it('turns a transport failure into transportError with a local 503', async () => {
    const { transport, layer } = setup();
    transport.failAll('ECONNREFUSED');
    const ct = layer.sendRequest(request('INVITE'), UDP);
    const seen: Array<[TransportError, SipResponse]> = [];
    ct.on('transportError', (err, res) => seen.push([err, res]));
    const result = await ct.result();
    assert.equal(result.status, 503);
    assert.equal(seen.length, 1);
    assert.ok(seen[0]![0] instanceof TransportError);
    assert.equal(seen[0]![0].code, 'ECONNREFUSED');
    assert.equal(ct.state, 'terminated');
    assert.equal(layer.getStats().clientTransactions, 0);
  });

  it('refuses to run ACK as a transaction', () => {
    const { layer } = setup();
    assert.throws(() => layer.sendRequest(request('ACK'), UDP), /sendAck/);
  });
});

describe('non-INVITE client transaction', () => {
  it('retransmits on timer E (T1 doubling to T2) and times out on timer F with a local 408', async () => {
    const { clock, layer, times } = setup();
    const ct = layer.sendRequest(request('OPTIONS'), UDP);
    assert.equal(ct.state, 'trying');
    const timeouts: SipResponse[] = [];
    ct.on('timeout', (r) => timeouts.push(r));
    clock.advance(31_999);
    assert.deepEqual(times, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(timeouts.length, 0);
    clock.advance(1);
    assert.equal(timeouts.length, 1);
    assert.equal(timeouts[0]!.status, 408);
    assert.equal(getHeader(timeouts[0]!, 'Call-ID'), 'call-1@192.0.2.10');
    assert.equal(ct.state, 'terminated');
    assert.equal((await ct.result()).status, 408);
  });

  it('retransmits every T2 once proceeding, still bounded by timer F', () => {
    const { clock, layer, times } = setup();
    const req = request('REGISTER');
    const ct = layer.sendRequest(req, UDP);
    clock.advance(600);
    layer.receive(reply(req, 100), FROM_PEER);
    assert.equal(ct.state, 'proceeding');
    clock.advance(40_000);
    // E fired at 500 (trying), then at 1500 (its 1000 ms interval was already running), then every T2.
    assert.deepEqual(times, [0, 500, 1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500]);
    assert.equal(ct.state, 'terminated');
  });

  it('completes on a final response, absorbs retransmissions, and ends on timer K (T4)', () => {
    const { clock, layer, transport } = setup();
    const req = request('BYE');
    const ct = layer.sendRequest(req, UDP);
    const finals: number[] = [];
    ct.on('final', (r) => finals.push(r.status));
    clock.advance(700);
    layer.receive(reply(req, 200), FROM_PEER);
    assert.equal(ct.state, 'completed');
    const sentBefore = transport.sent.length;
    clock.advance(3000);
    layer.receive(reply(req, 200), FROM_PEER);
    assert.deepEqual(finals, [200]);
    assert.equal(transport.sent.length, sentBefore, 'no retransmission in completed');
    clock.advance(1999);
    assert.equal(ct.state, 'completed');
    clock.advance(1);
    assert.equal(ct.state, 'terminated');
  });

  it('over a reliable transport does not retransmit and terminates on the final response (K = 0)', () => {
    const { clock, layer, transport } = setup();
    const req = request('MESSAGE', { transport: 'TCP' });
    const ct = layer.sendRequest(req, TCP);
    clock.advance(20_000);
    assert.equal(transport.sent.length, 1);
    layer.receive(reply(req, 202), TCP);
    assert.equal(ct.state, 'terminated');
  });

  it('is still timed out by timer F over a reliable transport', () => {
    const { clock, layer } = setup();
    const ct = layer.sendRequest(request('OPTIONS', { transport: 'TCP' }), TCP);
    let status = 0;
    ct.on('timeout', (r) => (status = r.status));
    clock.advance(32_000);
    assert.equal(status, 408);
  });
});

describe('client transaction matching (§17.1.3)', () => {
  it('matches on branch and CSeq method, so a CANCEL and its INVITE are separate transactions', () => {
    const { layer } = setup();
    const invite = request('INVITE', { branch: 'z9hG4bKsame' });
    const ict = layer.sendRequest(invite, UDP);
    const cancel = request('CANCEL', { branch: 'z9hG4bKsame' });
    const cct = layer.sendRequest(cancel, UDP);
    assert.notEqual(ict.id, cct.id);
    const got: string[] = [];
    ict.on('final', (r) => got.push(`invite ${r.status}`));
    cct.on('final', (r) => got.push(`cancel ${r.status}`));
    layer.receive(reply(cancel, 200), FROM_PEER);
    layer.receive(reply(invite, 487), FROM_PEER);
    assert.deepEqual(got, ['cancel 200', 'invite 487']);
  });

  it('delivers responses for unknown branches as strayResponse', () => {
    const { layer } = setup();
    const req = request('OPTIONS');
    layer.sendRequest(req, UDP);
    const stray: SipResponse[] = [];
    layer.on('strayResponse', (r) => stray.push(r));
    layer.receive(reply(request('OPTIONS', { branch: 'z9hG4bKother' }), 200), FROM_PEER);
    assert.equal(stray.length, 1);
  });

  it('keeps running when a TU listener throws, reporting it as an error', () => {
    const { layer, clock } = setup();
    const req = request('OPTIONS');
    const ct = layer.sendRequest(req, UDP);
    const errors: Error[] = [];
    layer.on('error', (e) => errors.push(e));
    ct.on('final', () => {
      throw new Error('TU bug');
    });
    layer.receive(reply(req, 200), FROM_PEER);
    assert.equal(errors.length, 1);
    assert.equal(ct.state, 'completed');
    clock.advance(5000);
    assert.equal(ct.state, 'terminated');
  });
});

describe('sendRequest guards', () => {
  it('rejects a request whose branch is already in use, without sending it', () => {
    const { layer, transport } = setup();
    layer.sendRequest(request('OPTIONS', { branch: 'z9hG4bKdup' }), UDP);
    assert.throws(() => layer.sendRequest(request('OPTIONS', { branch: 'z9hG4bKdup' }), UDP), /already exists/);
    assert.equal(transport.sent.length, 1);
  });
});
