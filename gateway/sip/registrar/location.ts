/**
 * The location service of the registrar (RFC 3261 §10.3): bindings of an address-of-record (a
 * directory user) to contacts, with expiry, RFC 5626 instance/reg-id replacement, Path vectors and
 * the flow (transport connection) each binding arrived on, so a closed WebSocket drops its
 * contacts. Time is injected; nothing here owns a timer.
 */
import type { SipEndpoint } from '../message/types.ts';

export interface Binding {
  /** The user part / address-of-record key (e.g. '1001'). */
  aor: string;
  /** Contact URI as registered (without header params). */
  contact: string;
  /** Absolute expiry time (ms, same clock as `now`). */
  expiresAt: number;
  /** Call-ID and CSeq of the REGISTER that created/refreshed it (RFC 3261 §10.3 step 7). */
  callId: string;
  cseq: number;
  /** q-value 0..1 (default 1). */
  q: number;
  /** RFC 5626 `+sip.instance` and `reg-id`, when present. */
  instanceId?: string;
  regId?: number;
  /** Path header values (RFC 3327), in order. */
  path: string[];
  /** Where the REGISTER came from: reach the contact through this flow when it is connection-bound. */
  source: SipEndpoint;
  /** User-Agent of the registering client (for operators). */
  userAgent?: string;
}

export interface LocationStats {
  aors: number;
  bindings: number;
}

/** In-memory binding store; a Redis-backed one can implement the same interface later. */
export class LocationService {
  #byAor = new Map<string, Binding[]>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Live (unexpired) bindings of an AOR, highest q first, most recent first within a q. */
  lookup(aor: string): Binding[] {
    const list = this.#prune(aor);
    return [...list].sort((a, b) => b.q - a.q || b.expiresAt - a.expiresAt);
  }

  /** Finds the binding that a new contact would replace (same URI, or same instance + reg-id). */
  find(aor: string, contact: string, instanceId?: string, regId?: number): Binding | undefined {
    return this.#prune(aor).find((b) => sameBinding(b, contact, instanceId, regId));
  }

  /** Adds or refreshes a binding (replacing a matching one). */
  upsert(binding: Binding): void {
    const list = this.#prune(binding.aor).filter((b) => !sameBinding(b, binding.contact, binding.instanceId, binding.regId));
    list.push(binding);
    this.#byAor.set(binding.aor, list);
  }

  /** Removes one binding; returns whether it existed. */
  remove(aor: string, contact: string, instanceId?: string, regId?: number): boolean {
    const list = this.#byAor.get(aor) ?? [];
    const kept = list.filter((b) => !sameBinding(b, contact, instanceId, regId));
    this.#set(aor, kept);
    return kept.length !== list.length;
  }

  /** Removes all bindings of an AOR (`Contact: *` with Expires: 0). */
  removeAll(aor: string): number {
    const n = this.#byAor.get(aor)?.length ?? 0;
    this.#byAor.delete(aor);
    return n;
  }

  /** Drops every binding that arrived over a connection that has now closed; returns the AORs touched. */
  removeByConnection(connectionId: string): string[] {
    const touched: string[] = [];
    for (const [aor, list] of this.#byAor) {
      const kept = list.filter((b) => b.source.connectionId !== connectionId);
      if (kept.length !== list.length) {
        touched.push(aor);
        this.#set(aor, kept);
      }
    }
    return touched;
  }

  /** Drops expired bindings everywhere (call periodically from the owner's timer). */
  sweep(): number {
    let removed = 0;
    for (const aor of [...this.#byAor.keys()]) {
      const before = this.#byAor.get(aor)!.length;
      removed += before - this.#prune(aor).length;
    }
    return removed;
  }

  /** All AORs with at least one live binding. */
  aors(): string[] {
    return [...this.#byAor.keys()].filter((aor) => this.#prune(aor).length > 0);
  }

  stats(): LocationStats {
    this.sweep();
    let bindings = 0;
    for (const list of this.#byAor.values()) bindings += list.length;
    return { aors: this.#byAor.size, bindings };
  }

  #prune(aor: string): Binding[] {
    const list = this.#byAor.get(aor);
    if (!list) return [];
    const now = this.#now();
    const live = list.filter((b) => b.expiresAt > now);
    if (live.length !== list.length) this.#set(aor, live);
    return live;
  }

  #set(aor: string, list: Binding[]): void {
    if (list.length === 0) this.#byAor.delete(aor);
    else this.#byAor.set(aor, list);
  }
}

function sameBinding(b: Binding, contact: string, instanceId?: string, regId?: number): boolean {
  if (instanceId !== undefined && b.instanceId === instanceId) {
    // RFC 5626 §6: same instance and reg-id → same flow binding; without reg-id the instance alone.
    return regId === undefined || b.regId === undefined || b.regId === regId;
  }
  return b.contact === contact;
}
