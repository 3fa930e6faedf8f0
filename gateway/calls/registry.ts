/**
 * CallRegistry: the calls alive in one gateway — lookup by id, a limit (`calls.max_calls`: 503
 * beyond), and a bounded ring of the most recent call records (CDRs) for later consumers (REST
 * history, webhooks, billing exports). Keeps the Prometheus figures: calls by direction, active
 * calls, call duration, and, as each call ends, the media quality of its network legs (jitter,
 * loss ratio, MOS estimate; gateway/calls/quality).
 */
import type { Call } from './call.ts';
import type { CallDetailRecord, CallDirection } from './cdr.ts';
import { observeCallQuality, type CallQualityMetrics } from './quality/observe.ts';

/** The metrics the registry keeps (GatewayMetrics fits); the quality histograms are optional. */
export interface CallMetrics extends CallQualityMetrics {
  callsTotal: { inc(labels: { direction: CallDirection }): void };
  activeCalls: { set(value: number): void };
  callDuration: { observe(value: number): void };
}

export interface CallRegistryOptions {
  /** Most calls at once. Default 1000. */
  maxCalls?: number;
  /** Records kept (oldest dropped first). Default 1000. */
  cdrLimit?: number;
  metrics?: CallMetrics;
  /** Called with each record as its call ends (after it was stored). */
  onRecord?: (cdr: CallDetailRecord) => void;
}

export interface CallRegistryStats {
  active: number;
  maxCalls: number;
  /** Calls added since creation. */
  total: number;
  /** Records in the ring now. */
  records: number;
  /** Calls refused because the registry was full. */
  refused: number;
}

export class CallRegistry {
  readonly #calls = new Map<string, { call: Call; off: () => void }>();
  readonly #maxCalls: number;
  readonly #cdrLimit: number;
  readonly #cdrs: CallDetailRecord[] = [];
  #cdrHead = 0;
  readonly #metrics: CallMetrics | undefined;
  readonly #onRecord: ((cdr: CallDetailRecord) => void) | undefined;
  #total = 0;
  #refused = 0;

  constructor(options: CallRegistryOptions = {}) {
    this.#maxCalls = options.maxCalls ?? 1000;
    this.#cdrLimit = Math.max(1, options.cdrLimit ?? 1000);
    this.#metrics = options.metrics;
    this.#onRecord = options.onRecord;
  }

  get size(): number {
    return this.#calls.size;
  }

  /** Whether another call fits under `maxCalls`. */
  get full(): boolean {
    return this.#calls.size >= this.#maxCalls;
  }

  /** Count a call refused for lack of room (the caller answered it 503). */
  refuse(): void {
    this.#refused++;
  }

  /** Track a call until it ends. Throws RangeError when full (check `full` first) or when the id is taken. */
  add(call: Call): void {
    if (this.full) {
      this.#refused++;
      throw new RangeError(`call limit ${this.#maxCalls} reached`);
    }
    if (this.#calls.has(call.id)) throw new RangeError(`call ${call.id} is already registered`);
    const onEnded = (cdr: CallDetailRecord) => this.#ended(call, cdr);
    call.once('ended', onEnded);
    this.#calls.set(call.id, { call, off: () => call.off('ended', onEnded) });
    this.#total++;
    this.#metrics?.callsTotal.inc({ direction: call.direction });
    this.#metrics?.activeCalls.set(this.#calls.size);
  }

  get(id: string): Call | undefined {
    return this.#calls.get(id)?.call;
  }

  list(): Call[] {
    return [...this.#calls.values()].map((e) => e.call);
  }

  /** Recent records, oldest first. */
  records(): CallDetailRecord[] {
    return this.#cdrs.length < this.#cdrLimit ? [...this.#cdrs] : [...this.#cdrs.slice(this.#cdrHead), ...this.#cdrs.slice(0, this.#cdrHead)];
  }

  /** The record of a recent call. */
  record(callId: string): CallDetailRecord | undefined {
    return this.#cdrs.find((c) => c.callId === callId);
  }

  getStats(): CallRegistryStats {
    return { active: this.#calls.size, maxCalls: this.#maxCalls, total: this.#total, records: this.#cdrs.length, refused: this.#refused };
  }

  /** Hang up every call (shutdown). */
  hangupAll(): void {
    for (const { call } of [...this.#calls.values()]) call.hangup();
  }

  #ended(call: Call, cdr: CallDetailRecord): void {
    const entry = this.#calls.get(call.id);
    if (!entry || entry.call !== call) return;
    entry.off();
    this.#calls.delete(call.id);
    if (this.#cdrs.length < this.#cdrLimit) this.#cdrs.push(cdr);
    else {
      this.#cdrs[this.#cdrHead] = cdr;
      this.#cdrHead = (this.#cdrHead + 1) % this.#cdrLimit;
    }
    this.#metrics?.activeCalls.set(this.#calls.size);
    if (cdr.answerTime !== null) this.#metrics?.callDuration.observe(cdr.durationSeconds);
    if (this.#metrics) observeCallQuality([cdr.legs.a, cdr.legs.b], this.#metrics);
    this.#onRecord?.(cdr);
  }
}
