/** Middleware counting every HTTP request (patchbay_http_requests_total) and timing it (…_duration_seconds). */
import { createMiddleware } from 'hono/factory';
import type { GatewayMetrics } from '../observability/index.ts';

export function requestMetrics(metrics: Pick<GatewayMetrics, 'httpRequestsTotal' | 'httpRequestDuration'>) {
  return createMiddleware(async (_c, next) => {
    const end = metrics.httpRequestDuration.startTimer();
    metrics.httpRequestsTotal.inc();
    try {
      await next();
    } finally {
      end();
    }
  });
}
