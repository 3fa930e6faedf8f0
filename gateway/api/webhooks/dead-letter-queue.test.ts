/** The dead-letter queue: bound and eviction, JSONL persistence across instances, compaction, corrupted lines, drain. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../observability/index.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { logSink } from '../testing/webhook-receiver.ts';

const dir = mkdtempSync(join(tmpdir(), 'patchbay-dlq-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const quiet = createLogger('silent');
const failure = (i: number) => ({ event: { event: 'call.ended', call_id: `c${i}`, reason: 'normal', duration: i }, error: 'Connection refused', attempts: 2 });
const ids = (q: DeadLetterQueue) => q.list().map((f) => f.event.call_id);
const fileLines = (p: string) => readFileSync(p, 'utf8').split('\n').filter(Boolean);

test('holds at most max entries, evicting the oldest; entries carry an ISO timestamp', () => {
  const q = new DeadLetterQueue({ max: 3, logger: quiet });
  for (let i = 1; i <= 5; i++) q.add(failure(i));
  assert.equal(q.size, 3);
  assert.deepEqual(ids(q), ['c3', 'c4', 'c5']);
  const [first] = q.list();
  assert.match(first!.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(first!.attempts, 2);
  assert.equal(first!.error, 'Connection refused');
});

test('the default bound is the reference\'s 1000', () => {
  const q = new DeadLetterQueue({ logger: quiet });
  for (let i = 0; i < 1005; i++) q.add(failure(i));
  assert.equal(q.size, 1000);
  assert.equal(ids(q)[0], 'c5');
});

test('persists across instances: a new queue on the same file loads what the old one stored', () => {
  const path = join(dir, 'persist', 'webhook-dlq.jsonl');
  const a = new DeadLetterQueue({ path, logger: quiet });
  a.add(failure(1));
  a.add({ ...failure(2), url: 'http://127.0.0.1:1/hooks' });
  const b = new DeadLetterQueue({ path, logger: quiet });
  assert.deepEqual(b.list(), a.list());
  assert.equal(b.list()[1]!.url, 'http://127.0.0.1:1/hooks');
});

test('eviction reaches the file: it is compacted (temp + rename) and never grows past 2·max lines', () => {
  const path = join(dir, 'evict.jsonl');
  const q = new DeadLetterQueue({ path, max: 2, logger: quiet });
  for (let i = 1; i <= 11; i++) {
    q.add(failure(i));
    assert.ok(fileLines(path).length <= 4, `file has ${fileLines(path).length} lines after ${i} adds`);
  }
  assert.deepEqual(ids(new DeadLetterQueue({ path, max: 2, logger: quiet })), ['c10', 'c11']);
  assert.equal(existsSync(`${path}.${process.pid}.tmp`), false);
});

test('corrupted lines are skipped with a warning naming the line; the file is rewritten clean', () => {
  const path = join(dir, 'corrupt.jsonl');
  const good = (i: number) => JSON.stringify({ ...failure(i), timestamp: '2026-03-12T10:30:00Z' });
  writeFileSync(path, [good(1), 'not json', JSON.stringify({ event: 'x' }), '', good(2), '{"event":{"call_id":"c3"'].join('\n'));
  const sink = logSink();
  const q = new DeadLetterQueue({ path, logger: createLogger('warn', sink.stream) });
  assert.deepEqual(ids(q), ['c1', 'c2']);
  const warnings = sink.lines().filter((l) => l.msg === 'webhook DLQ: skipping corrupted line');
  assert.deepEqual(warnings.map((w) => w.line), [2, 3, 6]);
  assert.equal(fileLines(path).length, 2);
  assert.deepEqual(ids(new DeadLetterQueue({ path, logger: quiet })), ['c1', 'c2']);
});

test('drain empties memory and file and reports the count', () => {
  const path = join(dir, 'drain.jsonl');
  const q = new DeadLetterQueue({ path, logger: quiet });
  q.add(failure(1));
  q.add(failure(2));
  assert.equal(q.drain(), 2);
  assert.equal(q.size, 0);
  assert.equal(q.drain(), 0);
  assert.equal(new DeadLetterQueue({ path, logger: quiet }).size, 0);
});

test('an unwritable path is logged, not thrown; the queue keeps working in memory', () => {
  const blocker = join(dir, 'blocker');
  writeFileSync(blocker, 'a file where a directory should be');
  const sink = logSink();
  const q = new DeadLetterQueue({ path: join(blocker, 'dlq.jsonl'), logger: createLogger('error', sink.stream) });
  q.add(failure(1));
  assert.equal(q.size, 1);
  assert.ok(sink.lines().some((l) => l.msg === 'webhook DLQ: cannot append'));
});
