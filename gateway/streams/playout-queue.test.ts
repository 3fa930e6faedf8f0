/**
 * PlayoutQueue by itself: frames out in order, marks reached exactly when the audio before them
 * has been pulled, clear, the bound (cut at whole samples), partial frames, and that a long queue
 * drains at one frame per pull.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlayoutQueue } from './playout-queue.ts';

const bytes = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

function queue(maxBytes = 16_000, bytesPerSample = 1): PlayoutQueue {
  return new PlayoutQueue({ frameBytes: 160, maxBytes, silenceByte: 0xff, bytesPerSample });
}

test('frames come out 160 bytes at a time across chunk boundaries, in order', () => {
  const q = queue();
  q.pushAudio(bytes(100, 0));
  q.pushAudio(bytes(300, 100));
  const out = new Uint8Array(160);
  const marks: string[] = [];
  const got: number[] = [];
  while (q.queuedBytes >= 160) {
    assert.equal(q.pull(out, marks), 160);
    got.push(...out);
  }
  assert.deepEqual(got, [...bytes(320)]);
  assert.equal(q.queuedBytes, 80);
});

test('marks: reached by the pull that takes the last byte before them; ready at once when nothing precedes them', () => {
  const q = queue();
  const marks: string[] = [];
  q.pushMark('head');
  assert.equal(q.takeReadyMarks(marks), 1);
  assert.deepEqual(marks.splice(0), ['head']);
  q.pushAudio(bytes(320));
  q.pushMark('a');
  q.pushAudio(bytes(160));
  q.pushMark('b');
  q.pushMark('c');
  assert.equal(q.takeReadyMarks(marks), 0);
  assert.equal(q.pendingMarks, 3);
  const out = new Uint8Array(160);
  q.pull(out, marks);
  assert.deepEqual(marks, []);
  q.pull(out, marks);
  assert.deepEqual(marks.splice(0), ['a']);
  q.pull(out, marks);
  assert.deepEqual(marks.splice(0), ['b', 'c']);
  assert.equal(q.pull(out, marks), 0);
  assert.equal(q.pendingMarks, 0);
});

test('a mark inside a frame is reached by the pull that plays the frame holding its last byte', () => {
  const q = queue();
  const marks: string[] = [];
  q.pushAudio(bytes(240));
  q.pushMark('mid');
  q.pushAudio(bytes(80));
  const out = new Uint8Array(160);
  q.pull(out, marks);
  assert.deepEqual(marks, []);
  q.pull(out, marks);
  assert.deepEqual(marks, ['mid']);
});

test('clear drops all audio and hands back every pending mark in order', () => {
  const q = queue();
  q.pushAudio(bytes(500));
  q.pushMark('x');
  q.pushAudio(bytes(500));
  q.pushMark('y');
  const marks: string[] = [];
  assert.equal(q.clear(marks), 1000);
  assert.deepEqual(marks, ['x', 'y']);
  assert.equal(q.queuedBytes, 0);
  assert.equal(q.pendingMarks, 0);
  assert.equal(q.pull(new Uint8Array(160), marks), 0);
});

test('bounded: keeps what fits, cut at whole samples, reports the rest dropped', () => {
  const q = queue(1001, 2);
  assert.deepEqual(q.pushAudio(bytes(900)), { accepted: 900, dropped: 0 });
  assert.deepEqual(q.pushAudio(bytes(200)), { accepted: 100, dropped: 100 });
  assert.deepEqual(q.pushAudio(bytes(2)), { accepted: 0, dropped: 2 });
  assert.equal(q.queuedBytes, 1000);
});

test('a partial frame waits one pull, then plays padded with the silence byte', () => {
  const q = queue();
  const out = new Uint8Array(160);
  const marks: string[] = [];
  q.pushAudio(bytes(100));
  assert.equal(q.pull(out, marks), 0, 'waits for more');
  q.pushAudio(bytes(100, 100));
  assert.equal(q.pull(out, marks), 160, 'more came: a full frame');
  assert.deepEqual([...out], [...bytes(160)]);
  assert.equal(q.pull(out, marks), 0, 'the 40-byte tail waits one pull');
  assert.equal(q.pull(out, marks), 40);
  assert.deepEqual([...out.subarray(0, 40)], [...bytes(40, 160)]);
  assert.ok(out.subarray(40).every((b) => b === 0xff));
});

test('5 s queued drains in exactly 250 pulls; thousands of small chunks stay cheap (compaction)', () => {
  const q = queue(60 * 8000);
  for (let i = 0; i < 4000; i++) q.pushAudio(bytes(10, i * 10));
  const out = new Uint8Array(160);
  const marks: string[] = [];
  let pulls = 0;
  while (q.pull(out, marks) > 0) pulls++;
  assert.equal(pulls, 250);
});
