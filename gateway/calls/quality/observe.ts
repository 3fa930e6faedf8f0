/**
 * Puts a finished call's per-leg quality (the `quality` of each CDR leg) into the three Prometheus
 * histograms: patchbay_call_jitter_ms, patchbay_call_packet_loss_ratio and patchbay_call_mos. Each
 * takes one label, `leg_kind` ('sip' | 'webrtc'), to keep cardinality low. Legs without quality
 * (no network media) are skipped. CallRegistry calls this for every call as it ends.
 */
import type { LegQuality } from './leg-quality.ts';

/** One histogram labelled by leg kind (prom-client's Histogram<'leg_kind'> fits). */
export interface LegKindHistogram {
  observe(labels: { leg_kind: string }, value: number): void;
}

/** The quality histograms (GatewayMetrics fits); each is optional so tests can pass just one. */
export interface CallQualityMetrics {
  callJitter?: LegKindHistogram;
  callPacketLoss?: LegKindHistogram;
  callMos?: LegKindHistogram;
}

/** A CDR leg as far as observing it goes. */
export interface QualityLeg {
  kind: string;
  quality: LegQuality | null;
}

/** Observe every leg that has quality figures; returns how many were observed. */
export function observeCallQuality(legs: readonly (QualityLeg | null | undefined)[], metrics: CallQualityMetrics): number {
  let observed = 0;
  for (const leg of legs) {
    const q = leg?.quality;
    if (!q) continue;
    // prom-client throws on a non-finite value, and this runs inside call teardown: skip such legs.
    if (![q.jitterMs, q.lossRatio, q.mos].every(Number.isFinite)) continue;
    const labels = { leg_kind: leg.kind };
    metrics.callJitter?.observe(labels, q.jitterMs);
    metrics.callPacketLoss?.observe(labels, q.lossRatio);
    metrics.callMos?.observe(labels, q.mos);
    observed++;
  }
  return observed;
}
