/**
 * Dialog state (RFC 3261 §12.1) from both sides and in-dialog request building (§12.2.1.1) with
 * loose and strict routing; next-hop selection from Route / Request-URI (§8.1.2, RFC 3263 lite).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequest, createResponse, getHeader, getHeaders } from '../message/index.ts';
import { buildInDialogRequest, dialogKey, routeFor, uacDialogState, uasDialogState } from './dialog-state.ts';
import { nextHopOf, nextHopOfUri, resolveNextHop } from './next-hop.ts';

const invite = createRequest({
  method: 'INVITE',
  uri: 'sip:bob@example.com',
  headers: {
    Via: 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa',
    From: '"Alice" <sip:alice@example.com>;tag=a1',
    To: 'Bob <sip:bob@example.com>',
    'Call-ID': 'call-1',
    CSeq: '4711 INVITE',
    Contact: '<sip:alice@192.0.2.1:5060>',
    'Record-Route': ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>'],
  },
});

test('UAC state from a 2xx: Record-Route reversed, Contact as target, our CSeq', () => {
  const ok = createResponse(invite, 200, undefined, {
    toTag: 'b1',
    headers: { Contact: '<sip:bob@192.0.2.2:5062>', 'Record-Route': '<sip:p1.example.com;lr>, <sip:p2.example.com;lr>' },
  });
  const s = uacDialogState(invite, ok);
  assert.deepEqual(
    { callId: s.callId, localTag: s.localTag, remoteTag: s.remoteTag, target: s.remoteTarget, routes: s.routeSet, localSeq: s.localSeq, remoteSeq: s.remoteSeq, owns: s.ownsCallId },
    { callId: 'call-1', localTag: 'a1', remoteTag: 'b1', target: 'sip:bob@192.0.2.2:5062', routes: ['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>'], localSeq: 4711, remoteSeq: undefined, owns: true },
  );
  assert.equal(s.localUri.displayName, 'Alice');
  assert.equal(s.localUri.params.tag, undefined);
  const bye = buildInDialogRequest(s, 'BYE', 4712);
  assert.equal(bye.uri, 'sip:bob@192.0.2.2:5062');
  assert.deepEqual(getHeaders(bye, 'Route'), ['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
  assert.equal(getHeader(bye, 'From'), '"Alice" <sip:alice@example.com>;tag=a1');
  assert.equal(getHeader(bye, 'To'), '"Bob" <sip:bob@example.com>;tag=b1');
  assert.equal(getHeader(bye, 'CSeq'), '4712 BYE');
  assert.equal(getHeader(bye, 'Max-Forwards'), '70');
  assert.equal(getHeader(bye, 'Via'), undefined, 'Via is added by the sender');
  assert.equal(dialogKey(s), 'call-1\na1\nb1');
});

test('UAS state: Record-Route in order, remote CSeq set, local empty', () => {
  const s = uasDialogState(invite, 'b1');
  assert.deepEqual(s.routeSet, ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
  assert.equal(s.remoteTarget, 'sip:alice@192.0.2.1:5060');
  assert.equal(s.localTag, 'b1');
  assert.equal(s.remoteTag, 'a1');
  assert.equal(s.remoteSeq, 4711);
  assert.equal(s.localSeq, undefined);
  assert.equal(s.ownsCallId, false);
});

test('routeFor: none, loose, strict (§12.2.1.1)', () => {
  assert.deepEqual(routeFor({ remoteTarget: 'sip:b@h', routeSet: [] }), { uri: 'sip:b@h', routes: [] });
  assert.deepEqual(routeFor({ remoteTarget: 'sip:b@h', routeSet: ['<sip:p1;lr>', '<sip:p2>'] }), { uri: 'sip:b@h', routes: ['<sip:p1;lr>', '<sip:p2>'] });
  assert.deepEqual(routeFor({ remoteTarget: 'sip:b@h', routeSet: ['<sip:p1;maddr=10.0.0.1;method=INVITE?x=y>', '<sip:p2;lr>'] }), {
    uri: 'sip:p1;maddr=10.0.0.1',
    routes: ['<sip:p2;lr>', '<sip:b@h>'],
  });
});

test('next hop: loose first Route, else the Request-URI; transport, port and maddr', async () => {
  assert.deepEqual(nextHopOfUri('sip:bob@192.0.2.2'), { protocol: 'udp', host: '192.0.2.2', port: 5060 });
  assert.deepEqual(nextHopOfUri('sip:bob@192.0.2.2:5080;transport=TCP'), { protocol: 'tcp', host: '192.0.2.2', port: 5080 });
  assert.deepEqual(nextHopOfUri('sips:bob@example.com'), { protocol: 'tls', host: 'example.com', port: 5061 });
  assert.deepEqual(nextHopOfUri('sip:x@h;transport=ws'), { protocol: 'ws', host: 'h', port: 80 });
  assert.deepEqual(nextHopOfUri('sip:x@h;maddr=[::1]'), { protocol: 'udp', host: '::1', port: 5060 });
  assert.throws(() => nextHopOfUri('tel:+1555'), /cannot route/);
  const viaProxy = createRequest({ method: 'BYE', uri: 'sip:b@192.0.2.2', headers: { Route: '<sip:192.0.2.9:5070;lr>' } });
  assert.deepEqual(nextHopOf(viaProxy), { protocol: 'udp', host: '192.0.2.9', port: 5070 });
  const strict = createRequest({ method: 'BYE', uri: 'sip:192.0.2.8', headers: { Route: '<sip:192.0.2.9>' } });
  assert.deepEqual(nextHopOf(strict), { protocol: 'udp', host: '192.0.2.8', port: 5060 });
  assert.deepEqual(await resolveNextHop({ protocol: 'udp', host: 'pbx.test', port: 5060 }, async (h) => (h === 'pbx.test' ? '192.0.2.77' : '0.0.0.0')), {
    protocol: 'udp',
    address: '192.0.2.77',
    port: 5060,
  });
  await assert.rejects(resolveNextHop({ protocol: 'ws', host: 'df7jal23ls0d.invalid', port: 80 }), /only over its own connection/);
  await assert.rejects(resolveNextHop({ protocol: 'udp', host: 'nowhere.test', port: 5060 }, async () => { throw new Error('ENOTFOUND'); }), (e: unknown) => (e as { code?: string }).code === 'ENOTFOUND');
});
