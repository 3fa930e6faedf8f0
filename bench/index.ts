/**
 * `npm run bench`: runs every bench/<area>/index.ts that exists (codecs, sip, calls, …), each in
 * its own Node process so one area's JIT and heap don't colour another's figures, one after the
 * other so they don't compete for cores. `npm run bench -- codecs sip` runs only those areas.
 * Benchmarks print figures; the exit code reports only crashes, never slowness.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const areas = readdirSync(here, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(here, e.name, 'index.ts')))
  .map((e) => e.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

if (areas.length === 0) {
  console.error(wanted.length ? `no bench area named ${wanted.join(', ')}` : 'no bench/*/index.ts found');
  process.exit(1);
}

let failed = 0;
for (const area of areas) {
  console.log(`\n=== bench/${area} ===\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, area, 'index.ts')], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`bench/${area} exited with ${result.status ?? result.signal}`);
  }
}
process.exit(failed ? 1 : 0);
