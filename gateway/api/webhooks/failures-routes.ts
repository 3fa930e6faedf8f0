/**
 * The dead-letter queue over HTTP: GET /v1/webhooks/failures lists it, DELETE drains it. Also
 * registers the webhooks the gateway sends (/incoming and lifecycle events) in the API docs, since
 * this is the webhook concern's one route group.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDocs } from '../openapi/registry.ts';
import { webhookFailureSchema, type DeadLetterQueue } from './dead-letter-queue.ts';
import { incomingCallSchema, incomingResponseSchema, lifecycleEventSchema } from './events.ts';

export interface WebhookFailureRoutesOptions {
  /** The queue to expose. Required. */
  deadLetters: DeadLetterQueue;
  /** Registry to document the routes and the webhooks in. Required. */
  docs: ApiDocs;
}

const failuresSchema = z.object({ failures: z.array(webhookFailureSchema) });
const drainedSchema = z.object({ drained: z.number().int().nonnegative().meta({ description: 'Entries removed' }) });

export function webhookFailureRoutes({ deadLetters, docs }: WebhookFailureRoutesOptions): Hono {
  docs.add(
    {
      method: 'get', path: '/v1/webhooks/failures', tags: ['webhooks'],
      summary: 'List webhook deliveries that exhausted their retries (dead-letter queue, oldest first)',
      responses: { 200: { description: 'The dead-letter queue', schema: failuresSchema } },
    },
    {
      method: 'delete', path: '/v1/webhooks/failures', tags: ['webhooks'],
      summary: 'Drain (clear) the dead-letter queue',
      responses: { 200: { description: 'How many entries were removed', schema: drainedSchema } },
    },
  );
  docs.addWebhook(
    {
      name: 'incoming', path: '/incoming', summary: 'A new inbound call: accept or reject it',
      description: 'Signed with X-Patchbay-Timestamp and X-Patchbay-Signature (v1=hex HMAC-SHA256 of "{timestamp}.{body}").',
      body: incomingCallSchema,
      responses: { 200: { description: 'Your decision; a non-2xx, a timeout or an invalid body rejects the call', schema: incomingResponseSchema } },
    },
    {
      name: 'lifecycle', path: '/', summary: 'Call lifecycle events, in order per call',
      description: 'Retried webhook.retry times (100ms·2^(n-1) + 0..50ms jitter); then stored in the dead-letter queue.',
      body: lifecycleEventSchema,
      responses: { 200: { description: 'Any 2xx acknowledges the event; the body is ignored' } },
    },
  );
  return new Hono()
    .get('/v1/webhooks/failures', (c) => c.json(failuresSchema.parse({ failures: deadLetters.list() })))
    .delete('/v1/webhooks/failures', (c) => c.json({ drained: deadLetters.drain() }));
}
