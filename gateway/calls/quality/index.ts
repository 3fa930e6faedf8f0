/**
 * Public face of gateway/calls/quality: per-call media quality. The E-model MOS estimator (mos.ts),
 * the per-leg figures each CDR carries (leg-quality.ts), and the histograms they feed at call
 * end (observe.ts).
 */
export {
  estimateQuality,
  codecImpairment,
  effectiveLatencyMs,
  delayImpairment,
  effectiveEquipmentImpairment,
  rToMos,
  R_MAX,
  CODEC_IMPAIRMENT,
  type CodecImpairment,
  type QualityInput,
  type QualityEstimate,
} from './mos.ts';
export { legQuality, isNetworkLegKind, NETWORK_LEG_KINDS, type LegQuality, type LegQualityInput, type NetworkLegKind } from './leg-quality.ts';
export { observeCallQuality, type CallQualityMetrics, type LegKindHistogram, type QualityLeg } from './observe.ts';
