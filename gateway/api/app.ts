/**
 * The HTTP application, assembled as a table of contents: request metrics, public health and
 * metrics, then JSON errors for everything unknown. Later issues mount /v1, /ws and / here.
 */
import { Hono } from 'hono';
import type { Logger } from '../observability/index.ts';
import type { GatewayMetrics } from '../observability/index.ts';
import { healthRoutes, type HealthStatus } from './health.ts';
import { metricsRoutes } from './metrics.ts';

export interface AppDeps {
  logger: Logger;
  metrics: GatewayMetrics;
  health: () => HealthStatus;
  /** Extra route groups mounted at the root (pages, SIP info…). */
  extra?: Hono[];
}

export function createApp({ logger, metrics, health, extra = [] }: AppDeps): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    const end = metrics.httpRequestDuration.startTimer();
    metrics.httpRequestsTotal.inc();
    await next();
    end();
  });
  app.route('/', healthRoutes(health));
  app.route('/', metricsRoutes(metrics.registry));
  for (const group of extra) app.route('/', group);
  app.notFound((c) => c.json({ message: `Not found: ${c.req.method} ${c.req.path}` }, 404));
  app.onError((err, c) => {
    logger.error({ err, path: c.req.path }, 'unhandled HTTP error');
    return c.json({ message: 'Internal server error' }, 500);
  });
  return app;
}
