/**
 * A hand-cranked `ClockDriver` for deterministic tests of anything driven by the media clock:
 * time only moves when the test says so (`advance`), timers fire exactly when due (plus an
 * optional injected lateness), each setImmediate turn costs a fixed slice of time, and `stall`
 * moves time without running anything, like a blocked event loop.
 */
import type { ClockDriver } from './clock.ts';

interface Pending {
  id: number;
  at: bigint;
  fn: () => void;
}

export interface ManualClockDriverOptions {
  /** Starting time (ns). Default 0. */
  startNs?: bigint;
  /** Time one setImmediate turn takes (ns). Default 50 µs. */
  immediateNs?: bigint;
  /** Extra delay added to every setTimeout (ns), e.g. to mimic a busy loop. Default none. */
  timerLatenessNs?: (ms: number) => bigint;
}

export class ManualClockDriver implements ClockDriver {
  #now: bigint;
  readonly #immediateNs: bigint;
  readonly #timerLateness: ((ms: number) => bigint) | undefined;
  #pending: Pending[] = [];
  #nextId = 1;
  /** setTimeout calls so far. */
  timeouts = 0;
  /** setImmediate calls so far. */
  immediates = 0;

  constructor(options: ManualClockDriverOptions = {}) {
    this.#now = options.startNs ?? 0n;
    this.#immediateNs = options.immediateNs ?? 50_000n;
    this.#timerLateness = options.timerLatenessNs;
  }

  now(): bigint {
    return this.#now;
  }

  /** Current time in ms. */
  get nowMs(): number {
    return Number(this.#now) / 1e6;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    this.timeouts++;
    const extra = this.#timerLateness ? this.#timerLateness(ms) : 0n;
    return this.#add(this.#now + BigInt(Math.round(Math.max(1, ms) * 1e6)) + extra, fn);
  }

  clearTimeout(handle: unknown): void {
    this.#remove(handle);
  }

  setImmediate(fn: () => void): unknown {
    this.immediates++;
    return this.#add(this.#now + this.#immediateNs, fn);
  }

  clearImmediate(handle: unknown): void {
    this.#remove(handle);
  }

  /** Callbacks waiting. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Move time forward `ms`, running every callback that falls due on the way, in time order. */
  advance(ms: number): void {
    const end = this.#now + BigInt(Math.round(ms * 1e6));
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.#pending.length; i++) {
        const p = this.#pending[i]!;
        if (p.at <= end && (best < 0 || p.at < this.#pending[best]!.at)) best = i;
      }
      if (best < 0) break;
      const [p] = this.#pending.splice(best, 1);
      if (p!.at > this.#now) this.#now = p!.at;
      p!.fn();
    }
    this.#now = end;
  }

  /** Move time forward `ms` without running anything (a blocked event loop). */
  stall(ms: number): void {
    this.#now += BigInt(Math.round(ms * 1e6));
  }

  #add(at: bigint, fn: () => void): number {
    const id = this.#nextId++;
    this.#pending.push({ id, at, fn });
    return id;
  }

  #remove(handle: unknown): void {
    const i = this.#pending.findIndex((p) => p.id === handle);
    if (i >= 0) this.#pending.splice(i, 1);
  }
}
