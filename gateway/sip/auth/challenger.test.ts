/**
 * DigestChallenger end to end with the real client code: challenge shape, success for every
 * algorithm, stale nonces, replays, wrong passwords, tampered nonces, URI mismatch, HA1 lookup,
 * RFC 2069 clients and bounded replay memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipRequest } from '../message/types.ts';
import { computeAuthorization, type NonceCounts } from './authorization.ts';
import { DigestChallenger, type DigestChallengerOptions } from './challenger.ts';
import { computeDigestResponse, computeHA1, type DigestAlgorithm } from './digest.ts';
import { formatDigestCredentials, parseDigestChallenge, parseDigestCredentials } from './header.ts';

const REALM = 'patchbay.example';
const URI = 'sip:patchbay.example';

function request(method: string, uri: string, auth?: string, name = 'Authorization'): SipRequest {
  return {
    kind: 'request',
    method,
    uri,
    version: 'SIP/2.0',
    headers: auth === undefined ? [] : [{ name, value: auth }],
    body: Buffer.alloc(0),
  };
}

function setup(extra: Partial<DigestChallengerOptions> = {}) {
  let now = 1_700_000_000_000;
  const challenger = new DigestChallenger({
    realm: REALM,
    lookup: async (user) => (user === 'alice' ? 'secret' : undefined),
    now: () => now,
    secret: 'test-secret',
    ...extra,
  });
  return {
    challenger,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Challenge → the client's authorization value for `method`. */
function answer(
  challenger: DigestChallenger,
  opts: { password?: string; username?: string; method?: string; uri?: string; counts?: NonceCounts } = {},
) {
  const challenges = challenger.challenge().headers.map((h) => parseDigestChallenge(h.value)!);
  const auth = computeAuthorization(
    challenges,
    {
      username: opts.username ?? 'alice',
      password: opts.password ?? 'secret',
      method: opts.method ?? 'REGISTER',
      uri: opts.uri ?? URI,
    },
    opts.counts,
  );
  assert.ok(auth);
  return auth;
}

test('challenge: 401 with SHA-256 then MD5, one shared nonce, qop="auth"', () => {
  const { challenger } = setup();
  const res = challenger.challenge();
  assert.equal(res.status, 401);
  assert.equal(res.reason, 'Unauthorized');
  assert.deepEqual(
    res.headers.map((h) => h.name),
    ['WWW-Authenticate', 'WWW-Authenticate'],
  );
  const [a, b] = res.headers.map((h) => parseDigestChallenge(h.value)!);
  assert.equal(a!.algorithm, 'SHA-256');
  assert.equal(b!.algorithm, 'MD5');
  assert.equal(a!.realm, REALM);
  assert.equal(a!.nonce, b!.nonce);
  assert.deepEqual(a!.qop, ['auth']);
  assert.equal(a!.stale, undefined);
});

test('proxy mode: 407 with Proxy-Authenticate, verifies Proxy-Authorization only', async () => {
  const { challenger } = setup({ mode: 'proxy' });
  const res = challenger.challenge();
  assert.equal(res.status, 407);
  assert.equal(res.headers[0]!.name, 'Proxy-Authenticate');
  const auth = answer(challenger, { method: 'INVITE', uri: 'sip:bob@patchbay.example' });
  const wrongHeader = await challenger.verify(request('INVITE', 'sip:bob@patchbay.example', auth.value));
  assert.equal(wrongHeader.kind, 'challenge');
  const ok = await challenger.verify(
    request('INVITE', 'sip:bob@patchbay.example', auth.value, 'Proxy-Authorization'),
  );
  assert.equal(ok.kind, 'ok');
});

test('no credentials → challenge (reason missing, not stale)', async () => {
  const { challenger } = setup();
  const v = await challenger.verify(request('REGISTER', URI));
  assert.equal(v.kind, 'challenge');
  assert.ok(v.kind === 'challenge' && v.reason === 'missing' && v.stale === false);
});

for (const algorithm of ['SHA-256', 'MD5', 'SHA-512-256', 'SHA-512-256-sess', 'MD5-sess', 'SHA-256-sess'] as DigestAlgorithm[]) {
  test(`accepts a correct ${algorithm} response`, async () => {
    const { challenger } = setup({ algorithms: [algorithm] });
    const auth = answer(challenger);
    assert.equal(auth.algorithm, algorithm);
    const v = await challenger.verify(request('REGISTER', URI, auth.value));
    assert.deepEqual(v, { kind: 'ok', username: 'alice', realm: REALM, algorithm: auth.algorithm });
  });
}

test('the client prefers SHA-256 over MD5 regardless of header order', () => {
  const { challenger } = setup({ algorithms: ['MD5', 'SHA-256'] });
  assert.equal(answer(challenger).algorithm, 'SHA-256');
});

test('wrong password → forbidden', async () => {
  const { challenger } = setup();
  const auth = answer(challenger, { password: 'guess' });
  const v = await challenger.verify(request('REGISTER', URI, auth.value));
  assert.deepEqual(v, { kind: 'forbidden', reason: 'wrong-password', username: 'alice' });
});

test('unknown user → forbidden', async () => {
  const { challenger } = setup();
  const auth = answer(challenger, { username: 'mallory' });
  const v = await challenger.verify(request('REGISTER', URI, auth.value));
  assert.deepEqual(v, { kind: 'forbidden', reason: 'unknown-user', username: 'mallory' });
});

test('response computed for another method is rejected', async () => {
  const { challenger } = setup();
  const auth = answer(challenger, { method: 'INVITE' });
  const v = await challenger.verify(request('REGISTER', URI, auth.value));
  assert.equal(v.kind, 'forbidden');
});

test('uri parameter different from the Request-URI → forbidden (uri-mismatch)', async () => {
  const { challenger } = setup();
  const auth = answer(challenger, { uri: 'sip:other.example' });
  const v = await challenger.verify(request('REGISTER', URI, auth.value));
  assert.deepEqual(v, { kind: 'forbidden', reason: 'uri-mismatch', username: 'alice' });
});

test('tampered nonce → fresh challenge (bad-nonce), never stale', async () => {
  const { challenger } = setup();
  const auth = answer(challenger);
  const creds = auth.credentials;
  const n = creds.nonce;
  const flipped = n.slice(0, 3) + (n[3] === 'A' ? 'B' : 'A') + n.slice(4);
  const tampered = { ...creds, nonce: flipped };
  // Re-sign the response with the tampered nonce so only the nonce's MAC is wrong.
  tampered.response = computeDigestResponse({
    algorithm: 'SHA-256',
    ha1: computeHA1('SHA-256', 'alice', REALM, 'secret'),
    nonce: flipped,
    method: 'REGISTER',
    uri: URI,
    qop: 'auth',
    cnonce: creds.cnonce,
    nc: creds.nc,
  });
  const v = await challenger.verify(request('REGISTER', URI, formatDigestCredentials(tampered)));
  assert.ok(v.kind === 'challenge');
  assert.equal(v.reason, 'bad-nonce');
  assert.equal(v.stale, false);
});

test('a nonce from another secret (e.g. before a restart) is not ours', async () => {
  const a = setup({ secret: 'one' });
  const b = setup({ secret: 'two' });
  const auth = answer(a.challenger);
  const v = await b.challenger.verify(request('REGISTER', URI, auth.value));
  assert.ok(v.kind === 'challenge' && v.reason === 'bad-nonce');
});

test('expired nonce with the right password → challenge with stale=true; wrong password stays forbidden', async () => {
  const { challenger, advance } = setup({ nonceLifetimeMs: 60_000 });
  const good = answer(challenger);
  const bad = answer(challenger, { password: 'nope' });
  advance(60_001);
  const v = await challenger.verify(request('REGISTER', URI, good.value));
  assert.ok(v.kind === 'challenge');
  assert.equal(v.reason, 'stale');
  assert.equal(v.stale, true);
  assert.ok(v.response.headers.every((h) => parseDigestChallenge(h.value)!.stale === true));
  const w = await challenger.verify(request('REGISTER', URI, bad.value));
  assert.equal(w.kind, 'forbidden');
});

test('replay: the same nc twice is rejected; a higher nc on the same nonce is accepted', async () => {
  const { challenger } = setup();
  const counts: NonceCounts = new Map();
  const challenges = challenger.challenge().headers.map((h) => parseDigestChallenge(h.value)!);
  const sign = () =>
    computeAuthorization(challenges, { username: 'alice', password: 'secret', method: 'REGISTER', uri: URI }, counts)!;
  const first = sign();
  assert.equal(first.credentials.nc, 1);
  assert.equal((await challenger.verify(request('REGISTER', URI, first.value))).kind, 'ok');
  const replay = await challenger.verify(request('REGISTER', URI, first.value));
  assert.ok(replay.kind === 'challenge');
  assert.equal(replay.reason, 'replay');
  const second = sign();
  assert.equal(second.credentials.nc, 2);
  assert.equal((await challenger.verify(request('REGISTER', URI, second.value))).kind, 'ok');
  // An older nc arriving late is a replay too.
  const third = sign();
  const fourth = sign();
  assert.equal((await challenger.verify(request('REGISTER', URI, fourth.value))).kind, 'ok');
  const late = await challenger.verify(request('REGISTER', URI, third.value));
  assert.ok(late.kind === 'challenge' && late.reason === 'replay');
});

test('RFC 2069 client (no qop): nonce reusable within its lifetime, stale after it', async () => {
  const { challenger, advance } = setup({ nonceLifetimeMs: 10_000 });
  const nonce = parseDigestChallenge(challenger.challenge().headers[1]!.value)!.nonce;
  const legacy = formatDigestCredentials({
    username: 'alice',
    realm: REALM,
    nonce,
    uri: URI,
    response: computeDigestResponse({
      algorithm: 'MD5',
      ha1: computeHA1('MD5', 'alice', REALM, 'secret'),
      nonce,
      method: 'REGISTER',
      uri: URI,
    }),
  });
  assert.equal((await challenger.verify(request('REGISTER', URI, legacy))).kind, 'ok');
  assert.equal((await challenger.verify(request('REGISTER', URI, legacy))).kind, 'ok');
  advance(10_001);
  const v = await challenger.verify(request('REGISTER', URI, legacy));
  assert.ok(v.kind === 'challenge' && v.stale);

  const strict = setup({ requireQop: true });
  const n2 = parseDigestChallenge(strict.challenger.challenge().headers[1]!.value)!.nonce;
  const legacy2 = formatDigestCredentials({ ...parseDigestCredentials(legacy)!, nonce: n2 });
  const s = await strict.challenger.verify(request('REGISTER', URI, legacy2));
  assert.ok(s.kind === 'challenge' && s.reason === 'qop-required');
});

test('stored HA1 lookup: answers its own hash family, re-challenges with that family otherwise', async () => {
  const { challenger } = setup({
    lookup: () => ({ ha1: { MD5: computeHA1('MD5', 'alice', REALM, 'secret') } }),
  });
  const sha = answer(challenger);
  assert.equal(sha.algorithm, 'SHA-256');
  const v = await challenger.verify(request('REGISTER', URI, sha.value));
  assert.ok(v.kind === 'challenge');
  assert.equal(v.reason, 'algorithm');
  const offered = v.response.headers.map((h) => parseDigestChallenge(h.value)!.algorithm);
  assert.deepEqual(offered, ['MD5']);
  const md5 = computeAuthorization(
    parseDigestChallenge(v.response.headers[0]!.value)!,
    { username: 'alice', password: 'secret', method: 'REGISTER', uri: URI },
  )!;
  assert.equal((await challenger.verify(request('REGISTER', URI, md5.value))).kind, 'ok');
});

test('an algorithm we did not offer is re-challenged', async () => {
  const { challenger } = setup({ algorithms: ['SHA-256'] });
  const nonce = parseDigestChallenge(challenger.challenge().headers[0]!.value)!.nonce;
  const auth = computeAuthorization(
    { realm: REALM, nonce, algorithm: 'MD5', qop: ['auth'] },
    { username: 'alice', password: 'secret', method: 'REGISTER', uri: URI },
  )!;
  const v = await challenger.verify(request('REGISTER', URI, auth.value));
  assert.ok(v.kind === 'challenge' && v.reason === 'algorithm');
});

test('credentials for another realm are ignored; opaque is required back', async () => {
  const { challenger } = setup({ opaque: 'op' });
  const auth = answer(challenger);
  assert.equal(auth.credentials.opaque, 'op');
  const other = formatDigestCredentials({ ...auth.credentials, realm: 'elsewhere' });
  const v = await challenger.verify(request('REGISTER', URI, other));
  assert.ok(v.kind === 'challenge' && v.reason === 'missing');
  const noOpaque = formatDigestCredentials({ ...auth.credentials, opaque: 'changed' });
  const w = await challenger.verify(request('REGISTER', URI, noOpaque));
  assert.ok(w.kind === 'challenge' && w.reason === 'bad-nonce');
});

test('bounded replay memory: evicted nonces come back stale instead of replayable', async () => {
  const { challenger, advance } = setup({ maxTrackedNonces: 2 });
  const auths = [];
  for (let i = 0; i < 3; i++) {
    auths.push(answer(challenger));
    advance(1); // distinct issue times
  }
  for (const a of auths) assert.equal((await challenger.verify(request('REGISTER', URI, a.value))).kind, 'ok');
  // The first nonce was evicted: replaying it must not succeed.
  const v = await challenger.verify(request('REGISTER', URI, auths[0]!.value));
  assert.ok(v.kind === 'challenge' && v.stale === true);
  // The newest is still tracked as a replay.
  const w = await challenger.verify(request('REGISTER', URI, auths[2]!.value));
  assert.ok(w.kind === 'challenge' && w.reason === 'replay');
});
