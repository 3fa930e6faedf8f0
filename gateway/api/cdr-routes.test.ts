/** Tests for GET /v1/cdrs: lists the registry's records and sits behind bearer auth. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from './app.ts';
import { cdrRoutes } from './cdr-routes.ts';
import { GatewayMetrics, createLogger } from '../observability/index.ts';
import type { CallDetailRecord } from '../calls/index.ts';

const record = { callId: 'c1', from: '1001', to: 'echo', bridgeMode: 'passthrough' } as unknown as CallDetailRecord;

test('GET /v1/cdrs lists the records; 401 without the key when auth is on', async () => {
  const app = createApp({
    logger: createLogger('silent'),
    metrics: new GatewayMetrics(),
    health: () => ({ sip_trunks: 0, sip_server: true, active_calls: 0 }),
    apiKey: 'k',
    demoPage: false,
    extra: [cdrRoutes(() => [record])],
  });
  const denied = await app.request('/v1/cdrs');
  assert.equal(denied.status, 401);
  const res = await app.request('/v1/cdrs', { headers: { Authorization: 'Bearer k' } });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { cdrs: Array<{ callId: string; bridgeMode: string }> };
  assert.deepEqual(body.cdrs.map((c) => [c.callId, c.bridgeMode]), [['c1', 'passthrough']]);
});
