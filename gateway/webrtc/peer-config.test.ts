/** peer-config: the werift configuration never leaves an ICE default to werift. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveWebRtcLegOptions } from './options.ts';
import { isLoopback, pairAllowed, weriftPeerConfig } from './peer-config.ts';

test('werift config: no servers, no interface scan, bound to the one host address', () => {
  const c = weriftPeerConfig(resolveWebRtcLegOptions());
  assert.deepEqual(c.iceServers, []);
  assert.equal(c.iceUseIpv4, false);
  assert.equal(c.iceUseIpv6, false);
  assert.equal(c.iceUseTcp, false);
  assert.deepEqual(c.iceAdditionalHostAddresses, ['127.0.0.1']);
  assert.deepEqual(c.iceInterfaceAddresses, { udp4: '127.0.0.1' });
  const names = c.codecs!.audio!.map((x) => `${x.mimeType}/${x.clockRate}`);
  assert.deepEqual(names, ['audio/opus/48000', 'audio/PCMU/8000', 'audio/PCMA/8000', 'audio/telephone-event/48000', 'audio/telephone-event/8000']);
  const two = weriftPeerConfig(resolveWebRtcLegOptions({ hostAddresses: ['10.0.0.1', '10.0.0.2'], codecs: ['PCMA'], telephoneEvent: false }));
  assert.equal(two.iceInterfaceAddresses, undefined);
  assert.deepEqual(two.codecs!.audio!.map((x) => x.mimeType), ['audio/PCMA']);
});

test('pairs: loopback only with loopback, never mDNS, then allowRemoteAddress', () => {
  assert.ok(isLoopback('127.0.0.1') && isLoopback('127.1.2.3') && isLoopback('::1') && isLoopback('::ffff:127.0.0.1'));
  assert.ok(!isLoopback('192.0.2.2') && !isLoopback('fd00::2'));
  assert.ok(pairAllowed('127.0.0.1', '127.0.0.1', undefined));
  assert.ok(!pairAllowed('127.0.0.1', '192.0.2.2', undefined));
  assert.ok(!pairAllowed('203.0.113.5', '127.0.0.1', undefined));
  assert.ok(!pairAllowed('203.0.113.5', 'abc.local', undefined));
  assert.ok(pairAllowed('203.0.113.5', '198.51.100.7', undefined));
  assert.ok(!pairAllowed('203.0.113.5', '10.1.1.1', (a) => !a.startsWith('10.')));
});
