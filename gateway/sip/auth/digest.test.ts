/**
 * Digest computation against the published examples: RFC 2617 §3.5, RFC 7616 §3.9.1 (MD5 and
 * SHA-256), the FIPS 180-4 SHA-512/256 vector, and the RFC 2069 / -sess formulas.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  computeDigestResponse,
  computeHA1,
  digestHash,
  hashHex,
  toDigestAlgorithm,
} from './digest.ts';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

test('RFC 2617 §3.5: Mufasa / "Circle Of Life", qop=auth', () => {
  const response = computeDigestResponse({
    algorithm: 'MD5',
    ha1: computeHA1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life'),
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    method: 'GET',
    uri: '/dir/index.html',
    qop: 'auth',
    nc: 1,
    cnonce: '0a4f113b',
  });
  assert.equal(response, '6629fae49393a05397450978507c4ef1');
});

const RFC7616 = {
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  uri: '/dir/index.html',
};

test('RFC 7616 §3.9.1: MD5 example', () => {
  const response = computeDigestResponse({
    algorithm: 'MD5',
    ha1: computeHA1('MD5', 'Mufasa', RFC7616.realm, 'Circle of Life'),
    nonce: RFC7616.nonce,
    method: 'GET',
    uri: RFC7616.uri,
    qop: 'auth',
    nc: 1,
    cnonce: RFC7616.cnonce,
  });
  assert.equal(response, '8ca523f5e9506fed4657c9700eebdbec');
});

test('RFC 7616 §3.9.1: SHA-256 example', () => {
  const response = computeDigestResponse({
    algorithm: 'SHA-256',
    ha1: computeHA1('SHA-256', 'Mufasa', RFC7616.realm, 'Circle of Life'),
    nonce: RFC7616.nonce,
    method: 'GET',
    uri: RFC7616.uri,
    qop: 'auth',
    nc: 1,
    cnonce: RFC7616.cnonce,
  });
  assert.equal(response, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
});

test('SHA-512-256 is FIPS 180-4 SHA-512/256, not a truncated SHA-512', () => {
  const abc = hashHex('SHA-512-256', 'abc');
  assert.equal(abc, '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23');
  const truncated = createHash('sha512').update('abc').digest('hex').slice(0, 64);
  assert.notEqual(abc, truncated);
  assert.equal(abc.length, 64);
});

test('RFC 2069 form (no qop): H(HA1:nonce:HA2)', () => {
  const ha1 = md5('bob:biloxi.com:zanzibar');
  const ha2 = md5('REGISTER:sip:biloxi.com');
  const response = computeDigestResponse({
    algorithm: 'MD5',
    ha1,
    nonce: 'abc',
    method: 'REGISTER',
    uri: 'sip:biloxi.com',
  });
  assert.equal(response, md5(`${ha1}:abc:${ha2}`));
});

test('MD5-sess re-keys HA1 with nonce and cnonce; auth-int hashes the body', () => {
  const base = md5('u:r:p');
  const sessHa1 = md5(`${base}:N:C`);
  const body = 'v=0\r\n';
  const ha2 = md5(`INVITE:sip:x@y:${md5(body)}`);
  const response = computeDigestResponse({
    algorithm: 'MD5-sess',
    ha1: base,
    nonce: 'N',
    cnonce: 'C',
    nc: 2,
    qop: 'auth-int',
    method: 'INVITE',
    uri: 'sip:x@y',
    body,
  });
  assert.equal(response, md5(`${sessHa1}:N:00000002:C:auth-int:${ha2}`));
});

test('algorithm tokens: absent → MD5, case-insensitive, unknown → undefined', () => {
  assert.equal(toDigestAlgorithm(undefined), 'MD5');
  assert.equal(toDigestAlgorithm('sha-256'), 'SHA-256');
  assert.equal(toDigestAlgorithm('SHA-512-256-SESS'), 'SHA-512-256-sess');
  assert.equal(toDigestAlgorithm('SHA3-256'), undefined);
  assert.equal(digestHash('SHA-256-sess'), 'SHA-256');
});
