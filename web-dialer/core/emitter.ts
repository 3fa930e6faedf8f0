/**
 * A tiny typed event emitter for the dialer's core objects (Phone, Call): `on` returns the
 * function that unsubscribes, so UI components can drop their listeners in one line.
 */
export type EventMap = Record<string, unknown[]>;

export class Emitter<E extends EventMap> {
  readonly #listeners = new Map<keyof E, Set<(...args: never[]) => void>>();

  on<K extends keyof E>(type: K, listener: (...args: E[K]) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    const l = listener as unknown as (...args: never[]) => void;
    set.add(l);
    return () => set.delete(l);
  }

  protected emit<K extends keyof E>(type: K, ...args: E[K]): void {
    for (const l of [...(this.#listeners.get(type) ?? [])]) {
      try {
        (l as unknown as (...a: E[K]) => void)(...args);
      } catch (err) {
        console.error(`patchbay: ${String(type)} listener failed`, err);
      }
    }
  }
}
