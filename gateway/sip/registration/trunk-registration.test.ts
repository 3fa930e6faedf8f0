/** Tests for TrunkRegistration against our own Registrar: digest, refresh, back-off, 423, unregister. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeader, setHeader, type SipRequest, type SipResponse } from '../message/index.ts';
import { DigestChallenger, DigestClient } from '../auth/index.ts';
import { FakeClock } from '../transaction/index.ts';
import { Registrar } from '../registrar/registrar.ts';
import { TrunkRegistration, refreshDelayMs, type TrunkRegistrationState } from './trunk-registration.ts';

const src = { protocol: 'udp' as const, address: '127.0.0.1', port: 5999 };

function setup(opts: { password?: string; minExpires?: number; maxExpires?: number } = {}) {
  const clock = new FakeClock();
  let now = 1_000_000;
  const nowFn = () => now + clock.now;
  const registrar = new Registrar({
    challenger: new DigestChallenger({ realm: 'carrier', lookup: (u) => (u === 'trunkuser' ? 'trunkpass' : undefined), now: nowFn }),
    userExists: (u) => u === 'trunkuser',
    now: nowFn,
    minExpires: opts.minExpires ?? 60,
    maxExpires: opts.maxExpires ?? 7200,
  });
  const digest = new DigestClient({ credentials: { username: 'trunkuser', password: opts.password ?? 'trunkpass' } });
  const sent: SipRequest[] = [];
  let down = false;
  /** A sender like the UA's: answers one challenge with a resend at CSeq+1. */
  const send = async (req: SipRequest): Promise<SipResponse> => {
    if (down) throw new Error('ECONNREFUSED');
    req.headers.push(...digest.authorize(req));
    sent.push(req);
    const res = await registrar.handle(req, src);
    if (res.status !== 401) return res;
    if (!digest.onChallenge(res, req).ok) return res;
    const retry: SipRequest = { ...req, headers: req.headers.filter((h) => h.name !== 'Authorization') };
    const cseq = Number(getHeader(req, 'CSeq')!.split(' ')[0]) + 1;
    setHeader(retry, 'CSeq', `${cseq} REGISTER`);
    retry.headers.push(...digest.authorize(retry));
    sent.push(retry);
    return registrar.handle(retry, src);
  };
  const states: TrunkRegistrationState[] = [];
  const reg = new TrunkRegistration({
    name: 'carrier',
    username: 'trunkuser',
    host: '127.0.0.1:5999',
    transport: 'udp',
    expires: 600,
    contact: () => 'sip:trunkuser@127.0.0.1:5060',
    send,
    timers: clock,
    now: nowFn,
    random: () => 1,
  });
  reg.on('stateChange', (s) => states.push(s.state));
  return { clock, registrar, reg, sent, states, setDown: (d: boolean) => (down = d), advanceWall: (ms: number) => (now += ms) };
}

const settle = () => new Promise((r) => setImmediate(r));

test('registers with digest and refreshes before expiry with the same Call-ID and a higher CSeq', async () => {
  const { clock, registrar, reg, sent, states } = setup();
  reg.start();
  await settle();
  assert.equal(reg.state, 'registered');
  assert.deepEqual(states, ['registering', 'registered']);
  assert.equal(reg.status().expires, 600);
  assert.equal(registrar.location.lookup('trunkuser').length, 1);
  assert.equal(sent.length, 2, 'challenged once, then accepted');
  const firstCallId = getHeader(sent[0]!, 'Call-ID');
  clock.advance(refreshDelayMs(600) - 1);
  await settle();
  assert.equal(sent.length, 2, 'no refresh before the refresh point');
  clock.advance(1);
  await settle();
  // 540 s later the 300 s nonce is stale: the refresh is challenged (stale=true) and resent.
  assert.equal(sent.length, 4);
  assert.equal(getHeader(sent[2]!, 'Call-ID'), firstCallId);
  assert.equal(getHeader(sent[2]!, 'CSeq'), '3 REGISTER');
  assert.equal(getHeader(sent[3]!, 'CSeq'), '4 REGISTER');
  assert.equal(reg.state, 'registered');
});

test('wrong password → failed, retried with doubling back-off', async () => {
  const { clock, reg, sent } = setup({ password: 'wrong' });
  reg.start();
  await settle();
  assert.equal(reg.state, 'failed');
  assert.match(reg.status().lastError!, /^40[13]/);
  const after1 = sent.length;
  clock.advance(999);
  await settle();
  assert.equal(sent.length, after1, 'waits the first back-off (1 s)');
  clock.advance(1);
  await settle();
  assert.ok(sent.length > after1);
  const after2 = sent.length;
  clock.advance(1999);
  await settle();
  assert.equal(sent.length, after2, 'second back-off is 2 s');
  clock.advance(1);
  await settle();
  assert.ok(sent.length > after2);
  assert.equal(reg.status().failures, 3);
  assert.equal(reg.state, 'failed');
});

test('transport failure → failed, retried', async () => {
  const { clock, reg, setDown } = setup();
  setDown(true);
  reg.start();
  await settle();
  assert.equal(reg.state, 'failed');
  assert.match(reg.status().lastError!, /ECONNREFUSED/);
  setDown(false);
  clock.advance(1000);
  await settle();
  assert.equal(reg.state, 'registered');
  assert.equal(reg.status().failures, 0);
});

test('423 Interval Too Brief → retries at once with Min-Expires', async () => {
  const { reg, sent } = setup({ minExpires: 1800 });
  reg.start();
  await settle();
  await settle();
  assert.equal(reg.state, 'registered');
  assert.equal(reg.status().expires, 1800);
  assert.equal(getHeader(sent[sent.length - 1]!, 'Expires'), '1800');
});

test('the registrar may shorten the expiry; refresh follows the granted value', async () => {
  const { clock, reg, sent } = setup({ maxExpires: 120 });
  reg.start();
  await settle();
  assert.equal(reg.status().expires, 120);
  const n = sent.length;
  clock.advance(refreshDelayMs(120));
  await settle();
  assert.equal(sent.length, n + 1);
});

test('stop() unregisters with Expires: 0 and stops refreshing', async () => {
  const { clock, registrar, reg, sent } = setup();
  reg.start();
  await settle();
  await reg.stop();
  assert.equal(reg.state, 'stopped');
  assert.equal(getHeader(sent[sent.length - 1]!, 'Expires'), '0');
  assert.equal(registrar.location.lookup('trunkuser').length, 0);
  const n = sent.length;
  clock.advance(10 * 3600 * 1000);
  await settle();
  assert.equal(sent.length, n);
});

test('refresh delays: half-way for short, 10 %/30 s early for long', () => {
  assert.equal(refreshDelayMs(60), 30_000);
  assert.equal(refreshDelayMs(120), 90_000);
  assert.equal(refreshDelayMs(3600), 3_240_000);
});


test('explicit undefined options keep their defaults (regression: NaN back-off retried after 7 ms)', async () => {
  const clock = new FakeClock();
  let sends = 0;
  const reg = new TrunkRegistration({
    name: 't',
    username: 'u',
    host: '127.0.0.1',
    transport: 'udp',
    expires: undefined,
    minRetryMs: undefined,
    maxRetryMs: undefined,
    contact: () => 'sip:u@127.0.0.1',
    send: async () => {
      sends++;
      throw new Error('ECONNREFUSED');
    },
    timers: clock,
    random: () => 1,
  });
  reg.start();
  await settle();
  assert.equal(sends, 1);
  clock.advance(999);
  await settle();
  assert.equal(sends, 1, 'no retry before the 1 s default back-off');
  clock.advance(1);
  await settle();
  assert.equal(sends, 2);
});

test('connectionClosed: a registered trunk registers again (same Call-ID, next CSeq) at once, or minRetryMs after its last success', async () => {
  const { clock, reg, sent, registrar } = setup();
  reg.start();
  await settle();
  assert.equal(reg.state, 'registered');
  const n = sent.length;
  // Right after registering: not before minRetryMs (1 s) has passed since that success.
  reg.connectionClosed();
  clock.advance(999);
  await settle();
  assert.equal(sent.length, n, 'no REGISTER within minRetryMs of the last success');
  clock.advance(1);
  await settle();
  assert.ok(sent.length > n, 'registered again 1 s after the last success');
  assert.equal(getHeader(sent[n]!, 'Call-ID'), getHeader(sent[0]!, 'Call-ID'), 'the same registration (Call-ID)');
  assert.equal(reg.state, 'registered');
  // Later: at once (a 0 ms timer), and the refresh timer is replaced, not doubled.
  clock.advance(60_000);
  await settle();
  const m = sent.length;
  reg.connectionClosed();
  clock.advance(0);
  await settle();
  assert.ok(sent.length > m, 'registered again at once');
  assert.equal(registrar.location.lookup('trunkuser').length, 1);
  const k = sent.length;
  clock.advance(refreshDelayMs(600) - 1);
  await settle();
  assert.equal(sent.length, k, 'one refresh timer, counted from the new registration');
});

test('connectionClosed is ignored unless registered (not started, failed and backing off, stopped)', async () => {
  const { clock, reg, sent, setDown } = setup();
  reg.connectionClosed();
  clock.advance(5000);
  assert.equal(sent.length, 0, 'idle: not started');
  setDown(true);
  reg.start();
  await settle();
  assert.equal(reg.state, 'failed');
  reg.connectionClosed();
  clock.advance(999);
  await settle();
  assert.equal(reg.status().failures, 1, 'a failed registration keeps its back-off');
  await reg.stop();
  reg.connectionClosed();
  clock.advance(60_000);
  await settle();
  assert.equal(reg.state, 'stopped');
});
