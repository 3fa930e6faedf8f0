/** sdp-text: mDNS candidate stripping, ice-lite hoisting, audio direction reading. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audioDirection, hoistIceLite, reverseDirection, stripMdnsCandidates } from './sdp-text.ts';

const SDP = [
  'v=0', 'o=- 1 0 IN IP4 0.0.0.0', 's=-', 't=0 0', 'a=group:BUNDLE 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0',
  'a=candidate:1 1 udp 2122194687 127.0.0.1 5000 typ host',
  'a=candidate:2 1 udp 2122194687 0b7c3a3e-1d2f-4c1e-9c0e-3f6f1b2a9d10.local 5001 typ host',
  'a=ice-lite', 'a=sendonly', 'a=mid:0', '',
].join('\r\n');

test('stripMdnsCandidates drops .local candidates only', () => {
  const out = stripMdnsCandidates(SDP);
  assert.match(out, /127\.0\.0\.1 5000/);
  assert.doesNotMatch(out, /\.local/);
  const none = SDP.replace(/a=candidate:2[^\r]*\r\n/, '');
  assert.equal(stripMdnsCandidates(none), none);
});

test('hoistIceLite moves a=ice-lite to the session, once', () => {
  const out = hoistIceLite(SDP);
  const [session, media] = out.split('\r\nm=');
  assert.match(session!, /^v=0\r\no=[^\r]*\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n/);
  assert.doesNotMatch(media!, /ice-lite/);
  assert.equal(out.match(/a=ice-lite/g)!.length, 1);
  const plain = SDP.replace('a=ice-lite\r\n', '');
  assert.equal(hoistIceLite(plain), plain);
});

test('audioDirection reads media level, then session level, port 0 is inactive', () => {
  assert.equal(audioDirection(SDP), 'sendonly');
  assert.equal(audioDirection(SDP.replace('a=sendonly\r\n', '')), 'sendrecv');
  assert.equal(audioDirection(SDP.replace('a=sendonly\r\n', '').replace('t=0 0', 't=0 0\r\na=inactive')), 'inactive');
  assert.equal(audioDirection(SDP.replace('m=audio 9', 'm=audio 0')), 'inactive');
  assert.equal(reverseDirection('sendonly'), 'recvonly');
  assert.equal(reverseDirection('inactive'), 'inactive');
});
