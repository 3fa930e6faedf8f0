/** End reasons and sign-in failures as the person reads them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEnd, describeMicrophoneError, describeRegistrationFailure, type EndContext } from './end-reasons.ts';

const ctx = (o: Partial<EndContext>): EndContext => ({ cause: 'Terminated', originator: 'local', peer: '1002', answered: true, direction: 'outgoing', ...o });

test('hang-ups are not errors; who hung up is said', () => {
  assert.deepEqual(describeEnd(ctx({})), { reason: 'hangup', cause: 'Terminated', message: 'Call ended.', error: false });
  assert.equal(describeEnd(ctx({ originator: 'remote' })).message, '1002 hung up.');
});

test('SIP failures: busy, not found, declined, unavailable, no answer', () => {
  assert.equal(describeEnd(ctx({ cause: 'Busy', originator: 'remote', status: 486 })).reason, 'busy');
  assert.equal(describeEnd(ctx({ cause: 'Busy', status: 486 })).message, '1002 is busy.');
  assert.equal(describeEnd(ctx({ cause: 'Not Found', status: 404 })).reason, 'not-found');
  assert.equal(describeEnd(ctx({ cause: 'Rejected', originator: 'remote', status: 603 })).message, '1002 declined the call.');
  assert.equal(describeEnd(ctx({ cause: 'Unavailable', status: 480 })).reason, 'unavailable');
  assert.equal(describeEnd(ctx({ cause: 'Unavailable', status: 408 })).reason, 'no-answer');
  assert.equal(describeEnd(ctx({ cause: 'SIP Failure Code', status: 503 })).message, 'The call failed (503). Try again in a moment.');
  assert.equal(describeEnd(ctx({ cause: 'Busy', status: 486 })).status, 486);
});

test('an incoming call cancelled by the caller is a missed call', () => {
  const e = describeEnd(ctx({ cause: 'Canceled', originator: 'remote', direction: 'incoming', answered: false }));
  assert.deepEqual([e.reason, e.error, e.message], ['missed', false, 'Missed call from 1002.']);
});

test('network, microphone and media failures', () => {
  assert.equal(describeEnd(ctx({ cause: 'Connection Error', originator: 'system' })).reason, 'network');
  assert.equal(describeEnd(ctx({ cause: 'User Denied Media Access' })).reason, 'microphone-denied');
  assert.equal(describeEnd(ctx({ cause: 'WebRTC Error' })).reason, 'media-failed');
});

test('registration failures', () => {
  assert.equal(describeRegistrationFailure('Authentication Error', 401).problem, 'wrong-credentials');
  assert.equal(describeRegistrationFailure('Rejected', 403).message, 'Wrong user name or password.');
  assert.equal(describeRegistrationFailure('Not Found', 404).problem, 'unknown-user');
  assert.equal(describeRegistrationFailure('Connection Error').problem, 'network');
});

test('microphone errors', () => {
  assert.match(describeMicrophoneError({ name: 'NotAllowedError' }), /blocked/);
  assert.match(describeMicrophoneError({ name: 'NotFoundError' }), /No microphone/);
  assert.match(describeMicrophoneError({ name: 'NotReadableError' }), /in use/);
});
