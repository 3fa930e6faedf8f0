/**
 * CallRegistry: lookup, the call limit, calls leaving as they end, the bounded ring of records,
 * and the Prometheus figures it keeps (on a real GatewayMetrics registry).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MediaClock } from '../../media/index.ts';
import { ManualClockDriver } from '../../media/clock-manual.ts';
import { GatewayMetrics } from '../observability/index.ts';
import { Call } from './call.ts';
import { CallRegistry } from './registry.ts';
import { FakeCallLeg } from './testing/fake-call-leg.ts';

function makeCall(id: string, clock: MediaClock, driver: ManualClockDriver, direction: 'inbound' | 'outbound' = 'inbound'): Call {
  return new Call({ id, a: new FakeCallLeg({ id: `${id}-a` }), from: 'x', to: 'y', direction, clock, timers: driver });
}

async function metric(metrics: GatewayMetrics, name: string): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(name));
}

describe('CallRegistry', () => {
  test('tracks calls until they end, refuses beyond the limit, keeps a bounded ring of records, counts metrics', async () => {
    const driver = new ManualClockDriver();
    const clock = new MediaClock({ driver });
    const metrics = new GatewayMetrics();
    const records: string[] = [];
    const registry = new CallRegistry({ maxCalls: 2, cdrLimit: 3, metrics, onRecord: (c) => records.push(c.callId) });
    const c1 = makeCall('c1', clock, driver);
    const c2 = makeCall('c2', clock, driver, 'outbound');
    registry.add(c1);
    registry.add(c2);
    assert.equal(registry.full, true);
    assert.throws(() => registry.add(makeCall('c3', clock, driver)), RangeError);
    assert.equal(registry.get('c2'), c2);
    assert.deepEqual(registry.list().map((c) => c.id), ['c1', 'c2']);
    assert.deepEqual(await metric(metrics, 'patchbay_active_calls'), ['patchbay_active_calls 2']);
    assert.deepEqual(await metric(metrics, 'patchbay_calls_total{'), [
      'patchbay_calls_total{direction="inbound"} 1',
      'patchbay_calls_total{direction="outbound"} 1',
    ]);
    c1.reject(404);
    assert.equal(registry.size, 1);
    assert.equal(registry.get('c1'), undefined);
    assert.equal(registry.record('c1')?.endReason, 'rejected');
    for (let i = 0; i < 4; i++) {
      const c = makeCall(`n${i}`, clock, driver);
      registry.add(c);
      c.hangup();
    }
    c2.hangup();
    assert.equal(registry.size, 0);
    assert.deepEqual(records, ['c1', 'n0', 'n1', 'n2', 'n3', 'c2']);
    assert.deepEqual(registry.records().map((r) => r.callId), ['n2', 'n3', 'c2']);
    assert.deepEqual(registry.getStats(), { active: 0, maxCalls: 2, total: 6, records: 3, refused: 1 });
    assert.deepEqual(await metric(metrics, 'patchbay_active_calls'), ['patchbay_active_calls 0']);
    // Only answered calls have a duration.
    assert.deepEqual(await metric(metrics, 'patchbay_call_duration_seconds_count'), ['patchbay_call_duration_seconds_count 0']);
    assert.equal(c2.listenerCount('ended'), 0);
  });
});
