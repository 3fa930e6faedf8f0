/**
 * Builds the web dialer into dist/web when it is missing or stale, safely from several processes
 * at once. "Stale" means the content fingerprint of the sources (web-dialer/ minus tests and this
 * folder, vite.config.ts, and the versions of the bundled packages) differs from the one recorded
 * in dist/web/.build.json. A lock directory serialises builders; each builds into a private
 * directory and swaps it in with two renames. Runs from npm `prepare` (`npm install`, `npm ci`)
 * and from the gateway on start, so nobody builds by hand.
 *
 * CLI: `tsx web-dialer/build/web-build.ts [--force]`.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (where package.json and vite.config.ts live). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Packages whose code ends up in the bundle: a version change means a rebuild. */
const BUNDLED = ['vite', 'lit', 'jssip', 'socket.io-client'];
/** How long a lock may be held before another builder takes it over. */
const LOCK_STALE_MS = 5 * 60_000;
/** How long to wait for another builder. */
const LOCK_WAIT_MS = 6 * 60_000;

export interface WebBuildOptions {
  /** Project root. Default: this checkout. */
  root?: string;
  /** Rebuild even when up to date. Default false. */
  force?: boolean;
  /** Progress lines. Default: silent. */
  log?: (line: string) => void;
}

export interface WebBuildResult {
  /** Absolute path of the built assets (dist/web). */
  dir: string;
  /** Whether this call ran a build (false: it was up to date). */
  built: boolean;
  fingerprint: string;
  /** Build time (ms) when built. */
  ms?: number;
}

/** Build record written beside the assets. */
interface BuildRecord {
  fingerprint: string;
  builtAt: string;
}

/** Error with the build tool's output, for logs. */
export class WebBuildError extends Error {
  readonly code = 'WEB_BUILD_FAILED';
  constructor(message: string, readonly output: string) {
    super(message);
    this.name = 'WebBuildError';
  }
}

function listSources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'build' && entry.name !== 'node_modules' && !entry.name.startsWith('.')) listSources(path, out);
    } else if (!entry.name.endsWith('.test.ts')) {
      out.push(path);
    }
  }
  return out;
}

/** Content fingerprint of everything the build reads. */
export function sourceFingerprint(root = PROJECT_ROOT): string {
  const hash = createHash('sha256');
  const files = [...listSources(join(root, 'web-dialer')), join(root, 'vite.config.ts')].sort();
  for (const file of files) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  for (const name of BUNDLED) {
    const pkg = join(root, 'node_modules', name, 'package.json');
    const version = existsSync(pkg) ? (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version : 'missing';
    hash.update(`${name}@${version}\0`);
  }
  return hash.digest('hex').slice(0, 32);
}

/** The fingerprint recorded in dist/web, if any. */
export function builtFingerprint(root = PROJECT_ROOT): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(root, 'dist/web/.build.json'), 'utf8')) as BuildRecord).fingerprint;
  } catch {
    return undefined;
  }
}

/** Builds dist/web unless it is up to date; waits for a concurrent builder instead of racing it. */
export async function ensureWebBuild(options: WebBuildOptions = {}): Promise<WebBuildResult> {
  const root = options.root ?? PROJECT_ROOT;
  const dir = join(root, 'dist/web');
  const fingerprint = sourceFingerprint(root);
  if (!options.force && builtFingerprint(root) === fingerprint) return { dir, built: false, fingerprint };
  return withLock(root, async () => {
    if (!options.force && builtFingerprint(root) === fingerprint) return { dir, built: false, fingerprint };
    const started = Date.now();
    options.log?.(`building the web dialer (vite) into ${relative(root, dir)}`);
    const tmp = join(root, 'dist', `.web-build-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    try {
      await runVite(root, ['build', '--outDir', tmp, '--logLevel', 'warn']);
      await runVite(root, ['build', '--mode', 'widget', '--outDir', tmp, '--logLevel', 'warn']);
      const record: BuildRecord = { fingerprint, builtAt: new Date().toISOString() };
      writeFileSync(join(tmp, '.build.json'), `${JSON.stringify(record, null, 2)}\n`);
      swapIn(tmp, dir);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    const ms = Date.now() - started;
    options.log?.(`web dialer built in ${ms} ms`);
    return { dir, built: true, fingerprint, ms };
  });
}

/** Runs `fn` holding dist/.web-build.lock (a directory: mkdir is atomic). */
export async function withLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(join(root, 'dist'), { recursive: true });
  const lock = join(root, 'dist/.web-build.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (lockAbandoned(lock)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new WebBuildError(`timed out waiting for ${lock}`, '');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function lockAbandoned(lock: string): boolean {
  try {
    if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) return true;
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    if (!pid) return false;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // ESRCH: the holder is gone. ENOENT: the pid file is not written yet (or the lock just went).
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function swapIn(tmp: string, dir: string): void {
  const old = `${dir}.old-${process.pid}`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

function runVite(root: string, args: string[]): Promise<void> {
  const bin = join(root, 'node_modules/vite/bin/vite.js');
  if (!existsSync(bin)) return Promise.reject(new WebBuildError('vite is not installed (run npm install)', ''));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => reject(new WebBuildError(`could not run vite: ${err.message}`, output)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new WebBuildError(`vite ${args.join(' ')} failed (${signal ?? `exit ${code}`})`, output));
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const r = await ensureWebBuild({ force: process.argv.includes('--force'), log: (l) => console.log(`patchbay: ${l}`) });
    if (!r.built) console.log('patchbay: web dialer is up to date (dist/web)');
  } catch (err) {
    console.error(`patchbay: ${(err as Error).message}\n${(err as WebBuildError).output ?? ''}`);
    process.exitCode = 1;
  }
}
