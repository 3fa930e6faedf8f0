/** GET /metrics — Prometheus text exposition of the gateway's registry (public). */
import { Hono } from 'hono';
import type { Registry } from 'prom-client';

export function metricsRoutes(registry: Registry): Hono {
  return new Hono().get('/metrics', async (c) => {
    const body = await registry.metrics();
    return c.body(body, 200, { 'Content-Type': registry.contentType });
  });
}
