/** JSON errors: ApiError status and headers, zod and Hono errors, unexpected errors (500, logged), unknown routes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { createLogger } from '../../observability/index.ts';
import { ApiError } from './api-error.ts';
import { errorHandler, notFound } from './error-handler.ts';
import { logSink } from '../testing/webhook-receiver.ts';

function app() {
  const sink = logSink();
  const a = new Hono()
    .get('/missing', () => {
      throw new ApiError(404, 'Call not found');
    })
    .get('/busy', () => {
      throw new ApiError(503, 'No SIP trunk connected', { headers: { 'Retry-After': '5' } });
    })
    .get('/zod', (c) => c.json(z.object({ to: z.string() }).parse({ to: 7 })))
    .get('/hono', () => {
      throw new HTTPException(413, { message: 'Payload too large' });
    })
    .get('/bug', () => {
      throw new TypeError('secret internals');
    });
  a.notFound(notFound);
  a.onError(errorHandler(createLogger('error', sink.stream)));
  return { a, logs: sink.lines };
}

test('ApiError answers its status with {"message"} and its headers', async () => {
  const { a } = app();
  const r = await a.request('/missing');
  assert.equal(r.status, 404);
  assert.match(r.headers.get('content-type')!, /application\/json/);
  assert.deepEqual(await r.json(), { message: 'Call not found' });
  const b = await a.request('/busy');
  assert.equal(b.status, 503);
  assert.equal(b.headers.get('retry-after'), '5');
  assert.deepEqual(await b.json(), { message: 'No SIP trunk connected' });
});

test('an ApiError is an Error a caller can branch on by status', () => {
  const e = new ApiError(422, 'Peer has no host');
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'ApiError');
  assert.equal(e.status, 422);
});

test('a thrown ZodError is a 400 naming the field; an HTTPException keeps its status', async () => {
  const { a } = app();
  const r = await a.request('/zod');
  assert.equal(r.status, 400);
  assert.match(((await r.json()) as { message: string }).message, /^to: /);
  const h = await a.request('/hono');
  assert.equal(h.status, 413);
  assert.deepEqual(await h.json(), { message: 'Payload too large' });
});

test('an unexpected error is a 500 without details, and is logged', async () => {
  const { a, logs } = app();
  const r = await a.request('/bug');
  assert.equal(r.status, 500);
  assert.deepEqual(await r.json(), { message: 'Internal server error' });
  assert.ok(logs().some((l) => l.msg === 'unhandled HTTP error' && JSON.stringify(l.err).includes('secret internals')));
});

test('an unknown route is a JSON 404', async () => {
  const { a } = app();
  const r = await a.request('/nope', { method: 'POST' });
  assert.equal(r.status, 404);
  assert.deepEqual(await r.json(), { message: 'Not found: POST /nope' });
});
