/**
 * The Prometheus registry of one gateway instance: process metrics plus every xbridge metric under
 * `patchbay_` names. Each Gateway owns its own registry so tests can run several in one process.
 */
import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly callsTotal = new Counter({ name: 'patchbay_calls_total', help: 'Total calls processed', labelNames: ['direction'] as const, registers: [this.registry] });
  readonly activeCalls = new Gauge({ name: 'patchbay_active_calls', help: 'Currently active calls', registers: [this.registry] });
  readonly httpRequestsTotal = new Counter({ name: 'patchbay_http_requests_total', help: 'Total HTTP requests', registers: [this.registry] });
  readonly wsConnections = new Gauge({ name: 'patchbay_ws_connections', help: 'Active WebSocket connections', registers: [this.registry] });
  readonly wsFramesTotal = new Counter({ name: 'patchbay_ws_frames_total', help: 'WebSocket frames processed', labelNames: ['direction'] as const, registers: [this.registry] });
  readonly webhooksTotal = new Counter({ name: 'patchbay_webhooks_total', help: 'Total webhook deliveries', labelNames: ['result'] as const, registers: [this.registry] });
  readonly trunkCallsTotal = new Counter({ name: 'patchbay_trunk_calls_total', help: 'Total calls from trunk host peers', registers: [this.registry] });
  readonly rateLimitRejectionsTotal = new Counter({ name: 'patchbay_rate_limit_rejections_total', help: 'HTTP requests rejected by rate limiter', registers: [this.registry] });
  readonly callDuration = new Histogram({ name: 'patchbay_call_duration_seconds', help: 'Call duration', buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600], registers: [this.registry] });
  readonly httpRequestDuration = new Histogram({ name: 'patchbay_http_request_duration_seconds', help: 'HTTP request duration', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });
  readonly webhookDuration = new Histogram({ name: 'patchbay_webhook_duration_seconds', help: 'Webhook delivery duration', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Counters with labels appear in /metrics from the start, at zero.
    for (const d of ['inbound', 'outbound']) this.callsTotal.inc({ direction: d }, 0);
    for (const d of ['sent', 'received']) this.wsFramesTotal.inc({ direction: d }, 0);
    for (const r of ['success', 'failure']) this.webhooksTotal.inc({ result: r }, 0);
  }
}
