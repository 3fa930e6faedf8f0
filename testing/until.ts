/**
 * Test helper: poll `fn` every 20 ms until it returns something truthy (that value is returned),
 * failing with "timed out waiting for <what>" after `ms`.
 */
export async function until<T>(fn: () => T | undefined | null | false, ms = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
