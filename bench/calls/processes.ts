/**
 * The benchmark's child processes seen from the parent: fork one with tsx and IPC, ask it
 * something and wait for the typed answer, and read its CPU time and RSS from /proc (so no
 * process reports its own cost, and the load generator cannot flatter the gateway's figure).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

/** A forked TypeScript module speaking `{ type }` messages. */
export class Child<Req extends { type: string }, Rep extends { type: string }> {
  readonly process: ChildProcess;
  readonly #queue: Rep[] = [];
  readonly #waiting: Array<(m: Rep) => void> = [];
  #stderr = '';

  constructor(module: string, args: string[] = []) {
    const path = fileURLToPath(new URL(module, import.meta.url));
    this.process = fork(path, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    this.process.stderr!.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString()).slice(-4000)));
    this.process.on('message', (m: Rep) => {
      const w = this.#waiting.shift();
      if (w) w(m);
      else this.#queue.push(m);
    });
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** The next message; rejects with the child's stderr when it is an error or the child exits. */
  next(timeoutMs = 120_000): Promise<Rep> {
    const queued = this.#queue.shift();
    if (queued) return this.#check(queued);
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`child exited (${code}) before answering:\n${this.#stderr}`));
      const timer = setTimeout(() => reject(new Error(`child gave no answer within ${timeoutMs} ms:\n${this.#stderr}`)), timeoutMs);
      this.process.once('exit', onExit);
      this.#waiting.push((m) => {
        clearTimeout(timer);
        this.process.off('exit', onExit);
        this.#check(m).then(resolve, reject);
      });
    });
  }

  #check(m: Rep): Promise<Rep> {
    if (m.type === 'error') return Promise.reject(new Error(`child failed: ${(m as unknown as { message: string }).message}`));
    return Promise.resolve(m);
  }

  /** Sends `request` and waits for the answer of type `type`. */
  async ask<T extends Rep['type']>(request: Req, type: T, timeoutMs?: number): Promise<Extract<Rep, { type: T }>> {
    this.process.send(request);
    const m = await this.next(timeoutMs);
    if (m.type !== type) throw new Error(`expected ${type}, got ${m.type}`);
    return m as Extract<Rep, { type: T }>;
  }

  kill(): void {
    if (this.process.exitCode === null) this.process.kill('SIGKILL');
  }
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime (fields 14, 15)
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}
