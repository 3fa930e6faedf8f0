/**
 * Typed Digest headers: parsing real-world shapes, other schemes and malformed values (undefined,
 * never thrown), quoted-string escapes, and format → parse round trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatDigestChallenge,
  formatDigestCredentials,
  parseDigestChallenge,
  parseDigestCredentials,
  type DigestChallenge,
  type DigestCredentials,
} from './header.ts';

test('parses the RFC 3261 §22.4 challenge', () => {
  const c = parseDigestChallenge(
    'Digest realm="biloxi.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
  assert.deepEqual(c, {
    realm: 'biloxi.com',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    qop: ['auth', 'auth-int'],
    opaque: '5ccc069c403ebaf9f0171e9517f40e41',
  });
});

test('token values, stale=TRUE, spaced qop list; other schemes and broken values → undefined', () => {
  assert.deepEqual(
    parseDigestChallenge('Digest realm="a", nonce=n1, algorithm=SHA-256, qop="auth, auth-int", stale=TRUE'),
    { realm: 'a', nonce: 'n1', algorithm: 'SHA-256', qop: ['auth', 'auth-int'], stale: true },
  );
  assert.equal(parseDigestChallenge('Basic realm="x"'), undefined);
  assert.equal(parseDigestChallenge('Digest realm="a", nonce="unterminated'), undefined);
  assert.equal(parseDigestChallenge('Digest realm="a"'), undefined); // no nonce
  assert.equal(parseDigestChallenge(''), undefined);
});

test('challenge round trip with quotes, backslashes and commas inside quoted strings', () => {
  const c: DigestChallenge = {
    realm: 'say "hi", ok\\done',
    nonce: 'abc==',
    algorithm: 'SHA-256',
    qop: ['auth', 'auth-int'],
    opaque: 'x,y',
    stale: true,
    domain: 'sip:a.example sip:b.example',
  };
  const value = formatDigestChallenge(c);
  assert.match(value, /^Digest realm="say \\"hi\\", ok\\\\done"/);
  assert.match(value, /algorithm=SHA-256(,|$)/); // a token, never quoted
  assert.match(value, /stale=true/);
  assert.deepEqual(parseDigestChallenge(value), c);
});

test('credentials round trip; algorithm, qop and nc unquoted; nc as 8 hex digits', () => {
  const c: DigestCredentials = {
    username: 'bob "the builder"',
    realm: 'biloxi.com',
    nonce: 'n,1',
    uri: 'sip:bob@biloxi.com;transport=tcp',
    response: '6629fae49393a05397450978507c4ef1',
    algorithm: 'SHA-512-256',
    cnonce: '0a4f113b',
    opaque: '',
    qop: 'auth',
    nc: 26,
  };
  const value = formatDigestCredentials(c);
  assert.match(value, / nc=0000001a(,|$)/);
  assert.match(value, / qop=auth(,|$)/);
  assert.match(value, / algorithm=SHA-512-256,/);
  assert.match(value, / opaque=""/);
  assert.deepEqual(parseDigestCredentials(value), c);
});

test('parses credentials as real UAs send them (line-wrapped, mixed case, spacing)', () => {
  const c = parseDigestCredentials(
    'Digest  username="alice",realm="patchbay" ,\tnonce="AbC-_1" , uri="sip:patchbay.example",response="0123456789ABCDEF0123456789abcdef",ALGORITHM=md5,cnonce="x",QOP=AUTH,nc=00000002',
  );
  assert.ok(c);
  assert.equal(c.username, 'alice');
  assert.equal(c.realm, 'patchbay');
  assert.equal(c.nonce, 'AbC-_1');
  assert.equal(c.algorithm, 'md5');
  assert.equal(c.qop, 'auth');
  assert.equal(c.nc, 2);
});

test('credentials missing a required parameter or with a bad nc are rejected', () => {
  assert.equal(parseDigestCredentials('Digest username="a", realm="r", nonce="n", uri="u"'), undefined);
  assert.equal(
    parseDigestCredentials('Digest username="a", realm="r", nonce="n", uri="u", response="x", nc=zz'),
    undefined,
  );
  assert.equal(parseDigestCredentials('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='), undefined);
});
