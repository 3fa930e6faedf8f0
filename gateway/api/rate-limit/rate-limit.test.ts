/** Token bucket and the rate-limit middleware, driven by a fake clock: burst, 429 + Retry-After, refill, per-caller buckets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { Counter, Registry } from 'prom-client';
import { createLogger } from '../../observability/index.ts';
import { errorHandler } from '../errors/error-handler.ts';
import type { AuthEnv } from '../auth/bearer-auth.ts';
import { rateLimit } from './rate-limit.ts';
import { TokenBucket } from './token-bucket.ts';

test('a bucket allows a burst of `burst`, then refills at `rate` per second', () => {
  let now = 0;
  const b = new TokenBucket(10, 10, () => now);
  for (let i = 0; i < 10; i++) assert.equal(b.take().ok, true, `take ${i}`);
  const empty = b.take();
  assert.equal(empty.ok, false);
  assert.ok(!empty.ok && Math.abs(empty.retryAfterMs - 100) < 1e-9);
  now += 100;
  assert.equal(b.take().ok, true);
  assert.equal(b.take().ok, false);
  now += 10_000;
  assert.equal(b.isFull(), true);
});

function limited(rps: number) {
  let now = 1000;
  const rejections = new Counter({ name: 'rejections', help: 'x', registers: [new Registry()] });
  const app = new Hono<AuthEnv>();
  app.use('*', async (c, next) => {
    const who = c.req.header('X-Test-Principal');
    if (who) c.set('principal', who);
    await next();
  });
  app.use('*', rateLimit({ requestsPerSecond: rps, rejections, now: () => now }));
  app.get('/x', (c) => c.json({ ok: true }));
  app.onError(errorHandler(createLogger('silent')));
  return { app, advance: (ms: number) => (now += ms), rejected: async () => (await rejections.get()).values[0]!.value };
}

test('after a burst of one second\'s worth, 429 {"message": "Too many requests"} with Retry-After, counted', async () => {
  const { app, advance, rejected } = limited(3);
  for (let i = 0; i < 3; i++) assert.equal((await app.request('/x')).status, 200);
  const r = await app.request('/x');
  assert.equal(r.status, 429);
  assert.deepEqual(await r.json(), { message: 'Too many requests' });
  assert.equal(r.headers.get('retry-after'), '1');
  assert.equal(await rejected(), 1);
  advance(340);
  assert.equal((await app.request('/x')).status, 200, 'one token back after 1/3 s');
  assert.equal((await app.request('/x')).status, 429);
  assert.equal(await rejected(), 2);
});

test('Retry-After rounds up to whole seconds for slow rates', async () => {
  const { app } = limited(0.25);
  assert.equal((await app.request('/x')).status, 200);
  const r = await app.request('/x');
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '4');
});

test('each principal has its own bucket', async () => {
  const { app } = limited(1);
  const as = (who: string) => app.request('/x', { headers: { 'X-Test-Principal': who } });
  assert.equal((await as('key:a')).status, 200);
  assert.equal((await as('key:a')).status, 429);
  assert.equal((await as('key:b')).status, 200);
  assert.equal((await app.request('/x')).status, 200, 'no principal: keyed by client address');
});
