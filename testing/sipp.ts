/**
 * Test helper: runs real sipp (Debian `sip-tester`) on loopback and reports its result. sipp exits 0
 * when every call succeeded, 1 when some failed; the statistics CSV gives the counts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SippResult {
  exitCode: number | null;
  successful: number;
  failed: number;
  /** Messages sipp had to retransmit (a sign of loss or slow answers). */
  retransmissions: number;
  output: string;
  dir: string;
}

export interface SippOptions {
  /** Built-in scenario (`uac`, `uas`, `uac_pcap`…) or a path/XML text via `scenarioXml`. */
  scenario?: string;
  scenarioXml?: string;
  /** Remote `host:port` (uac). */
  remote?: string;
  localPort: number;
  /** Extra command line arguments. */
  args?: string[];
  /** Kill after this many ms (default 60 s). */
  timeoutMs?: number;
  /** Called once spawned with a stop function (e.g. to stop a uas) and sipp's working directory (its traces). */
  onSpawn?: (kill: () => void, dir: string) => void;
  /** Command prefix that execs sipp, e.g. ['taskset', '-c', '1'] to pin it to a core. Default none. */
  wrap?: string[];
}

/** sipp working directories of this process (traces, stats), removed when it exits. */
const workDirs = new Set<string>();
let cleanupArmed = false;

function sippWorkDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-sipp-'));
  workDirs.add(dir);
  if (!cleanupArmed) {
    cleanupArmed = true;
    process.once('exit', () => {
      for (const d of workDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

export function runSipp(options: SippOptions): Promise<SippResult> {
  const dir = sippWorkDir();
  const args: string[] = [];
  if (options.scenarioXml) {
    const file = join(dir, 'scenario.xml');
    writeFileSync(file, options.scenarioXml);
    args.push('-sf', file);
  } else {
    args.push('-sn', options.scenario ?? 'uac');
  }
  if (options.remote) args.push(options.remote);
  args.push('-i', '127.0.0.1', '-p', String(options.localPort), '-nostdin', '-trace_stat', '-stf', join(dir, 'stat.csv'), '-trace_err', '-error_file', join(dir, 'errors.log'));
  args.push(...(options.args ?? []));
  return new Promise((resolve, reject) => {
    const [cmd, ...prefix] = [...(options.wrap ?? []), 'sipp'];
    const child = spawn(cmd!, [...prefix, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20000)));
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20000)));
    const kill = () => child.kill('SIGUSR1');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    options.onSpawn?.(kill, dir);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const { successful, failed, retransmissions } = readStats(dir);
      resolve({ exitCode: code, successful, failed, retransmissions, output, dir });
    });
  });
}

/** Reads the last line of sipp's statistics CSV: SuccessfulCall(C), FailedCall(C), Retransmissions(C). */
export function readStats(dir: string): { successful: number; failed: number; retransmissions: number } {
  const none = { successful: 0, failed: 0, retransmissions: 0 };
  const file = readdirSync(dir).find((f) => f.endsWith('.csv'));
  if (!file || !existsSync(join(dir, file))) return none;
  const lines = readFileSync(join(dir, file), 'utf8').trim().split('\n');
  if (lines.length < 2) return none;
  const head = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  const col = (name: string) => Number(last[head.indexOf(name)] ?? 0);
  return { successful: col('SuccessfulCall(C)'), failed: col('FailedCall(C)'), retransmissions: col('Retransmissions(C)') };
}

/**
 * Call-IDs sipp gave up on because a retransmitted INVITE arrived while its scenario expected
 * the ACK (sipp's built-in uas does this when `-lost` dropped both its 180 and its 200: it
 * does not answer the retransmission, it aborts the call).
 */
export function sippAbortedOnInviteRetransmission(dir: string): string[] {
  const file = join(dir, 'errors.log');
  if (!existsSync(file)) return [];
  const ids: string[] = [];
  const re = /Aborting call on unexpected message for Call-Id '([^']+)': while expecting '[^']*' \(index \d+\), received 'INVITE /g;
  for (const m of readFileSync(file, 'utf8').matchAll(re)) ids.push(m[1]!);
  return ids;
}
