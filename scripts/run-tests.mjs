#!/usr/bin/env node
// Runs every *.test.ts in the project through node:test with tsx, so `npm test` needs no globbing
// support from the shell or from Node 20's runner. Extra args are passed to node --test.
// Set PATCHBAY_TEST_FILTER=<substring> to run only matching files.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const skipDirs = new Set(['node_modules', '.git', 'dist', 'coverage', 'pending']);

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
const files = walk(root, []).filter((f) => !filter || f.includes(filter)).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const args = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-force-exit', '--test-timeout=240000', ...process.argv.slice(2), ...files];
const child = spawn(process.execPath, args, { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] });
// Pass the runner's output through and end with the plain summary line 'N passed, N failed'.
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});
child.on('exit', (code, signal) => {
  const count = (name) => Number(new RegExp(`^\\S* ?${name} (\\d+)$`, 'm').exec(tail)?.[1] ?? NaN);
  const passed = count('pass');
  const failed = count('fail');
  if (Number.isFinite(passed) && Number.isFinite(failed)) process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(signal ? 1 : code ?? 1);
});
