/** Tests for the registrar: digest, expiry rules, wildcard, ordering, Path/outbound, errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest, getHeader, getHeaders, getContacts, type SipRequest } from '../message/index.ts';
import { DigestChallenger, DigestClient } from '../auth/index.ts';
import { Registrar } from './registrar.ts';

const USERS: Record<string, string> = { '1001': 'pw1001', '1002': 'pw1002' };
let now = 1_700_000_000_000;
const src = { protocol: 'udp' as const, address: '127.0.0.1', port: 5070 };

function setup() {
  const challenger = new DigestChallenger({ realm: 'patchbay', lookup: (u) => USERS[u], now: () => now });
  return new Registrar({ challenger, userExists: (u) => u in USERS, now: () => now });
}

let cseq = 0;
function register(user: string, contact: string | undefined, extra: Record<string, string | string[]> = {}, callId = 'call-1'): SipRequest {
  return createRequest({
    method: 'REGISTER',
    uri: 'sip:127.0.0.1',
    headers: {
      Via: `SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK${++cseq}`,
      From: `<sip:${user}@127.0.0.1>;tag=abc`,
      To: `<sip:${user}@127.0.0.1>`,
      'Call-ID': callId,
      CSeq: `${cseq} REGISTER`,
      ...(contact ? { Contact: contact } : {}),
      ...extra,
    },
  });
}

/** Sends a REGISTER, answering one digest challenge like a real client. */
async function registerWithAuth(reg: Registrar, user: string, password: string, contact: string | undefined, extra: Record<string, string | string[]> = {}, callId = 'call-1') {
  const client = new DigestClient({ credentials: { username: user, password } });
  const first = register(user, contact, extra, callId);
  const challenge = await reg.handle(first, src);
  if (challenge.status !== 401) return challenge;
  assert.ok(getHeaders(challenge, 'WWW-Authenticate').length >= 1);
  assert.ok(client.onChallenge(challenge, first).ok);
  const second = register(user, contact, extra, callId);
  second.headers.push(...client.authorize(second));
  return reg.handle(second, src);
}

test('REGISTER is challenged, then accepted with the granted expiry', async () => {
  const reg = setup();
  const res = await registerWithAuth(reg, '1001', 'pw1001', '<sip:1001@127.0.0.1:5070>', { Expires: '600' });
  assert.equal(res.status, 200);
  const contacts = getContacts(res);
  assert.equal(contacts.length, 1);
  assert.equal(contacts[0]!.expires, 600);
  assert.ok(getHeader(res, 'Date'));
  assert.match(getHeader(res, 'To')!, /;tag=/);
  assert.equal(reg.location.lookup('1001').length, 1);
});

test('wrong password → 403; unknown user → 403 (never reveal which users exist before auth)', async () => {
  const reg = setup();
  assert.equal((await registerWithAuth(reg, '1001', 'nope', '<sip:1001@h>')).status, 403);
  assert.equal((await registerWithAuth(reg, '9999', 'x', '<sip:9999@h>')).status, 403);
  assert.equal(reg.location.lookup('1001').length, 0);
});

test('a user cannot register another user\'s address', async () => {
  const reg = setup();
  const client = new DigestClient({ credentials: { username: '1001', password: 'pw1001' } });
  const first = register('1002', '<sip:x@h>');
  client.onChallenge(await reg.handle(first, src), first);
  const second = register('1002', '<sip:x@h>');
  second.headers.push(...client.authorize(second));
  assert.equal((await reg.handle(second, src)).status, 403);
});

test('too-short expiry → 423 with Min-Expires; long expiry is shortened', async () => {
  const reg = setup();
  const res = await registerWithAuth(reg, '1001', 'pw1001', '<sip:1001@h>;expires=10');
  assert.equal(res.status, 423);
  assert.equal(getHeader(res, 'Min-Expires'), '60');
  const long = await registerWithAuth(reg, '1001', 'pw1001', '<sip:1001@h>', { Expires: '999999' }, 'call-2');
  assert.equal(long.status, 200);
  assert.equal(getContacts(long)[0]!.expires, 7200);
});

test('several contacts per user; query without Contact lists them; expiry removes them', async () => {
  const reg = setup();
  assert.equal((await registerWithAuth(reg, '1001', 'pw1001', '<sip:1001@10.0.0.1>', { Expires: '120' }, 'a')).status, 200);
  assert.equal((await registerWithAuth(reg, '1001', 'pw1001', '<sip:1001@10.0.0.2>', { Expires: '3600' }, 'b')).status, 200);
  const query = await registerWithAuth(reg, '1001', 'pw1001', undefined, {}, 'c');
  assert.equal(query.status, 200);
  assert.equal(getContacts(query).length, 2);
  now += 121_000;
  assert.deepEqual(reg.location.lookup('1001').map((b) => b.contact), ['sip:1001@10.0.0.2']);
});

test('Expires: 0 removes a contact; Contact: * with Expires: 0 removes all; * otherwise → 400', async () => {
  const reg = setup();
  await registerWithAuth(reg, '1001', 'pw1001', '<sip:1001@10.0.0.1>', {}, 'a');
  await registerWithAuth(reg, '1001', 'pw1001', '<sip:1001@10.0.0.2>', {}, 'b');
  const del = await registerWithAuth(reg, '1001', 'pw1001', '<sip:1001@10.0.0.1>', { Expires: '0' }, 'a');
  assert.equal(del.status, 200);
  assert.equal(reg.location.lookup('1001').length, 1);
  assert.equal((await registerWithAuth(reg, '1001', 'pw1001', '*', { Expires: '60' }, 'z')).status, 400);
  assert.equal((await registerWithAuth(reg, '1001', 'pw1001', '*', { Expires: '0' }, 'z')).status, 200);
  assert.equal(reg.location.lookup('1001').length, 0);
});

test('an out-of-order REGISTER (same Call-ID, lower CSeq) → 500', async () => {
  const reg = setup();
  const client = new DigestClient({ credentials: { username: '1001', password: 'pw1001' } });
  const a = register('1001', '<sip:1001@h>');
  client.onChallenge(await reg.handle(a, src), a);
  const newer = register('1001', '<sip:1001@h>');
  const older = { ...register('1001', '<sip:1001@h>') };
  // Make `older` carry a lower CSeq than `newer` but the same Call-ID.
  older.headers = older.headers.map((h) => (h.name === 'CSeq' ? { name: 'CSeq', value: `1 REGISTER` } : h));
  newer.headers.push(...client.authorize(newer));
  older.headers.push(...client.authorize(older));
  assert.equal((await reg.handle(newer, src)).status, 200);
  assert.equal((await reg.handle(older, src)).status, 500);
});

test('JsSIP-style outbound REGISTER over WebSocket: instance, reg-id, ob, Path echoed, connection bound', async () => {
  const reg = setup();
  const wsSrc = { protocol: 'ws' as const, address: '127.0.0.1', port: 40000, connectionId: 'ws-7' };
  const contact = '<sip:abcd@df7jal23ls0d.invalid;transport=ws;ob>;+sip.ice;reg-id=1;+sip.instance="<urn:uuid:11111111-2222-3333-4444-555555555555>";expires=600';
  const client = new DigestClient({ credentials: { username: '1001', password: 'pw1001' } });
  const mk = () => register('1001', contact, { Supported: 'path, outbound, gruu', Path: '<sip:edge.example;lr;ob>' }, 'js');
  const a = mk();
  const challenge = await reg.handle(a, wsSrc);
  client.onChallenge(challenge, a);
  const b = mk();
  b.headers.push(...client.authorize(b));
  const res = await reg.handle(b, wsSrc);
  assert.equal(res.status, 200);
  assert.equal(getHeader(res, 'Require'), 'outbound');
  assert.deepEqual(getHeaders(res, 'Path'), ['<sip:edge.example;lr;ob>']);
  const ct = getContacts(res)[0]!;
  assert.equal(ct.instance, 'urn:uuid:11111111-2222-3333-4444-555555555555');
  assert.equal(ct.regId, 1);
  const binding = reg.location.lookup('1001')[0]!;
  assert.equal(binding.source.connectionId, 'ws-7');
  assert.deepEqual(reg.location.removeByConnection('ws-7'), ['1001']);
});

test('Require with an unknown extension → 420 with Unsupported', async () => {
  const reg = setup();
  const res = await reg.handle(register('1001', '<sip:1001@h>', { Require: 'foo, path' }), src);
  assert.equal(res.status, 420);
  assert.equal(getHeader(res, 'Unsupported'), 'foo');
});
