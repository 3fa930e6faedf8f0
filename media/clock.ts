/**
 * The media clock: one drift-free 20 ms tick source that every consumer of an engine shares (jitter
 * buffer pulls, mixers, packetizers), instead of a timer per call. The only module of media/ that
 * owns a timer, and even that is injected (`ClockDriver`), so tests drive it deterministically.
 *
 * Tick n is due at t0 + n·period on the driver's monotonic nanosecond clock (process.hrtime), so
 * timer error never accumulates. Waiting: a setTimeout until `spinMs` before the target, then
 * setImmediate turns for the last stretch (precision for a little CPU; spinMs 0 disables it). A
 * clock nobody listens to sleeps (no timer) and wakes on the same grid at the next subscribe.
 *
 * Catch-up after a stall (bounded burst): when a wake-up finds several ticks overdue, up to
 * `maxBurst` of them run back to back, newest last; older overdue ticks are skipped and counted.
 * A short stall thus costs no frames (consumers see a small burst, like network jitter, and their
 * sample clocks stay exact), while a long one does not replay a flood of stale frames. Skips show
 * as gaps in `tick.index`, so a packetizer can advance its RTP timestamp by the gap.
 */
import { LatenessTracker, type LatenessSnapshot } from './clock-lateness.ts';

/** Time and timers the clock runs on; `realClockDriver` in production, a manual one in tests. */
export interface ClockDriver {
  /** Monotonic time in nanoseconds. */
  now(): bigint;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setImmediate(fn: () => void): unknown;
  clearImmediate(handle: unknown): void;
}

/** process.hrtime.bigint() with Node's timers (performance.now() where there is no process). */
export const realClockDriver: ClockDriver = {
  now:
    typeof process !== 'undefined' && typeof process.hrtime?.bigint === 'function'
      ? () => process.hrtime.bigint()
      : () => BigInt(Math.round(performance.now() * 1e6)),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setImmediate:
    typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0),
  clearImmediate:
    typeof clearImmediate === 'function'
      ? (h) => clearImmediate(h as ReturnType<typeof setImmediate>)
      : (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** What a subscriber gets each tick. The same object is reused: copy what you keep. */
export interface MediaTick {
  /** Grid number n: due at start + n·period. Consecutive unless ticks were skipped. */
  index: number;
  /** When the tick was due (ms on the driver's clock, same base as `MediaClock.nowMs()`). */
  targetMs: number;
  /** When it actually ran (ms). */
  nowMs: number;
  /** nowMs − targetMs. */
  lateMs: number;
}

export type TickListener = (tick: MediaTick) => void;

export interface MediaClockOptions {
  /** Tick period (ms). Default 20. */
  periodMs?: number;
  /** Time source and timers. Default `realClockDriver`. */
  driver?: ClockDriver;
  /** Wait the last this-many ms before a tick with setImmediate turns instead of a timer. Default 1. */
  spinMs?: number;
  /** Most ticks run in one wake-up after a stall; older overdue ones are skipped. Default 3. */
  maxBurst?: number;
  /** Ticks covered by the lateness percentiles. Default 500 (10 s at 20 ms). */
  latenessWindow?: number;
  /** Called when a listener throws (the other listeners still run). Default: console.error. */
  onError?: (error: unknown) => void;
}

export interface MediaClockStats {
  running: boolean;
  /** Ticks delivered since construction. */
  ticks: number;
  /** Ticks skipped by the catch-up policy. */
  skipped: number;
  /** Wake-ups that found more than one tick due (stalls). */
  bursts: number;
  /** Listener exceptions. */
  errors: number;
  listeners: number;
  lateness: LatenessSnapshot;
}

export class MediaClock {
  readonly #driver: ClockDriver;
  readonly #periodNs: bigint;
  readonly #spinNs: bigint;
  readonly #maxBurst: number;
  readonly #onError: (error: unknown) => void;
  readonly #lateness: LatenessTracker;
  readonly #tick: MediaTick = { index: 0, targetMs: 0, nowMs: 0, lateMs: 0 };
  readonly #wake = (): void => this.#onWake();

  #listeners: TickListener[] = [];
  #running = false;
  #epoch = 0;
  #t0 = 0n;
  #next = 1;
  #timer: unknown = null;
  #immediate: unknown = null;
  /** Inside #onWake (it arms the next wake-up itself when done). */
  #waking = false;
  #ticks = 0;
  #skipped = 0;
  #bursts = 0;
  #errors = 0;

  constructor(options: MediaClockOptions = {}) {
    const periodMs = options.periodMs ?? 20;
    if (!(periodMs > 0)) throw new RangeError('periodMs must be positive');
    this.#periodNs = BigInt(Math.round(periodMs * 1e6));
    this.#spinNs = BigInt(Math.round(Math.max(0, options.spinMs ?? 1) * 1e6));
    this.#maxBurst = Math.max(1, Math.floor(options.maxBurst ?? 3));
    this.#driver = options.driver ?? realClockDriver;
    this.#onError = options.onError ?? ((e) => console.error('MediaClock listener threw', e));
    this.#lateness = new LatenessTracker(options.latenessWindow ?? 500);
  }

  /** Now on the clock's time base (ms, µs precision); use it to stamp packet arrivals. */
  nowMs(): number {
    return Number(this.#driver.now()) / 1e6;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Call `fn` on every tick; returns an idempotent unsubscribe. */
  subscribe(fn: TickListener): () => void {
    this.#listeners = [...this.#listeners, fn];
    if (this.#running && !this.#waking && this.#timer === null && this.#immediate === null) {
      // Asleep (nobody was listening): wake for the next tick of the same grid.
      const elapsed = this.#driver.now() - this.#t0;
      this.#next = Math.max(this.#next, Number(elapsed / this.#periodNs) + 1);
      this.#arm();
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const i = this.#listeners.indexOf(fn);
      if (i >= 0) this.#listeners = [...this.#listeners.slice(0, i), ...this.#listeners.slice(i + 1)];
    };
  }

  /** Start ticking: tick 1 is due one period from now. Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#epoch++;
    this.#t0 = this.#driver.now();
    this.#next = 1;
    this.#arm();
  }

  /** Stop ticking (a later start re-anchors the grid). Idempotent; safe inside a listener. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#cancel();
  }

  #cancel(): void {
    if (this.#timer !== null) this.#driver.clearTimeout(this.#timer);
    if (this.#immediate !== null) this.#driver.clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }

  #dueNs(n: number): bigint {
    return this.#t0 + BigInt(n) * this.#periodNs;
  }

  #arm(): void {
    // Nobody listening (an idle gateway): sleep — no timer at all until subscribe() wakes us on the
    // same grid (an idle gateway turning setImmediate for the last ms of every tick cost ~4 % of a
    // core, and even plain timers 50 times a second ~1 %).
    if (this.#listeners.length === 0) return;
    const remaining = this.#dueNs(this.#next) - this.#driver.now();
    const spinNs = this.#spinNs;
    const sleepMs = Number((remaining - spinNs) / 1_000_000n);
    if (sleepMs >= 1) this.#timer = this.#driver.setTimeout(this.#wake, sleepMs);
    else this.#immediate = this.#driver.setImmediate(this.#wake);
  }

  #onWake(): void {
    this.#timer = null;
    this.#immediate = null;
    if (!this.#running) return;
    this.#waking = true;
    try {
      this.#runDue();
    } finally {
      this.#waking = false;
    }
  }

  #runDue(): void {
    let now = this.#driver.now();
    if (now < this.#dueNs(this.#next)) {
      this.#arm();
      return;
    }
    const due = Number((now - this.#t0) / this.#periodNs) - this.#next + 1;
    if (due > 1) this.#bursts++;
    if (due > this.#maxBurst) {
      const skip = due - this.#maxBurst;
      this.#skipped += skip;
      this.#next += skip;
    }
    const run = Math.min(due, this.#maxBurst);
    const epoch = this.#epoch;
    for (let i = 0; i < run; i++) {
      const n = this.#next++;
      const tick = this.#tick;
      tick.index = n;
      tick.targetMs = Number(this.#dueNs(n)) / 1e6;
      tick.nowMs = Number(now) / 1e6;
      tick.lateMs = tick.nowMs - tick.targetMs;
      this.#lateness.record(tick.lateMs);
      this.#ticks++;
      const listeners = this.#listeners;
      for (let k = 0; k < listeners.length; k++) {
        try {
          listeners[k]!(tick);
        } catch (e) {
          this.#errors++;
          this.#onError(e);
        }
      }
      if (!this.#running || this.#epoch !== epoch) return; // stopped (or restarted) by a listener
      if (i + 1 < run) now = this.#driver.now();
    }
    this.#arm();
  }

  getStats(): MediaClockStats {
    return {
      running: this.#running,
      ticks: this.#ticks,
      skipped: this.#skipped,
      bursts: this.#bursts,
      errors: this.#errors,
      listeners: this.#listeners.length,
      lateness: this.#lateness.snapshot(),
    };
  }
}
