/**
 * Runs the message-layer fuzzer (fuzz.ts) for 100 000 seeded cases: only SipParseError may be
 * thrown, accepted messages must round-trip, the framer must return exactly the valid messages it
 * is fed, and the heap must not grow with the number of cases. `npm run fuzz` runs millions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runFuzz, prng } from './fuzz.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('the PRNG is deterministic per seed', () => {
  const a = prng(7);
  const b = prng(7);
  const xs = Array.from({ length: 5 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, prng(8)));
});

test('100 000 fuzz cases: only SipParseError, round trips hold, heap stays bounded', () => {
  runFuzz({ cases: 2_000, seed: 99 }); // warm up before measuring the heap
  const before = heapAfterGc();
  const report = runFuzz({ cases: 100_000, seed: 0x5eed });
  const after = heapAfterGc();
  const rate = Math.round(report.cases / (report.elapsedMs / 1000));
  console.log(
    `fuzz: ${report.cases} cases, ${rate}/s; accepted ${report.accepted}, rejected ${report.rejected} ` +
      `${JSON.stringify(report.codes)}; ${report.framerSessions} framer sessions; ` +
      `heap ${(before / 1e6).toFixed(1)} → ${(after / 1e6).toFixed(1)} MB`,
  );
  assert.deepEqual(report.failures, []);
  assert.equal(report.cases, 100_000);
  // Both outcomes must be well exercised, and every documented rejection code reached.
  assert.ok(report.accepted > 5_000, `accepted ${report.accepted}`);
  assert.ok(report.rejected > 50_000, `rejected ${report.rejected}`);
  for (const code of [400, 413, 505, 513]) assert.ok((report.codes[code] ?? 0) > 0, `no ${code} in ${JSON.stringify(report.codes)}`);
  assert.ok(report.framerSessions > 1_000);
  assert.ok(after - before < 16e6, `heap grew by ${((after - before) / 1e6).toFixed(1)} MB`);
});
