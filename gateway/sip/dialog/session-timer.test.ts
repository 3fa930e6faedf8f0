/**
 * RFC 4028 pieces: Session-Expires parsing, the UAS decision (422 below Min-SE, refresher choice,
 * Require: timer), the UAC reading of a 2xx, the expiry margin, and the SessionTimer clocks on a
 * FakeClock; plus the 491 back-off ranges of RFC 3261 §14.1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequest, createResponse } from '../message/index.ts';
import { FakeClock } from '../transaction/index.ts';
import { glareRetryDelay } from './glare.ts';
import {
  expiryDelayMs,
  negotiateAsUac,
  negotiateAsUas,
  parseSessionExpires,
  SessionTimer,
  uasSessionHeaders,
} from './session-timer.ts';

function invite(headers: Record<string, string>) {
  return createRequest({
    method: 'INVITE',
    uri: 'sip:b@192.0.2.2',
    headers: { Via: 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1', From: '<sip:a@x>;tag=1', To: '<sip:b@y>', 'Call-ID': 'c', CSeq: '1 INVITE', ...headers },
  });
}

test('Session-Expires parsing', () => {
  assert.deepEqual(parseSessionExpires('1800;refresher=uac'), { interval: 1800, refresher: 'uac' });
  assert.deepEqual(parseSessionExpires(' 90 ; Refresher = UAS '), { interval: 90, refresher: 'uas' });
  assert.deepEqual(parseSessionExpires('600;foo=bar'), { interval: 600 });
  assert.equal(parseSessionExpires('soon'), undefined);
});

test('UAS decision: none, 422, refresher choice and Require: timer', () => {
  assert.deepEqual(negotiateAsUas(invite({})), { kind: 'none' });
  assert.deepEqual(negotiateAsUas(invite({ 'Session-Expires': '60' })), { kind: 'too-small', minSE: 90 });
  assert.deepEqual(negotiateAsUas(invite({ 'Session-Expires': '300' }), 400), { kind: 'too-small', minSE: 400 });
  // The caller supports timers and names no refresher: it refreshes.
  const d1 = negotiateAsUas(invite({ 'Session-Expires': '1800', Supported: 'replaces, timer' }));
  assert.deepEqual(d1, { kind: 'accept', interval: 1800, refresher: 'uac', requireTimer: true });
  assert.deepEqual(uasSessionHeaders(d1), { 'Session-Expires': '1800;refresher=uac', Require: 'timer' });
  // It asks us to refresh.
  assert.deepEqual(negotiateAsUas(invite({ 'Session-Expires': '1800;refresher=uas', Supported: 'timer' })), { kind: 'accept', interval: 1800, refresher: 'uas', requireTimer: true });
  // No timer support at the caller (a proxy added Session-Expires): we refresh, no Require.
  const d3 = negotiateAsUas(invite({ 'Session-Expires': '1800;refresher=uac' }));
  assert.deepEqual(d3, { kind: 'accept', interval: 1800, refresher: 'uas', requireTimer: false });
  assert.deepEqual(uasSessionHeaders(d3), { 'Session-Expires': '1800;refresher=uas' });
});

test('UAC reading of a 2xx', () => {
  const req = invite({});
  assert.equal(negotiateAsUac(createResponse(req, 200, undefined, { toTag: 't' })), undefined);
  assert.deepEqual(negotiateAsUac(createResponse(req, 200, undefined, { toTag: 't', headers: { 'Session-Expires': '120;refresher=uas' } })), { interval: 120, weRefresh: false });
  assert.deepEqual(negotiateAsUac(createResponse(req, 200, undefined, { toTag: 't', headers: { 'Session-Expires': '120' } })), { interval: 120, weRefresh: true });
});

test('expiry margin: min(32 s, interval/3) before the end', () => {
  assert.equal(expiryDelayMs(90), 60_000);
  assert.equal(expiryDelayMs(1800), 1_768_000);
  assert.equal(expiryDelayMs(120), 88_000);
});

test('SessionTimer: refresh at half the interval when refresher, expiry for both, restart and stop', () => {
  const clock = new FakeClock();
  const events: string[] = [];
  const timer = new SessionTimer(clock, { refresh: () => events.push(`refresh@${clock.now}`), expire: () => events.push(`expire@${clock.now}`) });
  timer.start(90, true);
  clock.advance(45_000);
  timer.start(90, true); // refreshed at 45 s
  clock.advance(200_000);
  assert.deepEqual(events, ['refresh@45000', 'refresh@90000', 'expire@105000']);
  assert.equal(timer.running, false);
  events.length = 0;
  timer.start(300, false);
  clock.advance(100_000);
  timer.stop();
  clock.advance(1_000_000);
  assert.deepEqual(events, []);
  assert.equal(clock.pending, 0);
});

test('491 back-off: 2.1–4 s in 10 ms steps for the Call-ID owner, 0–2 s for the other side', () => {
  assert.equal(glareRetryDelay(true, () => 0), 2100);
  assert.equal(glareRetryDelay(true, () => 0.999999), 4000);
  assert.equal(glareRetryDelay(false, () => 0), 0);
  assert.equal(glareRetryDelay(false, () => 0.999999), 2000);
  for (let i = 0; i < 200; i++) {
    const owner = glareRetryDelay(true);
    const other = glareRetryDelay(false);
    assert.ok(owner >= 2100 && owner <= 4000 && owner % 10 === 0);
    assert.ok(other >= 0 && other <= 2000 && other % 10 === 0);
  }
});
