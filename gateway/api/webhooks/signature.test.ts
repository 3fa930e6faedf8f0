/** Webhook signatures: a known vector (from `openssl dgst -hmac`), tampering, expiry, malformed headers, rotation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkWebhookSignature, signWebhook, verifyWebhookSignature } from './signature.ts';
import { backoffDelay } from './backoff.ts';

const SECRET = 'whsec_test';
const TS = 1700000000;
const BODY = '{"event":"call.answered","call_id":"abc"}';
// echo -n '1700000000.{"event":"call.answered","call_id":"abc"}' | openssl dgst -sha256 -hmac whsec_test
const VECTOR = '9ad366056152e540ae169a334e6bfaf0b642f0d663403a7ce4b6c91c0d4a20c7';

test('signWebhook matches an independent HMAC-SHA256 vector, as v1=<hex>', () => {
  assert.equal(signWebhook(SECRET, TS, BODY), `v1=${VECTOR}`);
  assert.equal(signWebhook(SECRET, TS, Buffer.from(BODY)), `v1=${VECTOR}`);
});

test('a good signature verifies (string or bytes body, v1= or bare hex, timestamp as header text)', () => {
  assert.deepEqual(checkWebhookSignature(SECRET, String(TS), BODY, `v1=${VECTOR}`, 300, TS + 10), { valid: true });
  assert.deepEqual(checkWebhookSignature(SECRET, TS, Buffer.from(BODY), VECTOR, 300, TS - 10), { valid: true });
  const now = Math.floor(Date.now() / 1000);
  assert.equal(verifyWebhookSignature(SECRET, String(now), BODY, signWebhook(SECRET, now, BODY), 60), true);
});

test('a bad signature fails: tampered body, wrong secret, wrong timestamp', () => {
  const sig = `v1=${VECTOR}`;
  assert.deepEqual(checkWebhookSignature(SECRET, TS, BODY.replace('abc', 'abd'), sig, 300, TS), { valid: false, reason: 'mismatch' });
  assert.deepEqual(checkWebhookSignature('other', TS, BODY, sig, 300, TS), { valid: false, reason: 'mismatch' });
  assert.deepEqual(checkWebhookSignature(SECRET, TS + 1, BODY, sig, 300, TS), { valid: false, reason: 'mismatch' });
  const now = Math.floor(Date.now() / 1000);
  assert.equal(verifyWebhookSignature(SECRET, now, BODY + ' ', signWebhook(SECRET, now, BODY)), false);
});

test('an expired (or too far future) timestamp fails even with a correct signature', () => {
  const sig = `v1=${VECTOR}`;
  assert.deepEqual(checkWebhookSignature(SECRET, TS, BODY, sig, 300, TS + 301), { valid: false, reason: 'expired' });
  assert.deepEqual(checkWebhookSignature(SECRET, TS, BODY, sig, 300, TS - 301), { valid: false, reason: 'expired' });
  assert.deepEqual(checkWebhookSignature(SECRET, TS, BODY, sig, 300, TS + 300), { valid: true });
  // The real clock is far past 2023-11-14, so the vector is expired for verifyWebhookSignature.
  assert.equal(verifyWebhookSignature(SECRET, TS, BODY, sig, 300), false);
});

test('malformed headers are rejected before any comparison', () => {
  for (const sig of ['', 'v1=', 'v1=zz', `v2=${VECTOR}`, VECTOR.slice(2), `v1=${VECTOR}00`]) {
    assert.deepEqual(checkWebhookSignature(SECRET, TS, BODY, sig, 300, TS), { valid: false, reason: 'malformed' }, sig);
  }
  for (const ts of ['', 'abc', '-1', '1.5', '17000000000000']) {
    assert.deepEqual(checkWebhookSignature(SECRET, ts, BODY, `v1=${VECTOR}`, 300, TS), { valid: false, reason: 'malformed' }, ts);
  }
});

test('several comma-separated signatures (secret rotation): valid when any matches', () => {
  const old = signWebhook('old-secret', TS, BODY);
  assert.deepEqual(checkWebhookSignature(SECRET, TS, BODY, `${old}, v1=${VECTOR}`, 300, TS), { valid: true });
  assert.deepEqual(checkWebhookSignature(SECRET, TS, BODY, `${old}`, 300, TS), { valid: false, reason: 'mismatch' });
});

test('backoff is 100ms·2^(n-1) plus 0..50ms jitter', () => {
  assert.equal(backoffDelay(1, () => 0), 100);
  assert.equal(backoffDelay(2, () => 0), 200);
  assert.equal(backoffDelay(3, () => 0), 400);
  assert.equal(backoffDelay(1, () => 0.5), 125);
  assert.ok(backoffDelay(2, () => 0.999999) < 250);
});
