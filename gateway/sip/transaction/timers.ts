/**
 * Timer plumbing for transactions: an injectable TimerService (so tests drive a fake clock), the
 * RFC 3261 Table 4 base values T1/T2/T4 and the timers derived from them, and TimerSet, a named
 * group of one-shot timers owned by one transaction.
 */

/** Opaque handle returned by a TimerService. */
export type TimerHandle = unknown;

/** Where transactions get their timers from; `systemTimers` unless a test injects a fake clock. */
export interface TimerService {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemTimers: TimerService = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface TransactionTimerOptions {
  /** RTT estimate (ms): first retransmit interval; 64·T1 is timers B, F, H, J, L, M. Default 500. */
  t1?: number;
  /** Cap on retransmit intervals for non-INVITE requests and INVITE final responses (ms). Default 4000. */
  t2?: number;
  /** Longest a message stays in the network (ms): timers I and K over UDP. Default 5000. */
  t4?: number;
  /** Timer D over UDP (ms); RFC 3261 asks for at least 32 s. Default 32000. */
  timerD?: number;
  /**
   * How long a server INVITE transaction waits for the TU's first response before sending
   * 100 Trying itself (ms); 0 sends it at once (§17.2.1 allows either). Default 200.
   */
  trying100Ms?: number;
}

export type TimerConfig = Required<TransactionTimerOptions>;

export function resolveTimerConfig(options: TransactionTimerOptions = {}): TimerConfig {
  return {
    t1: options.t1 ?? 500,
    t2: options.t2 ?? 4000,
    t4: options.t4 ?? 5000,
    timerD: options.timerD ?? 32_000,
    trying100Ms: options.trying100Ms ?? 200,
  };
}

/** Named one-shot timers of one transaction; restarting a name replaces its previous timer. */
export class TimerSet {
  readonly #service: TimerService;
  readonly #handles = new Map<string, TimerHandle>();

  constructor(service: TimerService) {
    this.#service = service;
  }

  start(name: string, ms: number, callback: () => void): void {
    this.stop(name);
    const handle = this.#service.setTimeout(() => {
      this.#handles.delete(name);
      callback();
    }, ms);
    this.#handles.set(name, handle);
  }

  stop(name: string): void {
    const handle = this.#handles.get(name);
    if (handle === undefined) return;
    this.#service.clearTimeout(handle);
    this.#handles.delete(name);
  }

  stopAll(): void {
    for (const handle of this.#handles.values()) this.#service.clearTimeout(handle);
    this.#handles.clear();
  }

  /** Names of the timers currently running (for getStats() and tests). */
  running(): string[] {
    return [...this.#handles.keys()];
  }
}
