/**
 * The Prometheus registry of one gateway instance: process metrics plus every xbridge metric under
 * `patchbay_` names, and per-leg media quality at call end (jitter, loss ratio, MOS estimate;
 * labelled `leg_kind` = 'sip' | 'webrtc'). Each Gateway owns its own registry so tests can run
 * several in one process. Who feeds what: the `producer` notes on each field.
 */
import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';

export class GatewayMetrics {
  readonly registry = new Registry();
  /** Producer: CallRegistry.add (gateway/calls/registry.ts). */
  readonly callsTotal = new Counter({ name: 'patchbay_calls_total', help: 'Total calls processed', labelNames: ['direction'] as const, registers: [this.registry] });
  /** Producer: CallRegistry add / call end. */
  readonly activeCalls = new Gauge({ name: 'patchbay_active_calls', help: 'Currently active calls', registers: [this.registry] });
  /** Producer: requestMetrics middleware (gateway/api/request-metrics.ts). */
  readonly httpRequestsTotal = new Counter({ name: 'patchbay_http_requests_total', help: 'Total HTTP requests', registers: [this.registry] });
  /** Producer: countSocket on bot `/ws/*` upgrades (gateway/api/calls/ws-metrics.ts); connect-out streams via CallService `onStreamCount`. */
  readonly wsConnections = new Gauge({ name: 'patchbay_ws_connections', help: 'Active WebSocket connections', registers: [this.registry] });
  /** Producer: countSocket on bot `/ws/*` upgrades only; connect-out (dialStream) sockets are not counted yet. */
  readonly wsFramesTotal = new Counter({ name: 'patchbay_ws_frames_total', help: 'WebSocket frames processed', labelNames: ['direction'] as const, registers: [this.registry] });
  /** Producer: WebhookSender (gateway/api/webhooks/sender.ts). */
  readonly webhooksTotal = new Counter({ name: 'patchbay_webhooks_total', help: 'Total webhook deliveries', labelNames: ['result'] as const, registers: [this.registry] });
  /** Producer: B2bua on calls from trunk-host peers (gateway/calls/b2bua.ts). */
  readonly trunkCallsTotal = new Counter({ name: 'patchbay_trunk_calls_total', help: 'Total calls from trunk host peers', registers: [this.registry] });
  /** Producer: rateLimit middleware (gateway/api/rate-limit/rate-limit.ts, via createApp). */
  readonly rateLimitRejectionsTotal = new Counter({ name: 'patchbay_rate_limit_rejections_total', help: 'HTTP requests rejected by rate limiter', registers: [this.registry] });
  /** Producer: CallRegistry at call end (answered calls only). */
  readonly callDuration = new Histogram({ name: 'patchbay_call_duration_seconds', help: 'Call duration', buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600], registers: [this.registry] });
  /** Producer: requestMetrics middleware. */
  readonly httpRequestDuration = new Histogram({ name: 'patchbay_http_request_duration_seconds', help: 'HTTP request duration', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });
  /** Producer: WebhookSender, per attempt. */
  readonly webhookDuration = new Histogram({ name: 'patchbay_webhook_duration_seconds', help: 'Webhook delivery duration', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });

  // Per-call media quality (not in the xbridge reference). Producer: CallRegistry at call end,
  // one observation per network leg that received media (gateway/calls/quality/observe.ts).
  readonly callJitter = new Histogram({
    name: 'patchbay_call_jitter_ms',
    help: 'RFC 3550 interarrival jitter of each network leg\'s stream toward the gateway at call end (ms)',
    labelNames: ['leg_kind'] as const,
    buckets: [1, 2, 5, 10, 20, 30, 50, 75, 100, 200],
    registers: [this.registry],
  });
  readonly callPacketLoss = new Histogram({
    name: 'patchbay_call_packet_loss_ratio',
    help: 'Packets lost / expected of each network leg\'s stream toward the gateway at call end (0..1)',
    labelNames: ['leg_kind'] as const,
    buckets: [0, 0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5],
    registers: [this.registry],
  });
  readonly callMos = new Histogram({
    name: 'patchbay_call_mos',
    help: 'E-model (ITU-T G.107) MOS estimate of each network leg\'s stream at call end (narrowband scale; a flawless stream scores 4.40)',
    labelNames: ['leg_kind'] as const,
    buckets: [1.5, 2, 2.5, 3, 3.5, 3.6, 4, 4.2, 4.3, 4.4, 4.5],
    registers: [this.registry],
  });

  constructor() {
    // Event-loop lag sampled every 100 ms (prom-client's 10 ms default woke an idle gateway 200
    // times a second; media timing has its own lateness figures from the MediaClock).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
    // Counters with labels appear in /metrics from the start, at zero.
    for (const d of ['inbound', 'outbound']) this.callsTotal.inc({ direction: d }, 0);
    for (const d of ['sent', 'received']) this.wsFramesTotal.inc({ direction: d }, 0);
    for (const r of ['success', 'failure']) this.webhooksTotal.inc({ result: r }, 0);
    // So do the quality histograms, for the leg kinds gateway/calls/quality observes (NETWORK_LEG_KINDS).
    for (const k of ['sip', 'webrtc']) for (const h of [this.callJitter, this.callPacketLoss, this.callMos]) h.zero({ leg_kind: k });
  }
}
