/**
 * ReplayWindow and RFC 3711 §3.3.1 index estimation on their own: window edges, sliding, the ring
 * clearing bits as it moves, negative indices; ROC guesses on both sides of a wrap.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateRoc, packetIndex, updateRollover } from './packet-index.ts';
import { ReplayWindow } from './replay-window.ts';

describe('ReplayWindow', () => {
  it('accepts new indices once, refuses those at or beyond the window', () => {
    const w = new ReplayWindow(64);
    assert.equal(w.check(10), 'new');
    w.commit(10);
    assert.equal(w.check(10), 'replayed');
    w.commit(100);
    assert.equal(w.check(37), 'new', '63 back is inside');
    assert.equal(w.check(36), 'too-old', '64 back is outside');
    w.commit(37);
    assert.equal(w.check(37), 'replayed');
    assert.equal(w.check(-1), 'too-old');
  });

  it('clears the bits of indices it slides over', () => {
    const w = new ReplayWindow(32);
    for (let i = 0; i < 32; i++) w.commit(i);
    w.commit(40); // slides 9: 32..39 were never seen
    for (let i = 32; i < 40; i++) assert.equal(w.check(i), 'new', `index ${i}`);
    for (let i = 9; i < 32; i++) assert.equal(w.check(i), 'replayed', `index ${i}`);
    w.commit(1000); // far jump clears everything
    assert.equal(w.check(990), 'new');
    assert.equal(w.check(1000), 'replayed');
  });
});

describe('packet index estimation (RFC 3711 §3.3.1)', () => {
  it('guesses ROC − 1, ROC, ROC + 1 around a wrap and commits only forward', () => {
    const s = { roc: 3, highestSeq: 65530 };
    assert.equal(estimateRoc(s, 65531), 3);
    assert.equal(estimateRoc(s, 2), 4, 'wrapped forward');
    updateRollover(s, 4, 2);
    assert.deepEqual(s, { roc: 4, highestSeq: 2 });
    assert.equal(estimateRoc(s, 65533), 3, 'late packet from before the wrap');
    updateRollover(s, 3, 65533);
    assert.deepEqual(s, { roc: 4, highestSeq: 2 }, 'a late packet moves nothing');
    assert.equal(packetIndex(4, 2), 4 * 65536 + 2);
  });

  it('gives a negative index for a packet "before" ROC 0', () => {
    const s = { roc: 0, highestSeq: 100 };
    const v = estimateRoc(s, 40000);
    assert.equal(v, -1);
    assert.ok(packetIndex(v, 40000) < 0);
  });
});
