import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaClock, type MediaTick } from './clock.ts';
import { ManualClockDriver } from './clock-manual.ts';

function record(clock: MediaClock): MediaTick[] {
  const ticks: MediaTick[] = [];
  clock.subscribe((t) => ticks.push({ ...t }));
  return ticks;
}

test('ticks land exactly on the 20 ms grid with a fake driver (timeout, then setImmediate spin)', () => {
  const driver = new ManualClockDriver({ startNs: 5_000_000_000n });
  const clock = new MediaClock({ driver });
  const ticks = record(clock);
  clock.start();
  driver.advance(1000);
  assert.equal(ticks.length, 50);
  assert.deepEqual(
    ticks.map((t) => t.index),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  assert.ok(ticks.every((t, i) => t.targetMs === 5000 + 20 * (i + 1) && t.lateMs === 0));
  // One 19 ms timeout per tick (the 51st is armed), then 50 µs immediates over the last ms.
  assert.equal(driver.timeouts, 51);
  assert.equal(driver.immediates, 50 * 20);
  assert.equal(clock.nowMs(), 6000);
  const st = clock.getStats();
  assert.equal(st.ticks, 50);
  assert.equal(st.skipped, 0);
  assert.equal(st.lateness.count, 50);
  assert.equal(st.lateness.maxMs, 0);
});

test('late timers do not accumulate error: every tick is judged against t0 + n·period', () => {
  const driver = new ManualClockDriver({ timerLatenessNs: () => 3_000_000n });
  const clock = new MediaClock({ driver, spinMs: 0 });
  const ticks = record(clock);
  clock.start();
  driver.advance(1000);
  // Each timeout fires 3 ms after it was asked to; the clock asks for (target − now), so tick n
  // always runs at 20n + 3 and tick 50 (due at 1000) is still pending.
  assert.equal(ticks.length, 49);
  assert.ok(ticks.every((t, i) => t.nowMs === 20 * (i + 1) + 3 && t.lateMs === 3));
  driver.advance(3);
  assert.equal(ticks.length, 50);
  assert.equal(driver.immediates, 0);
  const { lateness } = clock.getStats();
  assert.equal(lateness.lastMs, 3);
  assert.equal(lateness.p50Ms, 3);
  assert.equal(lateness.p99Ms, 3);
  assert.deepEqual(
    lateness.histogram.filter((b) => b.count > 0),
    [{ leMs: 5, count: 50 }],
  );
});

test('after a stall, up to maxBurst overdue ticks run back to back; older ones are skipped and counted', () => {
  const driver = new ManualClockDriver();
  const clock = new MediaClock({ driver, maxBurst: 3 });
  const ticks = record(clock);
  clock.start();
  driver.advance(100);
  assert.equal(ticks.length, 5);
  driver.stall(95); // the event loop is blocked from t=100 to t=195
  driver.advance(0);
  // Ticks 6..9 are due at 195: 6 is skipped, 7, 8, 9 run at once.
  assert.deepEqual(
    ticks.slice(5).map((t) => [t.index, t.nowMs, t.lateMs]),
    [
      [7, 195, 55],
      [8, 195, 35],
      [9, 195, 15],
    ],
  );
  driver.advance(5);
  assert.deepEqual(ticks.slice(8).map((t) => [t.index, t.lateMs]), [[10, 0]]);
  const st = clock.getStats();
  assert.equal(st.skipped, 1);
  assert.equal(st.bursts, 1);
  assert.equal(st.lateness.maxMs, 55);

  // maxBurst 1 is a pure skip policy: only the newest overdue tick runs.
  const d2 = new ManualClockDriver();
  const c2 = new MediaClock({ driver: d2, maxBurst: 1 });
  const t2 = record(c2);
  c2.start();
  d2.advance(20);
  d2.stall(70);
  d2.advance(0);
  assert.deepEqual(t2.map((t) => t.index), [1, 4]);
  assert.equal(c2.getStats().skipped, 2);
});

test('subscribe/unsubscribe, listener errors and stop from inside a tick', () => {
  const driver = new ManualClockDriver();
  const errors: unknown[] = [];
  const clock = new MediaClock({ driver, onError: (e) => errors.push(e) });
  const seen: string[] = [];
  const offA = clock.subscribe((t) => {
    seen.push(`a${t.index}`);
    if (t.index === 2) offA();
  });
  clock.subscribe((t) => {
    if (t.index === 1) throw new Error('boom');
    seen.push(`b${t.index}`);
  });
  clock.subscribe((t) => {
    seen.push(`c${t.index}`);
    if (t.index === 3) clock.stop();
  });
  assert.equal(clock.getStats().listeners, 3);
  clock.start();
  clock.start(); // idempotent
  driver.advance(200);
  assert.deepEqual(seen, ['a1', 'c1', 'a2', 'b2', 'c2', 'b3', 'c3']);
  assert.equal(errors.length, 1);
  assert.equal(clock.getStats().errors, 1);
  assert.equal(clock.running, false);
  assert.equal(driver.pending, 0);
  offA(); // idempotent
  assert.equal(clock.getStats().listeners, 2);

  // A restart re-anchors the grid on the current time (b throws on tick 1 again).
  seen.length = 0;
  const restartedAt = clock.nowMs();
  const at: number[] = [];
  const offAt = clock.subscribe((t) => void at.push(t.targetMs));
  clock.start();
  driver.advance(40);
  assert.deepEqual(seen, ['c1', 'b2', 'c2']);
  assert.deepEqual(at, [restartedAt + 20, restartedAt + 40]);
  assert.equal(errors.length, 2);
  offAt();
  clock.stop();
  clock.stop();
  assert.equal(driver.pending, 0);
});

test('with the real timer: about 50 ticks a second and lateness is measured', async () => {
  const clock = new MediaClock();
  let ticks = 0;
  clock.subscribe(() => void ticks++);
  clock.start();
  await new Promise((resolve) => setTimeout(resolve, 1010));
  clock.stop();
  assert.ok(ticks >= 48 && ticks <= 52, `ticks ${ticks}`);
  const st = clock.getStats();
  assert.equal(st.ticks, ticks);
  assert.equal(st.lateness.count, ticks);
  assert.equal(
    st.lateness.histogram.reduce((n, b) => n + b.count, 0),
    ticks,
  );
  assert.ok(st.lateness.p50Ms >= 0 && st.lateness.p50Ms <= st.lateness.p99Ms && st.lateness.p99Ms <= st.lateness.maxMs);
});

test('a clock nobody listens to sleeps (no timer, no setImmediate: idle gateway CPU); a listener wakes it on the same grid', () => {
  const driver = new ManualClockDriver({ startNs: 1_000_000_000n });
  const clock = new MediaClock({ driver });
  clock.start();
  driver.advance(1000);
  assert.equal(clock.getStats().ticks, 0);
  assert.equal(driver.timeouts, 0);
  assert.equal(driver.immediates, 0);
  driver.advance(5); // 1005 ms after start: the next tick of the grid is at 1020 ms
  const ticks = record(clock);
  driver.advance(995);
  assert.equal(ticks.length, 50, 'ticks 51..100 while listened to');
  assert.equal(ticks[0]!.index, 51);
  assert.equal(ticks[0]!.targetMs, 1000 + 1020);
  assert.ok(driver.immediates > 0, 'a listener brings the precise spin back');
  assert.equal(clock.getStats().skipped, 0, 'sleeping is not skipping');
  clock.stop();
});

test('the last listener leaving puts the clock to sleep; one subscribing inside a tick does not arm twice', () => {
  const driver = new ManualClockDriver({ startNs: 0n });
  const clock = new MediaClock({ driver, spinMs: 0 });
  clock.start();
  let off = () => {};
  let inner = 0;
  const first = clock.subscribe(() => {
    first();
    off = clock.subscribe(() => inner++); // hand over inside the tick
  });
  driver.advance(200);
  assert.equal(inner, 9, 'the second listener ticks once per period from the next tick on');
  assert.equal(driver.pending, 1, 'exactly one wake-up armed');
  off();
  driver.advance(40); // the armed wake-up fires once more, then nothing
  const t = driver.timeouts;
  driver.advance(1000);
  assert.equal(driver.timeouts, t, 'asleep');
  assert.equal(driver.pending, 0);
  clock.stop();
});
