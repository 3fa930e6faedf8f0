/**
 * FakeClock: a TimerService whose time moves only when told (`advance`), for deterministic tests
 * of transaction timers here and in the layers above (dialog, user agent).
 */
import type { TimerHandle, TimerService } from './timers.ts';

interface Scheduled {
  id: number;
  due: number;
  callback: () => void;
}

export class FakeClock implements TimerService {
  #now = 0;
  #nextId = 1;
  #timers: Scheduled[] = [];

  /** Milliseconds since the clock was created. */
  get now(): number {
    return this.#now;
  }

  /** Number of timers waiting to fire. */
  get pending(): number {
    return this.#timers.length;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer = { id: this.#nextId++, due: this.#now + Math.max(0, ms), callback };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** Moves time forward by `ms`, firing due timers in order (including ones they schedule). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: Scheduled | undefined;
      for (const t of this.#timers) if (t.due <= end && (!next || t.due < next.due || (t.due === next.due && t.id < next.id))) next = t;
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = next.due;
      next.callback();
    }
    this.#now = end;
  }

  /** Advances to the next due timer and fires it (and any due at the same instant); returns the new time or undefined if none. */
  runNext(): number | undefined {
    if (this.#timers.length === 0) return undefined;
    const due = Math.min(...this.#timers.map((t) => t.due));
    this.advance(due - this.#now);
    return this.#now;
  }
}
