/** Typed header parsers and formatters: Via, name-addr, Contact, Route, CSeq, Content-Type, auth, lists. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SipParseError, parseVia, parseViaList, formatVia, parseNameAddr, formatNameAddr, parseContact, formatContact,
  parseRoute, getRouteSet, parseCSeq, formatCSeq, parseMaxForwards, parseContentType, formatContentType,
  parseAuthChallenge, parseAuthorization, formatAuthChallenge, formatAuthorization, parseTokenList, parseDeltaSeconds,
  getFromTag, getToTag, unquote,
} from './index.ts';

const bad = (f: () => unknown) => assert.throws(f, (e: unknown) => e instanceof SipParseError && e.code === 400);

test('parseVia: fields, params, rport forms, IPv6, LWS', () => {
  assert.deepEqual(parseVia('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK77;received=198.51.100.7;rport=40000'), {
    protocol: 'SIP/2.0',
    transport: 'UDP',
    host: '192.0.2.1',
    port: 5060,
    params: { branch: 'z9hG4bK77', received: '198.51.100.7', rport: '40000' },
    branch: 'z9hG4bK77',
    received: '198.51.100.7',
    rport: 40000,
  });
  const flag = parseVia('SIP/2.0/ws df7jal23ls0d.invalid;rport;branch=z9hG4bKx');
  assert.equal(flag.rport, true);
  assert.equal(flag.transport, 'WS');
  const v6 = parseVia('SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bK1;received=2001:db8::9');
  assert.equal(v6.host, '2001:db8::9');
  assert.equal(v6.received, '2001:db8::9');
  assert.equal(formatVia(v6), 'SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bK1;received=2001:db8::9');
  const lws = parseVia('SIP  /   2.0 /UDP   192.0.2.2 : 5062 ;  branch = z9hG4bKa  ; maddr=224.2.0.1');
  assert.deepEqual([lws.protocol, lws.transport, lws.host, lws.port, lws.branch, lws.params.maddr], ['SIP/2.0', 'UDP', '192.0.2.2', 5062, 'z9hG4bKa', '224.2.0.1']);
  assert.equal(formatVia({ ...flag, rport: 5060 }), 'SIP/2.0/WS df7jal23ls0d.invalid;rport=5060;branch=z9hG4bKx');
  assert.equal(formatVia({ ...flag, rport: null }), 'SIP/2.0/WS df7jal23ls0d.invalid;rport;branch=z9hG4bKx');
  assert.deepEqual(parseViaList('SIP/2.0/UDP a;branch=1 , SIP/2.0/TCP b').map((v) => v.host), ['a', 'b']);
  for (const v of ['', 'SIP/2.0 UDP h', 'SIP/2.0/UDP', 'SIP/2.0/UDP h;', 'SIP/2.0/UDP h;;', 'SIP/2.0/UDP h:70000', 'SIP/2.0/UDP h;branch', 'SIP/2.0/UDP h;rport=x', 'SIP/2.0/UDP h, x', 'SIP/2.0/UDP h junk']) {
    bad(() => parseVia(v));
  }
});

test('parseNameAddr: both forms, quoting, escapes, header vs URI params', () => {
  assert.deepEqual(parseNameAddr('"A \\"quoted\\" \\\\ name" <sip:a@h;transport=tcp>;tag=x;foo'), {
    displayName: 'A "quoted" \\ name',
    uri: 'sip:a@h;transport=tcp',
    params: { tag: 'x', foo: null },
  });
  assert.deepEqual(parseNameAddr('sip:a@h;tag=x'), { uri: 'sip:a@h', params: { tag: 'x' } });
  assert.deepEqual(parseNameAddr('Bob Smith<sip:b@h>'), { displayName: 'Bob Smith', uri: 'sip:b@h', params: {} });
  assert.deepEqual(parseNameAddr('""<tel:+123>'), { displayName: '', uri: 'tel:+123', params: {} });
  assert.deepEqual(parseNameAddr('  <sip:b@h> ;  tag = 7 '), { uri: 'sip:b@h', params: { tag: '7' } });
  assert.deepEqual(parseNameAddr('<sip:b@h>;+sip.instance="<urn:uuid:1>"'), { uri: 'sip:b@h', params: { '+sip.instance': '"<urn:uuid:1>"' } });
  assert.equal(formatNameAddr({ displayName: 'A "q"', uri: 'sip:a@h', params: { tag: '1', lr: null } }), '"A \\"q\\"" <sip:a@h>;tag=1;lr');
  const rt = parseNameAddr(formatNameAddr(parseNameAddr('"x\\\\y" <sip:a@h>;tag=1')));
  assert.equal(rt.displayName, 'x\\y');
  for (const v of ['', '"unterminated <sip:a@h>', '<sip:a@h', '< sip:a@h>', 'Bell, Alexander <sip:a@h>', 'sip:a@h?x=y', 'name-only', '<sip:a@h> junk', 'sip:a@h, sip:b@h', '<sip:a@h>;', '<nope>']) {
    bad(() => parseNameAddr(v));
  }
});

test('tags', () => {
  const m = { headers: [{ name: 'From', value: '<sip:a@h;tag=uri-param>;tag=hdr' }, { name: 'To', value: 'sip:b@h' }] };
  assert.equal(getFromTag(m), 'hdr');
  assert.equal(getToTag(m), undefined);
});

test('parseContact: star, list, expires, q, instance, reg-id, ob', () => {
  assert.deepEqual(parseContact(' * ').map((c) => [c.star, c.uri]), [[true, '*']]);
  const cs = parseContact('<sip:a@192.0.2.4;ob>;expires=3600;q=0.7;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1, "B" <sip:b@h>;expires=99999999999999');
  assert.equal(cs.length, 2);
  assert.deepEqual([cs[0]!.expires, cs[0]!.q, cs[0]!.instance, cs[0]!.regId, cs[0]!.ob], [3600, 0.7, 'urn:uuid:00000000-0000-1000-8000-000A95A0E128', 1, true]);
  assert.deepEqual([cs[1]!.displayName, cs[1]!.expires, cs[1]!.ob, cs[1]!.q], ['B', 0xffffffff, false, undefined]);
  assert.equal(parseContact('<sip:a@h>;q=2')[0]!.q, undefined);
  assert.equal(parseContact('<sip:a@h>;expires=soon')[0]!.expires, undefined);
  assert.equal(formatContact(cs[0]!), '<sip:a@192.0.2.4;ob>;expires=3600;q=0.7;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1');
  assert.equal(formatContact(parseContact('*')[0]!), '*');
  bad(() => parseContact('<sip:a@h>;;'));
});

test('Route lists', () => {
  assert.deepEqual(parseRoute('<sip:p1.example.com;lr>, <sip:p2.example.com;lr>').map((r) => r.uri), ['sip:p1.example.com;lr', 'sip:p2.example.com;lr']);
  const m = { headers: [{ name: 'Record-Route', value: '<sip:a;lr>,<sip:b;lr>' }, { name: 'Record-Route', value: '<sip:c;lr>' }] };
  assert.deepEqual(getRouteSet(m, 'Record-Route').map((r) => r.uri), ['sip:a;lr', 'sip:b;lr', 'sip:c;lr']);
});

test('CSeq, Max-Forwards, delta-seconds', () => {
  assert.deepEqual(parseCSeq('  0009 \t INVITE '), { seq: 9, method: 'INVITE' });
  assert.equal(formatCSeq({ seq: 4294967295, method: 'BYE' }), '4294967295 BYE');
  assert.equal(parseCSeq('4294967295 ACK').seq, 4294967295);
  for (const v of ['', 'INVITE', '1', '1INVITE', '-1 INVITE', '4294967296 INVITE', '1 INVITE x', '1 INV(ITE']) bad(() => parseCSeq(v));
  assert.equal(parseMaxForwards(' 0068 '), 68);
  for (const v of ['', '256', '-1', '7a']) bad(() => parseMaxForwards(v));
  assert.equal(parseDeltaSeconds('3600'), 3600);
  assert.equal(parseDeltaSeconds('120 (2 hours);duration=60'), 120);
  assert.equal(parseDeltaSeconds('1' + '0'.repeat(100)), 0xffffffff);
  bad(() => parseDeltaSeconds('soon'));
});

test('Content-Type', () => {
  const ct = parseContentType('Multipart/Mixed ; boundary="7a9c bec"; charset=UTF-8');
  assert.deepEqual(ct, { type: 'multipart', subtype: 'mixed', params: { boundary: '"7a9c bec"', charset: 'UTF-8' } });
  assert.equal(unquote(ct.params.boundary!), '7a9c bec');
  assert.equal(formatContentType(ct), 'multipart/mixed;boundary="7a9c bec";charset=UTF-8');
  for (const v of ['', 'application', 'application/', '/sdp', 'a/b c', 'a/b;']) bad(() => parseContentType(v));
});

test('auth challenges and credentials', () => {
  const ch = parseAuthChallenge('Digest realm="atlanta.com", domain="sip:ss1.carrier.com", qop="auth,auth-int", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5');
  assert.equal(ch.scheme, 'Digest');
  assert.deepEqual(ch.params, { realm: 'atlanta.com', domain: 'sip:ss1.carrier.com', qop: 'auth,auth-int', nonce: 'f84f1cec41e6cbe5aea9c8e88d359', opaque: '', stale: 'FALSE', algorithm: 'MD5' });
  assert.equal(formatAuthChallenge(ch), 'Digest realm="atlanta.com", domain="sip:ss1.carrier.com", qop="auth,auth-int", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5');
  const cr = parseAuthorization('Digest username="bob", realm="biloxi.com", nonce="dcd98b", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae4", opaque="5ccc"');
  assert.deepEqual(cr.params.qop, 'auth');
  assert.equal(formatAuthorization(cr), 'Digest username="bob", realm="biloxi.com", nonce="dcd98b", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae4", opaque="5ccc"');
  assert.deepEqual(parseAuthorization('DIGEST USERNAME = "a\\"b"'), { scheme: 'DIGEST', params: { username: 'a"b' } });
  assert.deepEqual(parseAuthorization('Bearer abc.def-ghi=='), { scheme: 'Bearer', params: {}, token68: 'abc.def-ghi==' });
  assert.deepEqual(parseAuthChallenge('Digest'), { scheme: 'Digest', params: {} });
  // 'Digest realm' and 'Digest realm=' are token68 syntax, so not errors.
  assert.equal(parseAuthChallenge('Digest realm=').token68, 'realm=');
  for (const v of ['', '"x"', 'Digest realm="x" nonce="y"', 'Digest realm="x', 'Digest realm=,', 'Digest a=b,c', 'Digest a=b c=d']) bad(() => parseAuthChallenge(v));
});

test('token lists', () => {
  assert.deepEqual(parseTokenList('100rel, timer ,replaces'), ['100rel', 'timer', 'replaces']);
  assert.deepEqual(parseTokenList(''), []);
  bad(() => parseTokenList('a b'));
  bad(() => parseTokenList('a, "b"'));
});
