/** jsonBody: invalid JSON → 400 "Invalid JSON body"; schema errors → 400 naming each field; valid → parsed value. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { z } from 'zod';
import { createLogger } from '../../observability/index.ts';
import { errorHandler } from '../errors/error-handler.ts';
import { jsonBody } from './json-body.ts';

const createCall = z.object({
  to: z.string().min(1),
  from: z.string().min(1),
  trunk: z.string().default('default'),
  stream: z.boolean().optional(),
  opts: z.object({ digits: z.string().regex(/^[0-9*#]+$/) }).optional(),
});

const app = new Hono().post('/v1/calls', jsonBody(createCall), (c) => {
  const body = c.get('body');
  return c.json({ to: body.to, trunk: body.trunk });
});
app.onError(errorHandler(createLogger('silent')));

const post = (body: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
  app.request('/v1/calls', { method: 'POST', body, headers });
const message = async (r: Response) => ((await r.json()) as { message: string }).message;

test('a valid body reaches the handler parsed, with defaults applied', async () => {
  const r = await post('{"to":"+15551234567","from":"+15559876543"}');
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { to: '+15551234567', trunk: 'default' });
});

test('the Content-Type is not required: the body is what counts', async () => {
  const r = await post('{"to":"1","from":"2"}', {});
  assert.equal(r.status, 200);
});

test('unparseable JSON → 400 "Invalid JSON body"', async () => {
  for (const body of ['{"to":', '', 'to=1&from=2', '{to: "1"}']) {
    const r = await post(body);
    assert.equal(r.status, 400, body);
    assert.equal(await message(r), 'Invalid JSON body');
  }
});

test('a missing field → 400 "to: Required"', async () => {
  const r = await post('{"from":"+15559876543"}');
  assert.equal(r.status, 400);
  assert.equal(await message(r), 'to: Required');
});

test('every failing field is named, nested ones by their dotted path', async () => {
  const r = await post('{"to":5,"stream":"yes","opts":{"digits":"12a"}}');
  assert.equal(r.status, 400);
  const m = await message(r);
  assert.match(m, /^to: Invalid input: expected string, received number/);
  assert.match(m, /; from: Required/);
  assert.match(m, /; stream: Invalid input: expected boolean/);
  assert.match(m, /; opts\.digits: /);
});

test('a body that is not an object → 400 with the top-level message', async () => {
  const r = await post('[1,2]');
  assert.equal(r.status, 400);
  assert.match(await message(r), /expected object, received array/);
});
