/** Dial-string clean-up: pasted phone numbers, tel: links, URIs, names and extensions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanNumber, isDialable, isDtmfKey, postDialDigits, targetUri } from './number.ts';

test('pasted phone numbers become the digits to dial', () => {
  const cases: Array<[string, string]> = [
    ['+1 (555) 123-4567', '+15551234567'],
    ['  +44 20 7946 0958 ', '+442079460958'],
    ['555.123.4567', '5551234567'],
    ['(555)\u00a0123\u20134567', '5551234567'],
    ['tel:+1-555-123-4567', '+15551234567'],
    ['+49 (0)30 / 1234-56', '+49030123456'],
    ['\uff0b\uff11 555 1234', '+15551234'],
    ['*72#', '*72#'],
    ['1002', '1002'],
  ];
  for (const [input, want] of cases) assert.equal(cleanNumber(input), want, input);
});

test('names, extensions and SIP URIs are left as they are (spaces trimmed)', () => {
  assert.equal(cleanNumber(' echo '), 'echo');
  assert.equal(cleanNumber('sip:alice@example.com '), 'sip:alice@example.com');
  assert.equal(cleanNumber('alice@example.com'), 'alice@example.com');
});

test('an extension suffix is kept apart for post-dial DTMF', () => {
  assert.equal(cleanNumber('+1 555 123 4567 x89'), '+15551234567,89');
  assert.equal(cleanNumber('tel:+15551234567;ext=12'), '+15551234567,12');
  assert.equal(postDialDigits('+1 555 123 4567 ext. 89'), '89');
  assert.equal(postDialDigits('1002'), '');
});

test('targetUri puts plain targets in the gateway domain', () => {
  assert.equal(targetUri('+1 (555) 123-4567', '127.0.0.1'), 'sip:+15551234567@127.0.0.1');
  assert.equal(targetUri('echo', 'gw.example.com'), 'sip:echo@gw.example.com');
  assert.equal(targetUri('bob@pbx.example.com', 'gw'), 'sip:bob@pbx.example.com');
  assert.equal(targetUri('sip:bob@pbx', 'gw'), 'sip:bob@pbx');
  assert.equal(targetUri('555 1234 x12', 'gw'), 'sip:5551234@gw');
});

test('key filters', () => {
  for (const ch of '0123456789*#+abcXYZ@.') assert.ok(isDialable(ch), ch);
  for (const ch of [' ', '(', ')', '!', 'Enter']) assert.ok(!isDialable(ch), ch);
  for (const ch of '0123456789*#ABCDabcd') assert.ok(isDtmfKey(ch), ch);
  for (const ch of ['E', '+', 'x', '10']) assert.ok(!isDtmfKey(ch), ch);
});
