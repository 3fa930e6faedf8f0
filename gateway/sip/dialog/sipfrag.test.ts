/** message/sipfrag status lines and Subscription-State values for REFER progress. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSipfrag, formatSubscriptionState, parseSipfrag, parseSubscriptionState } from './sipfrag.ts';

test('sipfrag status lines', () => {
  assert.deepEqual(parseSipfrag('SIP/2.0 100 Trying\r\n'), { status: 100, reason: 'Trying' });
  assert.deepEqual(parseSipfrag('\r\nSIP/2.0 200 OK\r\nContact: <sip:x@y>\r\n'), { status: 200, reason: 'OK' });
  assert.deepEqual(parseSipfrag('SIP/2.0 503'), { status: 503, reason: '' });
  assert.equal(parseSipfrag('INVITE sip:x SIP/2.0\r\n'), undefined);
  assert.equal(parseSipfrag(''), undefined);
  assert.equal(formatSipfrag(180), 'SIP/2.0 180 Ringing\r\n');
  assert.equal(formatSipfrag(486, 'Busy'), 'SIP/2.0 486 Busy\r\n');
});

test('Subscription-State', () => {
  assert.deepEqual(parseSubscriptionState('active;expires=60'), { state: 'active', expires: 60 });
  assert.deepEqual(parseSubscriptionState('Terminated; reason=NoResource; retry-after=5'), { state: 'terminated', reason: 'noresource', retryAfter: 5 });
  assert.equal(formatSubscriptionState({ state: 'terminated', reason: 'noresource' }), 'terminated;reason=noresource');
  assert.equal(formatSubscriptionState({ state: 'active', expires: 60 }), 'active;expires=60');
});
