/**
 * bench/idle: what a gateway costs while it carries no call — the edge-box figure. Starts the
 * real CLI (`bin/patchbay.mjs start`, demo users, SIP server and HTTP on free loopback ports, no
 * trunk), waits for /health, lets start-up settle, then reads its CPU time and RSS from /proc
 * over a window, and counts its event-loop wake-ups with strace when strace is installed.
 * Figures only: % of one core, wake-ups per second, RSS.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, rssBytes } from '../calls/processes.ts';
import { freePorts } from '../../testing/free-port.ts';

const SETTLE_MS = 8000;
const WINDOW_MS = 20_000;
const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'patchbay-idle-'));
const [http, sip] = await freePorts(2);
const config = join(dir, 'idle.yaml');
writeFileSync(config, `listen:\n  http: "127.0.0.1:${http}"\nserver:\n  listen: "127.0.0.1:${sip}"\ndata_dir: "${dir}"\nlog:\n  level: warn\n`);

const child = spawn(process.execPath, [join(root, 'bin/patchbay.mjs'), 'start', '--config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
try {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${http}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error('the gateway did not come up in 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const pid = child.pid!;
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const cpu = (cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000);
  console.log(`idle gateway (SIP server + HTTP/WS, demo directory, no call), ${WINDOW_MS / 1000} s window after ${SETTLE_MS / 1000} s settling:`);
  console.log(`  CPU ${(cpu * 100).toFixed(2)} % of one core (all threads: JS, GC, libuv)`);
  console.log(`  RSS ${(rssBytes(pid) / 2 ** 20).toFixed(1)} MiB`);
  const strace = spawnSync('timeout', ['5', 'strace', '-f', '-c', '-e', 'trace=epoll_pwait,epoll_wait', '-p', String(pid)], { encoding: 'utf8' });
  const line = (strace.stderr ?? '').split('\n').find((l) => /epoll_p?wait/.test(l));
  const calls = line ? Number(line.trim().split(/\s+/)[3]) : NaN;
  console.log(Number.isFinite(calls) ? `  event-loop wake-ups ≈${Math.round(calls / 5)}/s (strace over 5 s)` : '  event-loop wake-ups: strace not available (apt-get install strace), skipped');
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
