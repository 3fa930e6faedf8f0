/**
 * The HTTP application, assembled as a table of contents: request metrics; bearer auth and rate
 * limit in front of the bot API (/v1/*, /ws/*); public /health, /metrics, /openapi.json, /docs;
 * the webhook dead-letter queue; the demo phone at /; route groups built elsewhere (calls, pages);
 * JSON errors.
 */
import { Hono } from 'hono';
import type { GatewayMetrics, Logger } from '../observability/index.ts';
import { healthRoutes, type HealthStatus } from './health.ts';
import { metricsRoutes } from './metrics.ts';
import { requestMetrics } from './request-metrics.ts';
import { bearerAuth } from './auth/bearer-auth.ts';
import { rateLimit } from './rate-limit/rate-limit.ts';
import type { RateLimiter } from './rate-limit/rate-limiter.ts';
import { errorHandler, notFound } from './errors/error-handler.ts';
import { ApiDocs } from './openapi/registry.ts';
import { openApiRoutes } from './openapi/routes.ts';
import { webhookFailureRoutes } from './webhooks/failures-routes.ts';
import type { DeadLetterQueue } from './webhooks/dead-letter-queue.ts';
import { demoPageRoutes, type DemoPageOptions } from './demo-page.ts';

/** Paths behind auth and the rate limit (the xbridge bot API). */
export const PROTECTED_PATHS = ['/v1/*', '/ws/*'] as const;

export interface AppDeps {
  logger: Logger;
  metrics: GatewayMetrics;
  health: () => HealthStatus;
  /** `auth.api_key`: when set, /v1/* and /ws/* need `Authorization: Bearer <key>`. Default: open. */
  apiKey?: string;
  /**
   * `rate_limit.requests_per_second` per caller, and a clock (ms) for tests; or `{ limiter }` to
   * share one limiter with the /ws upgrades. Default: no limit.
   */
  rateLimit?: { requestsPerSecond?: number; now?: () => number } | { limiter: RateLimiter };
  /** The webhook DLQ behind /v1/webhooks/failures. Default: those routes are not mounted. */
  deadLetters?: DeadLetterQueue;
  /** OpenAPI registry, shared with route groups built outside (calls). Default: a new one. */
  docs?: ApiDocs;
  /** The demo phone at / (and /assets/*); false leaves it out. Default: mounted, form empty. */
  demoPage?: DemoPageOptions | false;
  /** Extra route groups mounted at the root (calls, pages, SIP info…). */
  extra?: Hono[];
}

export function createApp({ logger, metrics, health, apiKey, rateLimit: rl, deadLetters, docs = new ApiDocs(), demoPage = {}, extra = [] }: AppDeps): Hono {
  const app = new Hono();
  app.use('*', requestMetrics(metrics));
  const guards = [
    ...(apiKey ? [bearerAuth({ apiKey })] : []),
    ...(rl && 'limiter' in rl
      ? [rateLimit({ limiter: rl.limiter })]
      : rl?.requestsPerSecond
        ? [rateLimit({ requestsPerSecond: rl.requestsPerSecond, now: rl.now, rejections: metrics.rateLimitRejectionsTotal })]
        : []),
  ];
  for (const path of PROTECTED_PATHS) for (const guard of guards) app.use(path, guard);
  app.route('/', healthRoutes(health, docs));
  app.route('/', metricsRoutes(metrics.registry, docs));
  app.route('/', openApiRoutes(docs));
  if (deadLetters) app.route('/', webhookFailureRoutes({ deadLetters, docs }));
  if (demoPage) app.route('/', demoPageRoutes(demoPage));
  for (const group of extra) app.route('/', group);
  app.notFound(notFound);
  app.onError(errorHandler(logger));
  return app;
}
