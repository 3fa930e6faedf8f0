/**
 * Direction rules and hold detection on real SDPs, plus o= version bumps for re-offers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  answerDirection,
  holdDirection,
  isHold,
  isMediaOnHold,
  resumeDirection,
  reverseDirection,
} from './direction.ts';
import { fixture } from './fixtures/index.ts';
import { parseSdp } from './parse.ts';
import { bumpSessionVersion, sessionVersionOf } from './version.ts';

test('answer direction table (RFC 3264 §6.1)', () => {
  assert.equal(answerDirection('sendonly'), 'recvonly');
  assert.equal(answerDirection('recvonly'), 'sendonly');
  assert.equal(answerDirection('inactive'), 'inactive');
  assert.equal(answerDirection('sendrecv'), 'sendrecv');
  assert.equal(answerDirection('sendrecv', 'recvonly'), 'recvonly');
  assert.equal(answerDirection('sendonly', 'sendonly'), 'inactive');
  assert.equal(reverseDirection('sendonly'), 'recvonly');
});

test('hold and resume directions', () => {
  assert.equal(holdDirection('sendrecv'), 'sendonly');
  assert.equal(holdDirection('recvonly'), 'inactive');
  assert.equal(resumeDirection('sendonly'), 'sendrecv');
  assert.equal(resumeDirection('inactive'), 'recvonly');
});

test('isHold on real SDPs', () => {
  assert.equal(isHold(fixture('baresip-hold')), true); // a=sendonly
  assert.equal(isHold(fixture('legacy-hold')), true); // c=0.0.0.0
  assert.equal(isHold(fixture('baresip-offer')), false);
  assert.equal(isHold(fixture('chrome-offer')), false);
  assert.equal(isHold(fixture('sipp-offer').replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:0 PCMU/8000\r\na=inactive')), true);
  assert.equal(isHold(fixture('sipp-offer').replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:0 PCMU/8000\r\na=recvonly')), false);
});

test('session-level a=sendonly applies to every m-line', () => {
  const sdp = fixture('sipp-offer').replace('t=0 0\r\n', 't=0 0\r\na=sendonly\r\n');
  assert.equal(parseSdp(sdp).media[0]!.direction, 'sendonly');
  assert.equal(isHold(sdp), true);
});

test('trickle-ICE offers use c=0.0.0.0 without meaning hold', () => {
  const trickle = fixture('chrome-offer')
    .replaceAll('c=IN IP4 192.168.1.20', 'c=IN IP4 0.0.0.0')
    .replace(/a=candidate:[^\r]*\r\n/g, '');
  const m = parseSdp(trickle).media[0]!;
  assert.equal(m.address, '0.0.0.0');
  assert.equal(m.ice?.candidates.length, 0);
  assert.equal(isMediaOnHold(m), false);
  assert.equal(isHold(trickle), false);
});

test('rejected m-lines are not hold; a description with none active is not hold', () => {
  const sdp = fixture('baresip-hold').replace('m=audio 10826', 'm=audio 0');
  assert.equal(isHold(sdp), false);
});

test('bumpSessionVersion increments o= only, exactly, even beyond 2^64', () => {
  const chrome = fixture('chrome-offer');
  const next = bumpSessionVersion(chrome);
  assert.match(next, /^o=- 8403615332048243445 3 IN IP4 127\.0\.0\.1\r$/m);
  assert.equal(next.replace(/^o=.*$/m, ''), chrome.replace(/^o=.*$/m, ''));
  assert.equal(sessionVersionOf(next), 3n);
  const huge = fixture('sipp-offer').replace('53655765 2353687637', '53655765 18446744073709551615');
  assert.equal(sessionVersionOf(bumpSessionVersion(huge)), 18446744073709551616n);
  assert.equal(parseSdp(bumpSessionVersion(fixture('baresip-offer'))).origin.sessionVersion, 4116946396);
});
