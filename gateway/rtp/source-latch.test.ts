/**
 * SourceLatch rules without sockets: first packet latches, strangers are ignored until
 * `relatchPackets` consecutive ones, an interleaved packet from the current source resets the
 * count, 0 never re-latches, disabled latching always uses the SDP address.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatchVerdict, SourceLatch } from './source-latch.ts';

describe('SourceLatch', () => {
  it('latches on the first packet, then needs N consecutive packets to move', () => {
    const l = new SourceLatch('10.0.0.1', 4000, true, 3);
    assert.equal(l.latched, false);
    assert.equal(l.offer('198.51.100.7', 5000), LatchVerdict.LATCHED);
    assert.equal(`${l.address}:${l.port}`, '198.51.100.7:5000');
    assert.equal(l.offer('198.51.100.7', 5000), LatchVerdict.CURRENT);
    assert.equal(l.offer('203.0.113.9', 6000), LatchVerdict.IGNORED);
    assert.equal(l.offer('203.0.113.9', 6000), LatchVerdict.IGNORED);
    assert.equal(l.offer('198.51.100.7', 5000), LatchVerdict.CURRENT, 'the real peer interleaves: count reset');
    assert.equal(l.offer('203.0.113.9', 6000), LatchVerdict.IGNORED);
    assert.equal(l.offer('203.0.113.9', 6001), LatchVerdict.IGNORED, 'another port is another source');
    assert.equal(l.offer('203.0.113.9', 6001), LatchVerdict.IGNORED);
    assert.equal(l.offer('203.0.113.9', 6001), LatchVerdict.RELATCHED);
    assert.equal(`${l.address}:${l.port}`, '203.0.113.9:6001');
    assert.equal(l.relatches, 1);
  });

  it('never moves with relatchPackets 0; disabled latching keeps the SDP address', () => {
    const fixed = new SourceLatch('10.0.0.1', 4000, true, 0);
    fixed.offer('198.51.100.7', 5000);
    for (let i = 0; i < 100; i++) assert.equal(fixed.offer('203.0.113.9', 6000), LatchVerdict.IGNORED);
    const off = new SourceLatch('10.0.0.1', 4000, false, 5);
    assert.equal(off.offer('203.0.113.9', 6000), LatchVerdict.CURRENT);
    assert.equal(`${off.address}:${off.port}`, '10.0.0.1:4000');
  });
});
