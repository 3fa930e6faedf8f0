/** DTMF INFO bodies: application/dtmf-relay and application/dtmf, both directions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDtmfBody, normalizeDtmfDigit, parseDtmfBody } from './dtmf.ts';

test('application/dtmf-relay: Signal and Duration, any line ends, any case', () => {
  assert.deepEqual(parseDtmfBody('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'), { digit: '5', durationMs: 160 });
  assert.deepEqual(parseDtmfBody('Application/DTMF-Relay; charset=x', 'signal= *\nduration=100'), { digit: '*', durationMs: 100 });
  assert.deepEqual(parseDtmfBody('application/dtmf-relay', 'Signal=11\r\nDuration=80\r\n'), { digit: '#', durationMs: 80 }, 'event code 11 is #');
  assert.deepEqual(parseDtmfBody('application/dtmf-relay', 'Signal=d\r\n'), { digit: 'D' });
  assert.equal(parseDtmfBody('application/dtmf-relay', 'Duration=160\r\n'), undefined);
  assert.equal(parseDtmfBody('application/dtmf-relay', 'Signal=x\r\n'), undefined);
});

test('application/dtmf: the bare digit (or dtmf-relay lines)', () => {
  assert.deepEqual(parseDtmfBody('application/dtmf', '7'), { digit: '7' });
  assert.deepEqual(parseDtmfBody('application/dtmf', ' #\r\n'), { digit: '#' });
  assert.deepEqual(parseDtmfBody('application/dtmf', 'Signal=3\r\nDuration=200'), { digit: '3', durationMs: 200 });
  assert.equal(parseDtmfBody('text/plain', '7'), undefined);
});

test('formatting round-trips and refuses non-digits', () => {
  const relay = formatDtmfBody('9', 250);
  assert.deepEqual(relay, { body: 'Signal=9\r\nDuration=250\r\n', contentType: 'application/dtmf-relay' });
  assert.deepEqual(parseDtmfBody(relay.contentType, relay.body), { digit: '9', durationMs: 250 });
  assert.deepEqual(formatDtmfBody('a', 100, 'application/dtmf'), { body: 'A', contentType: 'application/dtmf' });
  assert.throws(() => formatDtmfBody('x'), RangeError);
  assert.equal(normalizeDtmfDigit('10'), '*');
  assert.equal(normalizeDtmfDigit('16'), undefined);
});
