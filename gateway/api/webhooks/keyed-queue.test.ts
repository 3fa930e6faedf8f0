/** KeyedQueue: order within a key, concurrency across keys, failures don't break a key's chain, idle(). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedQueue } from './keyed-queue.ts';

test('tasks of one key run one at a time in push order; other keys run alongside', async () => {
  const q = new KeyedQueue();
  const log: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const a1 = q.push('a', async () => { log.push('a1 start'); await gate; log.push('a1 end'); });
  const a2 = q.push('a', async () => { log.push('a2'); });
  const b1 = q.push('b', async () => { log.push('b1'); return 'b'; });
  assert.equal(await b1, 'b');
  assert.deepEqual(log, ['a1 start', 'b1']);
  release();
  await Promise.all([a1, a2]);
  assert.deepEqual(log, ['a1 start', 'b1', 'a1 end', 'a2']);
  await q.idle();
  assert.equal(q.size, 0);
});

test('a failing task rejects its own promise and the key carries on', async () => {
  const q = new KeyedQueue();
  const bad = q.push('k', async () => { throw new Error('boom'); });
  const good = q.push('k', async () => 42);
  await assert.rejects(bad, /boom/);
  assert.equal(await good, 42);
});

test('idle() waits for tasks pushed while waiting', async () => {
  const q = new KeyedQueue();
  const done: number[] = [];
  void q.push('k', async () => {
    done.push(1);
    void q.push('j', async () => { done.push(2); });
  });
  await q.idle();
  assert.deepEqual(done, [1, 2]);
});
