/**
 * The xbridge retry schedule: before retry n (n = 1, 2, …) wait 100 ms · 2^(n-1) plus a random
 * 0..50 ms of jitter — ~100 ms, ~200 ms, ~400 ms…
 */
export const BACKOFF_BASE_MS = 100;
export const BACKOFF_JITTER_MS = 50;

/** Delay before retry `n` (1-based); `random` returns [0, 1). */
export function backoffDelay(n: number, random: () => number = Math.random): number {
  return BACKOFF_BASE_MS * 2 ** (n - 1) + random() * BACKOFF_JITTER_MS;
}
