/**
 * Replay protection for qop clients: the highest nonce-count seen per nonce, in bounded memory.
 * Least recently used nonces are evicted first; to stay safe after evicting, the tracker remembers
 * the newest issue time it has forgotten, and any untracked nonce issued at or before it is
 * reported as `forgotten` (the server then answers stale=true and the client simply retries).
 */

/** Outcome of presenting a nonce-count. */
export type NonceCountResult = 'ok' | 'replay' | 'forgotten';

interface Entry {
  nc: number;
  issuedAt: number;
}

export class NonceCountTracker {
  readonly #max: number;
  readonly #entries = new Map<string, Entry>();
  #forgottenUpTo = -Infinity;

  /** @param maxEntries nonces tracked at most (default 10 000). */
  constructor(maxEntries = 10_000) {
    this.#max = Math.max(1, maxEntries);
  }

  /** Number of nonces currently tracked. */
  get size(): number {
    return this.#entries.size;
  }

  /** Records `nc` for `nonce` if it is higher than every nc seen for it; else reports a replay. */
  accept(nonce: string, issuedAt: number, nc: number): NonceCountResult {
    const entry = this.#entries.get(nonce);
    if (entry) {
      if (nc <= entry.nc) return 'replay';
      entry.nc = nc;
      this.#entries.delete(nonce); // move to the most recently used end
      this.#entries.set(nonce, entry);
      return 'ok';
    }
    if (issuedAt <= this.#forgottenUpTo) return 'forgotten';
    this.#entries.set(nonce, { nc, issuedAt });
    while (this.#entries.size > this.#max) {
      const [oldest, e] = this.#entries.entries().next().value as [string, Entry];
      this.#entries.delete(oldest);
      if (e.issuedAt > this.#forgottenUpTo) this.#forgottenUpTo = e.issuedAt;
    }
    return 'ok';
  }

  /**
   * Drops nonces issued before `cutoff` (already expired, so never accepted again anyway);
   * this frees memory without raising the forgotten mark.
   */
  prune(cutoff: number): void {
    for (const [nonce, e] of this.#entries) {
      if (e.issuedAt < cutoff) this.#entries.delete(nonce);
    }
  }
}
