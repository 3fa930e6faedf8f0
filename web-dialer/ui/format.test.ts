/** Formatting of timers, dates and key names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, keyId, keyLabel, spokenDuration } from './format.ts';

test('call timer', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(75), '1:15');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(spokenDuration(75), '1 minute 15 seconds');
  assert.equal(spokenDuration(3600), '1 hour');
  assert.equal(spokenDuration(0), '0 seconds');
});

test('dial-pad key names', () => {
  assert.equal(keyLabel('2'), '2 ABC');
  assert.equal(keyLabel('*'), 'star');
  assert.equal(keyLabel('#'), 'pound');
  assert.equal(keyLabel('1'), '1');
  assert.equal(keyId('#'), 'hash');
});
