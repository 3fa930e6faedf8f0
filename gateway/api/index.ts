/** Public face of gateway/api: the app, its building blocks for route groups, the webhooks, and call control (REST + bot WebSocket). */
export { createApp, PROTECTED_PATHS, type AppDeps } from './app.ts';
export type { HealthStatus } from './health.ts';
export { ApiError, type ApiErrorOptions } from './errors/api-error.ts';
export { errorHandler, notFound } from './errors/error-handler.ts';
export { jsonBody, type JsonBodyEnv } from './validation/json-body.ts';
export { formatIssues, requiredMessages } from './validation/format-issues.ts';
export { bearerAuth, bearerFailure, principalOf, tokensEqual, type AuthEnv, type BearerAuthOptions } from './auth/bearer-auth.ts';
export { rateLimit, type RateLimitOptions } from './rate-limit/rate-limit.ts';
export { RateLimiter, type RateDecision } from './rate-limit/rate-limiter.ts';
export { TokenBucket } from './rate-limit/token-bucket.ts';
export { ApiDocs, errorSchema, jsonSchema, openApiPath, type OperationDoc, type WebhookDoc, type ResponseDoc, type ApiInfo, type HttpMethod } from './openapi/registry.ts';
export * from './webhooks/index.ts';
export * from './calls/index.ts';
export { demoPageRoutes, demoPrefill, type DemoPageOptions } from './demo-page.ts';
