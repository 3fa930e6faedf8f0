#!/usr/bin/env node
// Runs every *.test.ts in the project through node:test with tsx, so `npm test` needs no globbing
// support from the shell or from Node 20's runner: first the unit tests, then the end-to-end specs
// in e2e/ (real gateway, Chromium, baresip, sipp) one file at a time. Extra args are passed to
// node --test. Set PATCHBAY_TEST_FILTER=<substring> to run only matching files.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const skipDirs = new Set(['node_modules', '.git', 'dist', 'e2e', 'coverage']);

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!skipDirs.has(entry.name) && !entry.name.startsWith('.')) walk(join(dir, entry.name), out);
    } else if (entry.name.endsWith('.test.ts')) {
      out.push(relative(root, join(dir, entry.name)));
    }
  }
  return out;
}

const filter = process.env.PATCHBAY_TEST_FILTER;
const keep = (f) => !filter || f.includes(filter);
const unit = walk(root, []).filter(keep).sort();
const e2e = readdirSync(join(root, 'e2e'), { withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
  .map((e) => join('e2e', e.name))
  .filter(keep)
  .sort();
if (unit.length + e2e.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

/** Runs one node --test batch; resolves with its exit code and pass/fail counts. */
function run(files, extra) {
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-force-exit', '--test-timeout=240000', ...extra, ...process.argv.slice(2), ...files];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] });
  let tail = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      const count = (name) => Number(new RegExp(`^\\S* ?${name} (\\d+)$`, 'm').exec(tail)?.[1] ?? NaN);
      resolve({ code: signal ? 1 : code ?? 1, passed: count('pass'), failed: count('fail') });
    });
  });
}

const results = [];
if (unit.length) results.push(await run(unit, []));
// End-to-end specs start gateways, browsers and SIP peers on free ports: one file at a time.
if (e2e.length) results.push(await run(e2e, ['--test-concurrency=1']));
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
// End with the plain summary line 'N passed, N failed'.
if (Number.isFinite(passed) && Number.isFinite(failed)) process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
