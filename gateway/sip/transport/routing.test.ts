/**
 * Pure pieces of the transport layer: received/rport stamping (RFC 3581 §4), response routing
 * (RFC 3261 §18.2.2), and the hand-built error response for unparseable requests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequest, createResponse, getHeaders, parseMessage } from '../message/index.ts';
import type { SipRequest } from '../message/types.ts';
import { buildErrorResponse } from './bad-request.ts';
import { TransportError } from './errors.ts';
import { routeResponse } from './response-route.ts';
import { stampVia } from './via-stamp.ts';

function req(via: string | string[]): SipRequest {
  return createRequest({
    method: 'OPTIONS',
    uri: 'sip:gw@192.0.2.1',
    headers: { Via: via, From: '<sip:a@x>;tag=1', To: '<sip:gw@192.0.2.1>', 'Call-ID': 'c1', CSeq: '1 OPTIONS' },
  });
}

describe('stampVia (RFC 3261 §18.2.1, RFC 3581)', () => {
  it('adds received when sent-by differs from the source address', () => {
    const r = req('SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1');
    stampVia(r, '203.0.113.9', 40000);
    assert.deepEqual(getHeaders(r, 'Via'), ['SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=203.0.113.9']);
  });

  it('leaves the Via alone when sent-by is the source address and no rport is asked for', () => {
    const r = req('SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK1');
    stampVia(r, '203.0.113.9', 40000);
    assert.deepEqual(getHeaders(r, 'Via'), ['SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK1']);
  });

  it('fills an empty rport and always adds received with it', () => {
    const r = req('SIP/2.0/UDP 203.0.113.9:5060;rport;branch=z9hG4bK1');
    stampVia(r, '203.0.113.9', 40000);
    assert.deepEqual(getHeaders(r, 'Via'), ['SIP/2.0/UDP 203.0.113.9:5060;rport=40000;branch=z9hG4bK1;received=203.0.113.9']);
  });

  it('rewrites only the top value of a comma-joined Via line', () => {
    const r = req('SIP/2.0/UDP host.invalid;rport;branch=z9hG4bK1, SIP/2.0/UDP 10.9.9.9;branch=z9hG4bK0');
    stampVia(r, '198.51.100.7', 5070);
    assert.deepEqual(getHeaders(r, 'Via'), [
      'SIP/2.0/UDP host.invalid;rport=5070;branch=z9hG4bK1;received=198.51.100.7',
      'SIP/2.0/UDP 10.9.9.9;branch=z9hG4bK0',
    ]);
  });
});

describe('routeResponse (RFC 3261 §18.2.2)', () => {
  const res = (via: string) => createResponse(req(via), 200, undefined, { toTag: 't' });

  it('UDP: received + rport', () => {
    const route = routeResponse(res('SIP/2.0/UDP 10.0.0.5:5060;rport=40000;received=203.0.113.9;branch=z9hG4bK1'));
    assert.deepEqual(route.destination, { protocol: 'udp', address: '203.0.113.9', port: 40000 });
  });

  it('UDP: received without rport uses the sent-by port', () => {
    const route = routeResponse(res('SIP/2.0/UDP 10.0.0.5:5080;received=203.0.113.9;branch=z9hG4bK1'));
    assert.deepEqual(route.destination, { protocol: 'udp', address: '203.0.113.9', port: 5080 });
  });

  it('UDP: sent-by (default port 5060) when nothing was stamped', () => {
    const route = routeResponse(res('SIP/2.0/UDP pbx.example.com;branch=z9hG4bK1'));
    assert.deepEqual(route.destination, { protocol: 'udp', address: 'pbx.example.com', port: 5060 });
  });

  it('maddr wins over received for unreliable transports', () => {
    const route = routeResponse(res('SIP/2.0/UDP 10.0.0.5:5062;maddr=239.1.1.1;received=203.0.113.9;branch=z9hG4bK1'));
    assert.deepEqual(route.destination, { protocol: 'udp', address: '239.1.1.1', port: 5062 });
  });

  it('reliable: the request connection first, else received at the sent-by port', () => {
    const route = routeResponse(res('SIP/2.0/TCP 10.0.0.5:5060;rport=41000;received=203.0.113.9;branch=z9hG4bK1'), {
      protocol: 'tcp',
      address: '203.0.113.9',
      port: 41000,
      connectionId: 'tcp-7',
    });
    assert.equal(route.connectionId, 'tcp-7');
    assert.deepEqual(route.destination, { protocol: 'tcp', address: '203.0.113.9', port: 5060 });
  });

  it('TLS default port is 5061; unknown transports are EBADDEST', () => {
    assert.equal(routeResponse(res('SIP/2.0/TLS 10.0.0.5;branch=z9hG4bK1')).destination.port, 5061);
    assert.throws(
      () => routeResponse(res('SIP/2.0/SCTP 10.0.0.5;branch=z9hG4bK1')),
      (e: unknown) => e instanceof TransportError && e.code === 'EBADDEST',
    );
  });
});

describe('buildErrorResponse', () => {
  const broken = [
    'INVITE sip:bob@192.0.2.1 SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKbad',
    'v: SIP/2.0/UDP 10.1.1.1;branch=z9hG4bKprev',
    'From: <sip:alice@192.0.2.9>;tag=a',
    'To: <sip:bob@192.0.2.1>',
    'Call-ID: bad-1',
    'CSeq: 1 INVITE',
    'Max-Forwards: banana',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

  it('copies Via(s), From, To (adding a tag), Call-ID, CSeq and uses the given status and reason', () => {
    const bytes = buildErrorResponse(Buffer.from(broken), 400, 'bad Max-Forwards:\r\n banana');
    assert.ok(bytes);
    const res = parseMessage(bytes);
    assert.equal(res.kind, 'response');
    if (res.kind !== 'response') return;
    assert.equal(res.status, 400);
    assert.equal(res.reason, 'bad Max-Forwards: banana');
    assert.deepEqual(getHeaders(res, 'Via'), ['SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKbad', 'SIP/2.0/UDP 10.1.1.1;branch=z9hG4bKprev']);
    assert.match(getHeaders(res, 'To')[0]!, /^<sip:bob@192\.0\.2\.1>;tag=[0-9a-f]+$/);
    assert.deepEqual(getHeaders(res, 'CSeq'), ['1 INVITE']);
  });

  it('gives up on responses, ACKs, garbage, and requests missing a needed header', () => {
    assert.equal(buildErrorResponse(Buffer.from('SIP/2.0 200 OK\r\nVia: x\r\n\r\n'), 400, 'x'), undefined);
    assert.equal(buildErrorResponse(Buffer.from(broken.replace('INVITE sip', 'ACK sip')), 400, 'x'), undefined);
    assert.equal(buildErrorResponse(Buffer.from('\x00\x01garbage'), 400, 'x'), undefined);
    assert.equal(buildErrorResponse(Buffer.from(broken.replace('Call-ID: bad-1\r\n', '')), 400, 'x'), undefined);
  });
});
