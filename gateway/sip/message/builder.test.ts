/** createResponse / createRequest. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createResponse, createRequest, parseMessage, serializeMessage, getHeader, getHeaders, getToTag, reasonPhrase,
  type SipRequest,
} from './index.ts';

const REQ = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1, SIP/2.0/UDP pc33.example.com;branch=z9hG4bKc1;received=192.0.2.1',
  'Via: SIP/2.0/TCP client.example.com;branch=z9hG4bKc0',
  'Max-Forwards: 69',
  'Record-Route: <sip:proxy.example.com;lr>',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Timestamp: 54',
  'Contact: <sip:alice@pc33.example.com>',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

const req = () => parseMessage(Buffer.from(REQ)) as SipRequest;

test('createResponse copies Via(s), From, To, Call-ID, CSeq in order (RFC 3261 §8.2.6)', () => {
  const res = createResponse(req(), 180, undefined, { toTag: 'as83kd' });
  assert.equal(res.reason, 'Ringing');
  assert.deepEqual(
    res.headers.map((h) => h.name),
    ['Via', 'Via', 'To', 'From', 'Call-ID', 'CSeq'],
  );
  assert.deepEqual(getHeaders(res, 'Via').length, 3);
  assert.equal(getHeader(res, 'To'), 'Bob <sip:bob@biloxi.example.com>;tag=as83kd');
  assert.equal(getToTag(res), 'as83kd');
  assert.equal(getHeader(res, 'From'), 'Alice <sip:alice@atlanta.example.com>;tag=1928301774');
  const wire = parseMessage(serializeMessage(res));
  assert.equal(wire.kind === 'response' && wire.status, 180);
});

test('100 Trying copies Timestamp; an existing to-tag is kept', () => {
  const trying = createResponse(req(), 100);
  assert.equal(getHeader(trying, 'Timestamp'), '54');
  assert.equal(getToTag(trying), undefined);
  const r = req();
  r.headers[4] = { name: 'To', value: '<sip:bob@biloxi.example.com>;tag=existing' };
  assert.equal(getToTag(createResponse(r, 200, 'OK', { toTag: 'new' })), 'existing');
});

test('extra headers, body and custom reason', () => {
  const res = createResponse(req(), 486, 'Busy Here Now', [{ name: 'retry-after', value: '30' }]);
  assert.equal(res.reason, 'Busy Here Now');
  assert.equal(getHeader(res, 'Retry-After'), '30');
  const ok = createResponse(req(), 200, undefined, {
    toTag: 't',
    headers: { Contact: '<sip:bob@192.0.2.4>', Allow: ['INVITE', 'ACK'] },
    body: 'v=0\r\n',
    contentType: 'application/sdp',
  });
  assert.deepEqual(getHeaders(ok, 'Allow'), ['INVITE', 'ACK']);
  const wire = parseMessage(serializeMessage(ok));
  assert.equal(wire.body.toString(), 'v=0\r\n');
  assert.equal(getHeader(wire, 'Content-Type'), 'application/sdp');
  assert.equal(getHeader(wire, 'Content-Length'), '5');
});

test('reason phrases', () => {
  assert.equal(reasonPhrase(200), 'OK');
  assert.equal(reasonPhrase(481), 'Call/Transaction Does Not Exist');
  assert.equal(reasonPhrase(499), 'Client Error');
  assert.equal(reasonPhrase(199), 'Early Dialog Terminated');
});

test('createRequest builds a parseable request with Max-Forwards 70', () => {
  const r = createRequest({
    method: 'OPTIONS',
    uri: { scheme: 'sip', user: 'bob', host: '::1', port: 5070, params: { transport: 'tcp' }, headers: {} },
    headers: [
      { name: 'v', value: 'SIP/2.0/TCP [::1]:5080;branch=z9hG4bKq' },
      { name: 'f', value: '<sip:alice@example.com>;tag=1' },
      { name: 't', value: '<sip:bob@example.com>' },
      { name: 'i', value: 'cid' },
      { name: 'CSeq', value: '1 OPTIONS' },
    ],
  });
  assert.equal(r.uri, 'sip:bob@[::1]:5070;transport=tcp');
  assert.equal(getHeader(r, 'Max-Forwards'), '70');
  const wire = parseMessage(serializeMessage(r));
  assert.equal(wire.kind === 'request' && wire.method, 'OPTIONS');
  assert.deepEqual(wire.headers.map((h) => h.name), ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Length']);
  assert.equal(getHeader(createRequest({ method: 'ACK', uri: 'sip:x@y', maxForwards: null }), 'Max-Forwards'), undefined);
});
