/** parseUri / formatUri / uriEquals (RFC 3261 §19.1, RFC 3966). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError, parseUri, formatUri, uriEquals } from './index.ts';

test('parses user, password, host, port, params and headers', () => {
  assert.deepEqual(parseUri('sip:alice:secret@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent'), {
    scheme: 'sip',
    user: 'alice',
    password: 'secret',
    host: 'atlanta.com',
    port: 5061,
    params: { transport: 'tcp', lr: null },
    headers: { subject: 'project x', priority: 'urgent' },
  });
  assert.deepEqual(parseUri('SIPS:Example.COM'), { scheme: 'sips', host: 'Example.COM', params: {}, headers: {} });
});

test('IPv6 references are stored without brackets and formatted with them', () => {
  const u = parseUri('sip:[2001:db8::10]:5070;transport=udp');
  assert.equal(u.host, '2001:db8::10');
  assert.equal(u.port, 5070);
  assert.equal(formatUri(u), 'sip:[2001:db8::10]:5070;transport=udp');
  assert.equal(parseUri('sip:user@[::1]').host, '::1');
  for (const bad of ['sip:[::1', 'sip:[zz::1]', 'sip:[1.2.3.4]']) assert.throws(() => parseUri(bad), SipParseError);
});

test('escapes are decoded in fields and re-applied by formatUri', () => {
  const u = parseUri('sip:sips%3Auser%40example.com@example.net;n%61me=v%61lue%25%34%31');
  assert.equal(u.user, 'sips:user@example.com');
  assert.deepEqual(u.params, { name: 'value%41' });
  assert.equal(formatUri(u), 'sip:sips%3Auser%40example.com@example.net;name=value%2541');
  assert.equal(parseUri('sip:%E4%B8%AD@h').user, '中');
  assert.equal(formatUri({ scheme: 'sip', user: 'a b"c', host: 'h', params: {}, headers: {} }), 'sip:a%20b%22c@h');
  assert.throws(() => parseUri('sip:%zz@h'), SipParseError);
});

test('user part may hold ; ? / and the password : (RFC 4475 intmeth, semiuri)', () => {
  const u = parseUri('sip:user;par=u%40example.net@example.com');
  assert.equal(u.user, 'user;par=u@example.net');
  assert.equal(u.host, 'example.com');
  assert.deepEqual(u.params, {});
});

test('tel URIs and opaque schemes', () => {
  assert.deepEqual(parseUri('tel:+1-201-555-0123;ext=1234;phone-context=example.com'), {
    scheme: 'tel',
    user: '+1-201-555-0123',
    host: '',
    params: { ext: '1234', 'phone-context': 'example.com' },
    headers: {},
  });
  assert.equal(formatUri(parseUri('tel:+1-201-555-0123;ext=1234')), 'tel:+1-201-555-0123;ext=1234');
  const o = parseUri('urn:service:sos');
  assert.equal(o.scheme, 'urn');
  assert.equal(o.opaque, 'service:sos');
  assert.equal(formatUri(o), 'urn:service:sos');
});

test('rejects malformed URIs with SipParseError 400', () => {
  for (const bad of ['', 'sip', ':x', '1sip:x', 'sip:', 'sip:user@', 'sip:@host', 'sip:host:99999', 'sip:host:5x', 'sip:ho st', 'sip:<h>', 'sip:h;', 'sip:h;;a', 'sip:h?', 'sip:h?a', 'sip:h#x']) {
    assert.throws(() => parseUri(bad), (e: unknown) => e instanceof SipParseError && e.code === 400, bad);
  }
});

test('uriEquals follows RFC 3261 §19.1.4', () => {
  const eq = (a: string, b: string) => assert.ok(uriEquals(a, b), `${a} == ${b}`);
  const ne = (a: string, b: string) => assert.ok(!uriEquals(a, b), `${a} != ${b}`);
  // The RFC's own examples.
  eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp');
  eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5');
  eq('sip:carol@chicago.com', 'sip:carol@chicago.com;security=on');
  eq('sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com');
  eq('sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x');
  ne('SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP');
  ne('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060');
  ne('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp');
  ne('sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp');
  ne('sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting');
  ne('sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4');
  ne('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off');
  ne('sip:a@h', 'sips:a@h');
  ne('sip:a@h;maddr=1.2.3.4', 'sip:a@h');
  eq('tel:+1-201-555-0123', 'tel:+12015550123');
  ne('tel:+1-201-555-0123;ext=1', 'tel:+12015550123');
  eq('urn:x:y', 'URN:x:y');
  ne('urn:x:y', 'urn:x:Y');
});
