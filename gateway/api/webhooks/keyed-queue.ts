/**
 * KeyedQueue: runs tasks one at a time per key, in the order they were pushed, while different
 * keys run concurrently — a call's webhooks arrive in order without one slow call holding up
 * the others. A key's chain is forgotten once it runs empty.
 */
export class KeyedQueue {
  #tails = new Map<string, Promise<unknown>>();

  /** Keys with work queued or running. */
  get size(): number {
    return this.#tails.size;
  }

  /** Runs `task` after every earlier task of `key`; resolves or rejects with `task`'s result. */
  push<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const run = previous.then(() => task());
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return run;
  }

  /** Resolves when every task pushed so far (and any pushed meanwhile) has settled. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all(this.#tails.values());
  }
}
