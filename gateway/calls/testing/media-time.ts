/**
 * Test helper: drive a call's media time on a ManualClockDriver — advance in 20 ms ticks, calling
 * `each` before every tick (to feed packets) and letting promises settle now and then, as a call's
 * asynchronous steps (negotiation, answers) need.
 */
import type { ManualClockDriver } from '../../../media/clock-manual.ts';

/** Resolves after pending promise callbacks and I/O of this turn have run. */
export const settle = (): Promise<void> => new Promise<void>((r) => setImmediate(r));

/** `run(ms, each)`: advance `ms` of media time in 20 ms steps, settling every 200 ms and at the end. */
export function mediaRunner(driver: ManualClockDriver): (ms: number, each?: () => void) => Promise<void> {
  return async (ms, each = () => {}) => {
    for (let t = 0; t < ms; t += 20) {
      each();
      driver.advance(20);
      if (t % 200 === 0) await settle();
    }
    await settle();
  };
}
