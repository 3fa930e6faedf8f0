/** Public face of gateway/api. */
export { createApp, type AppDeps } from './app.ts';
export type { HealthStatus } from './health.ts';
