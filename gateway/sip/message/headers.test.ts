/** Header access helpers: lookup, splitting, editing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  getHeader, getHeaders, setHeader, addHeader, removeHeader, prependHeader, removeFirstValue, countHeaders, hasHeader,
  canonicalHeaderName, type SipHeader,
} from './index.ts';

const msg = (headers: SipHeader[]) => ({ headers });

test('lookup is case-insensitive and compact-aware', () => {
  const m = msg([{ name: 'Call-ID', value: 'abc' }, { name: 'x-thing', value: '1' }, { name: 'i', value: 'raw-compact' }]);
  assert.equal(getHeader(m, 'call-id'), 'abc');
  assert.equal(getHeader(m, 'i'), 'abc');
  assert.equal(getHeader(m, 'CALL-ID'), 'abc');
  assert.equal(getHeader(m, 'X-Thing'), '1');
  assert.equal(countHeaders(m, 'Call-ID'), 2);
  assert.equal(hasHeader(m, 'To'), false);
  assert.equal(canonicalHeaderName('www-authenticate'), 'WWW-Authenticate');
  assert.equal(canonicalHeaderName('cseq'), 'CSeq');
  assert.equal(canonicalHeaderName('X-Unknown'), 'X-Unknown');
});

test('getHeaders splits list headers at top-level commas only', () => {
  const m = msg([
    { name: 'Via', value: 'SIP/2.0/UDP a;branch=1, SIP/2.0/TCP b;branch=2' },
    { name: 'Via', value: 'SIP/2.0/UDP c' },
    { name: 'Contact', value: '"Doe, John" <sip:j@h;x=a,b>;q=0.5, <sip:k@h>' },
    { name: 'WWW-Authenticate', value: 'Digest realm="a, b", nonce="n", qop="auth,auth-int"' },
    { name: 'WWW-Authenticate', value: 'Digest realm="c"' },
    { name: 'Date', value: 'Sat, 13 Nov 2010 23:29:00 GMT' },
    { name: 'Supported', value: 'timer, 100rel,,replaces' },
    { name: 'Supported', value: '' },
  ]);
  assert.deepEqual(getHeaders(m, 'v'), ['SIP/2.0/UDP a;branch=1', 'SIP/2.0/TCP b;branch=2', 'SIP/2.0/UDP c']);
  assert.deepEqual(getHeaders(m, 'Contact'), ['"Doe, John" <sip:j@h;x=a,b>;q=0.5', '<sip:k@h>']);
  assert.deepEqual(getHeaders(m, 'WWW-Authenticate'), ['Digest realm="a, b", nonce="n", qop="auth,auth-int"', 'Digest realm="c"']);
  assert.deepEqual(getHeaders(m, 'Date'), ['Sat, 13 Nov 2010 23:29:00 GMT']);
  assert.deepEqual(getHeaders(m, 'Supported'), ['timer', '100rel', 'replaces']);
  assert.deepEqual(getHeaders(m, 'Route'), []);
});

test('set/add/prepend/remove keep order and canonical names', () => {
  const m = msg([
    { name: 'Via', value: 'v1' },
    { name: 'To', value: 't' },
    { name: 'Via', value: 'v2' },
    { name: 'X-A', value: '1' },
    { name: 'x-a', value: '2' },
  ]);
  prependHeader(m, 'v', 'v0');
  assert.deepEqual(m.headers.map((h) => `${h.name}:${h.value}`), ['Via:v0', 'Via:v1', 'To:t', 'Via:v2', 'X-A:1', 'x-a:2']);
  setHeader(m, 'X-A', '9');
  assert.deepEqual(m.headers.slice(4), [{ name: 'X-A', value: '9' }]);
  setHeader(m, 'max-forwards', '70');
  assert.deepEqual(m.headers.at(-1), { name: 'Max-Forwards', value: '70' });
  addHeader(m, 'k', 'timer');
  assert.deepEqual(m.headers.at(-1), { name: 'Supported', value: 'timer' });
  prependHeader(m, 'Route', '<sip:p>');
  assert.deepEqual(m.headers[0], { name: 'Route', value: '<sip:p>' });
  assert.equal(removeHeader(m, 'VIA'), 3);
  assert.equal(getHeader(m, 'Via'), undefined);
});

test('removeFirstValue pops the top value of a comma-joined line', () => {
  const m = msg([{ name: 'Route', value: '<sip:a;lr>, <sip:b;lr>' }, { name: 'Route', value: '<sip:c;lr>' }]);
  assert.equal(removeFirstValue(m, 'Route'), '<sip:a;lr>');
  assert.deepEqual(getHeaders(m, 'Route'), ['<sip:b;lr>', '<sip:c;lr>']);
  assert.equal(removeFirstValue(m, 'Route'), '<sip:b;lr>');
  assert.equal(removeFirstValue(m, 'Route'), '<sip:c;lr>');
  assert.equal(removeFirstValue(m, 'Route'), undefined);
});
