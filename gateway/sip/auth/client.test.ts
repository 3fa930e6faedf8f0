/**
 * UAC side: computeAuthorization reproduces RFC 7616 from the header text, picks the strongest
 * challenge, counts nonce uses; DigestClient remembers realms across requests, answers proxies and
 * refuses to loop on rejected credentials.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipRequest, SipResponse } from '../message/types.ts';
import { computeAuthorization } from './authorization.ts';
import { DigestChallenger } from './challenger.ts';
import { DigestClient } from './client.ts';
import { parseDigestChallenge, parseDigestCredentials } from './header.ts';

const RFC7616_CHALLENGE = (alg: string) =>
  `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${alg}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;
const MUFASA = { username: 'Mufasa', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html' };
const CNONCE = { cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };

test('RFC 7616 §3.9.1 from the header text: both challenges offered → SHA-256 answered', () => {
  const challenges = [
    parseDigestChallenge(RFC7616_CHALLENGE('MD5'))!,
    parseDigestChallenge(RFC7616_CHALLENGE('SHA-256'))!,
  ];
  const auth = computeAuthorization(challenges, MUFASA, new Map(), CNONCE)!;
  assert.equal(auth.algorithm, 'SHA-256');
  const c = parseDigestCredentials(auth.value)!;
  assert.deepEqual(c, {
    username: 'Mufasa',
    realm: 'http-auth@example.org',
    uri: '/dir/index.html',
    algorithm: 'SHA-256',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    nc: 1,
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    qop: 'auth',
    response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  });
  assert.match(auth.value, /nc=00000001/);
});

test('RFC 7616 §3.9.1 MD5 when only MD5 is offered', () => {
  const auth = computeAuthorization(parseDigestChallenge(RFC7616_CHALLENGE('MD5'))!, MUFASA, new Map(), CNONCE)!;
  assert.equal(auth.credentials.response, '8ca523f5e9506fed4657c9700eebdbec');
});

test('unknown algorithms and qop values are skipped; nothing usable → undefined', () => {
  const only = [
    parseDigestChallenge('Digest realm="r", nonce="n", algorithm=SHA3-256')!,
    parseDigestChallenge('Digest realm="r", nonce="n", qop="auth-conf"')!,
  ];
  assert.equal(computeAuthorization(only, MUFASA), undefined);
});

test('nc increments when the same nonce is reused, cnonce is fresh each time', () => {
  const counts = new Map<string, number>();
  const ch = parseDigestChallenge(RFC7616_CHALLENGE('SHA-256'))!;
  const a = computeAuthorization(ch, MUFASA, counts)!;
  const b = computeAuthorization(ch, MUFASA, counts)!;
  assert.equal(a.credentials.nc, 1);
  assert.equal(b.credentials.nc, 2);
  assert.match(b.value, /nc=00000002/);
  assert.notEqual(a.credentials.cnonce, b.credentials.cnonce);
  assert.match(a.credentials.cnonce!, /^[0-9a-f]{16}$/);
});

test('RFC 2069 challenge: no qop, cnonce, nc or algorithm in the answer', () => {
  const auth = computeAuthorization({ realm: 'a', nonce: 'b' }, { ...MUFASA, method: 'REGISTER', uri: 'sip:a' })!;
  assert.doesNotMatch(auth.value, /qop=|cnonce=|nc=|algorithm=/);
});

// --- DigestClient against a live DigestChallenger --------------------------------------------

const REALM = 'pbx.example';

function req(method: string, uri: string, headers: SipRequest['headers'] = []): SipRequest {
  return { kind: 'request', method, uri, version: 'SIP/2.0', headers, body: Buffer.alloc(0) };
}

function challengeResponse(challenger: DigestChallenger, stale = false): SipResponse {
  const c = challenger.challenge(stale);
  return { kind: 'response', status: c.status, reason: c.reason, version: 'SIP/2.0', headers: c.headers, body: Buffer.alloc(0) };
}

test('DigestClient: REGISTER challenged once, then REGISTER refresh, INVITE, BYE, REFER up front', async () => {
  const server = new DigestChallenger({ realm: REALM, lookup: (u) => (u === 'alice' ? 'pw' : undefined) });
  const client = new DigestClient({ credentials: { username: 'alice', password: 'pw' } });
  assert.deepEqual(client.authorize(req('REGISTER', 'sip:pbx.example')), []);

  const first = req('REGISTER', 'sip:pbx.example');
  const v0 = await server.verify(first);
  assert.ok(v0.kind === 'challenge');
  assert.deepEqual(client.onChallenge(challengeResponse(server), first), { ok: true });
  assert.deepEqual(client.realms, [REALM]);

  const requests: [string, string][] = [
    ['REGISTER', 'sip:pbx.example'],
    ['REGISTER', 'sip:pbx.example'],
    ['INVITE', 'sip:bob@pbx.example'],
    ['BYE', 'sip:bob@192.0.2.7:5060'],
    ['REFER', 'sip:bob@192.0.2.7:5060'],
  ];
  let expectedNc = 1;
  for (const [method, uri] of requests) {
    const headers = client.authorize(req(method, uri));
    assert.equal(headers.length, 1);
    assert.equal(headers[0]!.name, 'Authorization');
    assert.equal(parseDigestCredentials(headers[0]!.value)!.nc, expectedNc++);
    assert.equal(parseDigestCredentials(headers[0]!.value)!.algorithm, 'SHA-256');
    const v = await server.verify(req(method, uri, headers));
    assert.equal(v.kind, 'ok', `${method} ${uri}`);
  }
});

test('DigestClient: a second non-stale challenge to a request with credentials is a rejection', async () => {
  const server = new DigestChallenger({ realm: REALM, lookup: () => 'right' });
  const client = new DigestClient({ credentials: { username: 'alice', password: 'wrong' } });
  assert.deepEqual(client.onChallenge(challengeResponse(server)), { ok: true });
  const retry = req('REGISTER', 'sip:pbx.example', client.authorize(req('REGISTER', 'sip:pbx.example')));
  const v = await server.verify(retry);
  assert.equal(v.kind, 'forbidden');
  assert.deepEqual(client.onChallenge(challengeResponse(server), retry), {
    ok: false,
    reason: 'rejected',
    realm: REALM,
  });
  assert.deepEqual(client.realms, []);
});

test('DigestClient: stale=true after credentials → retry allowed with the new nonce', async () => {
  let now = 0;
  const server = new DigestChallenger({ realm: REALM, lookup: () => 'pw', nonceLifetimeMs: 1000, now: () => now });
  const client = new DigestClient({ credentials: { username: 'alice', password: 'pw' } });
  client.onChallenge(challengeResponse(server));
  now = 5000;
  const sent = req('INVITE', 'sip:bob@pbx.example', client.authorize(req('INVITE', 'sip:bob@pbx.example')));
  const v = await server.verify(sent);
  assert.ok(v.kind === 'challenge' && v.stale);
  const stale: SipResponse = { ...challengeResponse(server), headers: v.response.headers };
  assert.deepEqual(client.onChallenge(stale, sent), { ok: true });
  const again = req('INVITE', 'sip:bob@pbx.example', client.authorize(req('INVITE', 'sip:bob@pbx.example')));
  assert.equal((await server.verify(again)).kind, 'ok');
});

test('DigestClient: 407 from a proxy and 401 from the far end → both headers sent', async () => {
  const proxy = new DigestChallenger({ realm: 'proxy.example', mode: 'proxy', lookup: () => 'p1' });
  const uas = new DigestChallenger({ realm: 'uas.example', lookup: () => 'p2' });
  const client = new DigestClient({
    credentials: (realm) =>
      realm === 'proxy.example'
        ? { username: 'alice', password: 'p1' }
        : realm === 'uas.example'
          ? { username: 'alice', password: 'p2' }
          : undefined,
  });
  assert.deepEqual(client.onChallenge(challengeResponse(proxy)), { ok: true });
  assert.deepEqual(client.onChallenge(challengeResponse(uas)), { ok: true });
  const headers = client.authorize(req('INVITE', 'sip:bob@uas.example'));
  assert.deepEqual(headers.map((h) => h.name).sort(), ['Authorization', 'Proxy-Authorization']);
  const r = req('INVITE', 'sip:bob@uas.example', headers);
  assert.equal((await proxy.verify(r)).kind, 'ok');
  assert.equal((await uas.verify(r)).kind, 'ok');

  const stranger = new DigestChallenger({ realm: 'elsewhere', lookup: () => 'x' });
  assert.deepEqual(client.onChallenge(challengeResponse(stranger)), {
    ok: false,
    reason: 'no-credentials',
    realm: 'elsewhere',
  });
  client.forget('proxy.example');
  assert.deepEqual(client.realms, ['uas.example']);
});
