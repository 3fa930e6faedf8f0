/**
 * A listening-quality estimate from network figures: the ITU-T G.107 E-model reduced to the terms
 * a media relay can measure, then its R-factor mapped to MOS (G.107 Annex B). Pure functions, no
 * state; used at call end for the CDR and the `patchbay_call_mos` histogram.
 *
 *   effective latency d = one-way delay + 2 × jitter + 10 ms        (jitter buffer + processing)
 *   Id      = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)               (Cole & Rosenbluth, "Voice
 *             over IP performance monitoring", ACM SIGCOMM CCR 31(2), 2001: G.107's Id fitted
 *             for echo-cancelled VoIP)
 *   Ie,eff  = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)            (G.107 §7.5; Ppl in %,
 *             BurstR = 1 for random loss, which is all RFC 3550 counters can tell us)
 *   R       = 93.2 − Id − Ie,eff                                    (Ro − Is with G.107 defaults; A = 0)
 *   MOS     = 1 + 0.035·R + 7·10⁻⁶·R·(R − 60)·(100 − R), clamped to 1…4.5
 *
 * This is the narrowband scale: its ceiling is R 93.2, MOS ≈ 4.41, whatever the codec (the fixed
 * 10 ms of processing latency keeps a flawless stream at 4.40). The wideband and super-wideband
 * E-models (G.107.1, G.107.2) rate G.722 and Opus higher, but their scales do not mix with G.711's. A single narrowband scale keeps every leg comparable, and the
 * figure is used as a network-health signal, not as a codec ranking. One-way delay is usually
 * unknown to us. It defaults to 0, so the estimate reflects jitter and loss as the gateway
 * measured them on its own hop.
 */

/** G.107 default Ro − Is: the R of a perfect narrowband connection. */
export const R_MAX = 93.2;

/** A codec's equipment impairment (Ie) and packet-loss robustness (Bpl) on the narrowband scale. */
export interface CodecImpairment {
  ie: number;
  /** Bpl when the receiver conceals lost packets (PLC). */
  bplPlc: number;
  /** Bpl when lost packets are played as gaps. */
  bplNoPlc: number;
}

/**
 * G.711 per ITU-T G.113 Appendix I (provisional planning values, random loss): Ie 0; Bpl 25.1
 * with packet-loss concealment (G.711 Appendix I), 4.3 without.
 */
const G711: CodecImpairment = { ie: 0, bplPlc: 25.1, bplNoPlc: 4.3 };

/**
 * Ie/Bpl by our codec name (codec-rates.ts `codecNameOf`), case-insensitive lookups via
 * `codecImpairment()`.
 */
export const CODEC_IMPAIRMENT: Readonly<Record<string, CodecImpairment>> = {
  PCMU: G711,
  PCMA: G711,
  /** Uncompressed PCM: nothing worse than G.711's companding. */
  L16: G711,
  /**
   * G.722 (64 kbit/s SB-ADPCM). G.113 Amd. 1 rates it only on the wideband scale (Ie,wb),
   * where it does better than G.711, so its impairment relative to G.711 on the narrowband
   * scale is 0. G.113 gives no narrowband Bpl for G.722, so this uses G.711's: both are
   * sample-based waveform codecs with little inter-frame memory to lose, and our decoder
   * conceals both with the same repeat-and-fade PLC (media/codecs/fade-plc.ts).
   */
  G722: G711,
  /**
   * Opus. ITU-T has no G.113 values for it. The empirical Ie/Bpl that exist (Alahmadi, Počta
   * & Melvin, "An Adaptive Bitrate Switching Algorithm for Speech Applications in Context of
   * WebRTC", ACM TOMM 17(4):133, 2021, doi:10.1145/3458751) are on the wideband and
   * super-wideband scales. At WebRTC bitrates (wideband or wider) Opus has no narrowband
   * impairment, so Ie is 0. Its decoder always conceals loss (built-in PLC, in-band FEC when
   * negotiated), so Opus is at least as loss-robust as G.711 with PLC. Bpl therefore takes
   * G.711+PLC's 25.1 as a conservative lower bound, with or without `plc`.
   */
  opus: { ie: 0, bplPlc: 25.1, bplNoPlc: 25.1 },
};

/** Ie/Bpl of `codec` (any case; unknown or missing: G.711's), with or without receiver PLC. */
export function codecImpairment(codec: string | null | undefined, plc = true): { ie: number; bpl: number } {
  const c = lookup(codec) ?? G711;
  return { ie: c.ie, bpl: plc ? c.bplPlc : c.bplNoPlc };
}

function lookup(codec: string | null | undefined): CodecImpairment | undefined {
  if (!codec) return undefined;
  const lower = codec.toLowerCase();
  for (const [name, value] of Object.entries(CODEC_IMPAIRMENT)) if (name.toLowerCase() === lower) return value;
  return undefined;
}

/** One-way delay + 2 × jitter + 10 ms (ms): what the jitter buffer and processing add to the path. */
export function effectiveLatencyMs(oneWayDelayMs: number, jitterMs: number): number {
  return nonNegative(oneWayDelayMs) + 2 * nonNegative(jitterMs) + 10;
}

/** Delay impairment Id for an effective latency `d` (ms) (Cole & Rosenbluth 2001). */
export function delayImpairment(d: number): number {
  return 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
}

/** G.107 effective equipment impairment for packet loss `lossPercent` (0…100). */
export function effectiveEquipmentImpairment(ie: number, bpl: number, lossPercent: number, burstR = 1): number {
  const ppl = Math.min(100, nonNegative(lossPercent));
  return ie + ((95 - ie) * ppl) / (ppl / burstR + bpl);
}

/** R-factor → MOS (G.107 Annex B), clamped to 1…4.5. */
export function rToMos(r: number): number {
  if (!(r > 0)) return 1; // also NaN
  if (r >= 100) return 4.5;
  const mos = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
  return Math.min(4.5, Math.max(1, mos));
}

export interface QualityInput {
  /** Codec name as the CDR has it ('PCMU', 'opus', …); unknown: treated as G.711. */
  codec?: string | null;
  /** RFC 3550 interarrival jitter (ms). */
  jitterMs: number;
  /** Packets lost / packets expected, 0…1. */
  lossRatio: number;
  /** Mouth-to-ear one-way delay when known (e.g. RTCP RTT / 2), ms. Default 0. */
  oneWayDelayMs?: number;
  /** Whether the receiver conceals lost packets. Default true (our decoders, browsers, modern phones do). */
  plc?: boolean;
}

export interface QualityEstimate {
  rFactor: number;
  mos: number;
}

/** The E-model R-factor and MOS for one stream's figures. */
export function estimateQuality(input: QualityInput): QualityEstimate {
  const { ie, bpl } = codecImpairment(input.codec, input.plc ?? true);
  const d = effectiveLatencyMs(input.oneWayDelayMs ?? 0, input.jitterMs);
  const lossPercent = Math.min(1, nonNegative(input.lossRatio)) * 100;
  const r = Math.max(0, Math.min(100, R_MAX - delayImpairment(d) - effectiveEquipmentImpairment(ie, bpl, lossPercent)));
  return { rFactor: r, mos: rToMos(r) };
}

/** Negatives and NaN read as 0 (+Infinity stays: it drives R to 0). */
function nonNegative(x: number): number {
  return x > 0 ? x : 0;
}
