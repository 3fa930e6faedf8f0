/**
 * /v1/webhooks/failures through the assembled app: GET lists and DELETE drains the DLQ, behind the
 * bearer key when one is configured (401 without it); also end to end on a real socket, with a
 * sender dead-lettering into the same queue.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createLogger, GatewayMetrics } from '../../observability/index.ts';
import { createApp } from '../app.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { WebhookSender } from './sender.ts';
import { deadUrl } from '../testing/webhook-receiver.ts';

const logger = createLogger('silent');
const health = () => ({ sip_trunks: 0, sip_server: false, active_calls: 0 });

function build(apiKey?: string) {
  const deadLetters = new DeadLetterQueue({ logger });
  deadLetters.add({ event: { event: 'call.ended', call_id: 'abc', reason: 'normal', duration: 45 }, error: 'Connection refused', attempts: 2 });
  deadLetters.add({ event: { event: 'call.answered', call_id: 'def' }, error: 'HTTP 500', attempts: 2 });
  const app = createApp({ logger, metrics: new GatewayMetrics(), health, apiKey, deadLetters });
  return { app, deadLetters };
}

test('without auth.api_key: GET lists the failures, DELETE drains them', async () => {
  const { app } = build();
  const list = await app.request('/v1/webhooks/failures');
  assert.equal(list.status, 200);
  const { failures } = (await list.json()) as { failures: Record<string, unknown>[] };
  assert.equal(failures.length, 2);
  assert.deepEqual(failures[0]!.event, { event: 'call.ended', call_id: 'abc', reason: 'normal', duration: 45 });
  assert.equal(failures[0]!.error, 'Connection refused');
  assert.equal(failures[0]!.attempts, 2);
  assert.match(String(failures[0]!.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const del = await app.request('/v1/webhooks/failures', { method: 'DELETE' });
  assert.equal(del.status, 200);
  assert.deepEqual(await del.json(), { drained: 2 });
  assert.deepEqual(await (await app.request('/v1/webhooks/failures')).json(), { failures: [] });
  assert.deepEqual(await (await app.request('/v1/webhooks/failures', { method: 'DELETE' })).json(), { drained: 0 });
});

test('with auth.api_key: GET and DELETE need the bearer key (401 otherwise, and nothing is drained)', async () => {
  const { app, deadLetters } = build('topsecret');
  for (const method of ['GET', 'DELETE']) {
    const none = await app.request('/v1/webhooks/failures', { method });
    assert.equal(none.status, 401, method);
    assert.deepEqual(await none.json(), { message: 'Missing Authorization header' });
    const wrong = await app.request('/v1/webhooks/failures', { method, headers: { Authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401, method);
    assert.deepEqual(await wrong.json(), { message: 'Invalid API key' });
  }
  assert.equal(deadLetters.size, 2);
  const auth = { Authorization: 'Bearer topsecret' };
  const list = await app.request('/v1/webhooks/failures', { headers: auth });
  assert.equal(list.status, 200);
  assert.equal(((await list.json()) as { failures: unknown[] }).failures.length, 2);
  const del = await app.request('/v1/webhooks/failures', { method: 'DELETE', headers: auth });
  assert.deepEqual(await del.json(), { drained: 2 });
});

test('with auth.api_key: /health, /metrics, /openapi.json and /docs stay public; unknown /v1 and /ws paths are 401', async () => {
  const { app } = build('topsecret');
  for (const path of ['/health', '/metrics', '/openapi.json', '/docs']) assert.equal((await app.request(path)).status, 200, path);
  for (const path of ['/v1/calls', '/ws/abc']) assert.equal((await app.request(path)).status, 401, path);
  assert.equal((await app.request('/v1/nothing', { headers: { Authorization: 'Bearer topsecret' } })).status, 404);
});

test('without a DLQ the failure routes are not mounted (404)', async () => {
  const app = createApp({ logger, metrics: new GatewayMetrics(), health });
  assert.equal((await app.request('/v1/webhooks/failures')).status, 404);
});

let server: Server | undefined;
after(() => new Promise<void>((resolve) => (server ? (server.closeAllConnections(), server.close(() => resolve())) : resolve())));

test('end to end on 127.0.0.1: a failed delivery shows up in GET /v1/webhooks/failures, then 429 once the bucket is empty', async () => {
  const deadLetters = new DeadLetterQueue({ logger });
  const metrics = new GatewayMetrics();
  const sender = new WebhookSender({ url: await deadUrl(), retry: 0, deadLetters, logger });
  await sender.notify({ event: 'call.hold', call_id: 'h1' });
  let now = 0;
  const app = createApp({ logger, metrics, health, apiKey: 'k', rateLimit: { requestsPerSecond: 2, now: () => now }, deadLetters });
  server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = () => fetch(`${base}/v1/webhooks/failures`, { headers: { Authorization: 'Bearer k' } });
  const first = await get();
  assert.equal(first.status, 200);
  const { failures } = (await first.json()) as { failures: { event: unknown; error: string; attempts: number }[] };
  assert.deepEqual(failures.map((f) => [f.event, f.error, f.attempts]), [[{ event: 'call.hold', call_id: 'h1' }, 'Connection refused', 1]]);
  assert.equal((await get()).status, 200);
  const limited = await get();
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '1');
  assert.deepEqual(await limited.json(), { message: 'Too many requests' });
  assert.equal((await fetch(`${base}/health`)).status, 200, '/health is not rate limited');
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /^patchbay_rate_limit_rejections_total 1$/m);
  now += 500;
  assert.equal((await get()).status, 200, 'the bucket refills');
});
