/**
 * The OpenAPI registry and routes: /openapi.json is OpenAPI 3.1 generated from the zod schemas,
 * later route groups register into the same document, and /docs renders it as a self-contained page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { createLogger, GatewayMetrics } from '../../observability/index.ts';
import { createApp } from '../app.ts';
import { DeadLetterQueue } from '../webhooks/dead-letter-queue.ts';
import { ApiDocs, openApiPath } from './registry.ts';

type Json = Record<string, any>;
const logger = createLogger('silent');
const health = () => ({ sip_trunks: 0, sip_server: false, active_calls: 0 });

function appWithCalls() {
  const docs = new ApiDocs({ title: 'Patchbay API', version: '0.1.0' });
  // What gateway/calls will do: register its operations with its own zod schemas.
  docs.add(
    {
      method: 'post', path: '/v1/calls', tags: ['calls'], summary: 'Create an outbound call',
      body: z.object({ to: z.string().meta({ description: 'Destination number or SIP address' }), from: z.string(), trunk: z.string().default('default') }),
      responses: { 201: { description: 'Dialing', schema: z.object({ call_id: z.string(), status: z.literal('dialing'), ws_url: z.string() }) } },
    },
    {
      method: 'delete', path: '/v1/calls/:call_id', tags: ['calls'], summary: 'Hang up',
      params: z.object({ call_id: z.string().meta({ description: 'Call identifier' }) }),
      responses: { 204: { description: 'Hung up' }, 404: { description: 'Call not found', schema: z.object({ message: z.string() }) } },
    },
  );
  return createApp({ logger, metrics: new GatewayMetrics(), health, docs, deadLetters: new DeadLetterQueue({ logger }) });
}

async function document(): Promise<Json> {
  const r = await appWithCalls().request('/openapi.json');
  assert.equal(r.status, 200);
  return (await r.json()) as Json;
}

test('/openapi.json is an OpenAPI 3.1 document with the webhook DLQ routes, bearer-protected', async () => {
  const doc = await document();
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(doc.info.title, 'Patchbay API');
  assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: 'auth.api_key, when configured' });
  const get = doc.paths['/v1/webhooks/failures'].get;
  assert.deepEqual(get.security, [{ bearerAuth: [] }]);
  const item = get.responses['200'].content['application/json'].schema.properties.failures.items;
  assert.deepEqual(item.required.sort(), ['attempts', 'error', 'event', 'timestamp']);
  assert.deepEqual(get.responses['401'].content['application/json'].schema, { $ref: '#/components/schemas/Error' });
  assert.ok(get.responses['429']);
  assert.deepEqual(doc.paths['/v1/webhooks/failures'].delete.responses['200'].content['application/json'].schema.required, ['drained']);
  assert.deepEqual(doc.components.schemas.Error.required, ['message']);
});

test('public routes are documented with no security requirement', async () => {
  const doc = await document();
  for (const p of ['/health', '/metrics', '/openapi.json', '/docs']) assert.deepEqual(doc.paths[p].get.security, [], p);
  assert.deepEqual(doc.paths['/health'].get.responses['200'].content['application/json'].schema.properties.status.enum, ['ok', 'starting']);
});

test('route groups registered later (calls) appear with path parameters, request bodies and 400s', async () => {
  const doc = await document();
  const create = doc.paths['/v1/calls'].post;
  const body = create.requestBody.content['application/json'].schema;
  assert.deepEqual(body.required, ['to', 'from'], 'input schema: a defaulted field is optional');
  assert.equal(body.properties.to.description, 'Destination number or SIP address');
  assert.ok(create.responses['400'] && create.responses['201']);
  const del = doc.paths['/v1/calls/{call_id}'].delete;
  assert.deepEqual(del.parameters, [{ name: 'call_id', in: 'path', required: true, description: 'Call identifier', schema: { type: 'string' } }]);
  assert.equal(new Set(Object.values(doc.paths as Record<string, Json>).flatMap((p) => Object.values(p).map((o: Json) => o.operationId))).size, 8, 'operation ids are unique');
});

test('the webhooks the gateway sends are documented (/incoming and its answer, lifecycle events)', async () => {
  const doc = await document();
  const incoming = doc.webhooks.incoming.post;
  assert.deepEqual(incoming.requestBody.content['application/json'].schema.required.sort(), ['call_id', 'direction', 'from', 'to']);
  assert.deepEqual(incoming.responses['200'].content['application/json'].schema.properties.action.enum, ['accept', 'reject']);
  const events = doc.webhooks.lifecycle.post.requestBody.content['application/json'].schema.oneOf ?? doc.webhooks.lifecycle.post.requestBody.content['application/json'].schema.anyOf;
  assert.deepEqual(events.map((e: Json) => e.properties.event.const), ['call.ringing', 'call.answered', 'call.ended', 'call.dtmf', 'call.hold', 'call.resumed', 'call.play_finished']);
});

test('registering the same operation twice is a programming error', () => {
  const docs = new ApiDocs();
  const op = { method: 'get' as const, path: '/v1/x', summary: 'x', responses: { 200: { description: 'ok' } } };
  docs.add(op);
  assert.throws(() => docs.add(op), /GET \/v1\/x registered twice/);
  assert.equal(openApiPath('/v1/calls/:call_id/play/:play_id'), '/v1/calls/{call_id}/play/{play_id}');
});

test('/docs is a self-contained HTML page listing every operation and webhook', async () => {
  const r = await appWithCalls().request('/docs');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type')!, /^text\/html/);
  assert.match(r.headers.get('content-security-policy')!, /default-src 'none'/);
  const html = await r.text();
  for (const s of ['/v1/webhooks/failures', '/v1/calls/{call_id}', '/health', 'webhook: incoming', 'call.play_finished', 'Destination number or SIP address']) {
    assert.ok(html.includes(s), s);
  }
  assert.doesNotMatch(html, /<script|<link|\bsrc=|@import/i, 'no external resources');
});

test('/docs escapes text taken from schemas', async () => {
  const docs = new ApiDocs({ title: '<b>x</b>', version: '1' });
  docs.add({ method: 'get', path: '/v1/y', summary: '<img src=x onerror=alert(1)>', responses: { 200: { description: 'ok' } } });
  const html = await (await createApp({ logger, metrics: new GatewayMetrics(), health, docs }).request('/docs')).text();
  assert.ok(!html.includes('<img'));
  assert.ok(html.includes('&lt;img src=x'));
});
