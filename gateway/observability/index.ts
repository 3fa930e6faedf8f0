/** Public face of gateway/observability: logger and metrics. */
export { createLogger, type Logger } from './logger.ts';
export { GatewayMetrics } from './metrics.ts';
