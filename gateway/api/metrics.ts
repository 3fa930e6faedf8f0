/** GET /metrics — Prometheus text exposition of the gateway's registry (public). */
import { Hono } from 'hono';
import { z } from 'zod';
import type { Registry } from 'prom-client';
import type { ApiDocs } from './openapi/registry.ts';

export function metricsRoutes(registry: Registry, docs?: ApiDocs): Hono {
  docs?.add({
    method: 'get', path: '/metrics', tags: ['meta'], summary: 'Prometheus metrics (public)',
    responses: { 200: { description: 'Prometheus text format 0.0.4', contentType: 'text/plain', schema: z.string() } },
  });
  return new Hono().get('/metrics', async (c) => {
    const body = await registry.metrics();
    return c.body(body, 200, { 'Content-Type': registry.contentType });
  });
}
