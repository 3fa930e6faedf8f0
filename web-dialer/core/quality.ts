/**
 * Call quality from WebRTC `getStats()`, judged the way Twilio's Voice JS SDK does (its
 * StatsMonitor): one sample a second; a warning is raised when the average of the last 5 samples
 * crosses the threshold — RTT > 400 ms, jitter > 30 ms, packet loss > 3 % — and cleared when it
 * falls back. The silent-microphone warning is Twilio's constant-input-level check (level standard
 * deviation under 1 % of full scale over 10 samples) limited to a quiet input (mean level under
 * 1 %), so a steady tone does not count as silence and a muted call never warns. MOS is the
 * E-model estimate Twilio uses. Pure: feed it stats objects, read the verdict.
 */

export const THRESHOLDS = {
  /** Round-trip time, ms (average of the window). */
  rttMs: 400,
  /** Interarrival jitter of what we receive, ms. */
  jitterMs: 30,
  /** Share of packets lost of what we receive, percent. */
  lossPercent: 3,
  /** Samples averaged for rtt, jitter, loss. */
  window: 5,
  /** Samples of input level for the silent-microphone check. */
  levelWindow: 10,
  /** Input-level standard deviation below this (0..1 scale; Twilio: 327.67 of 32767). */
  levelMinStdDev: 0.01,
  /** … and mean level below this counts as silence. */
  levelMaxMean: 0.01,
} as const;

export type QualityWarning = 'high-rtt' | 'high-jitter' | 'high-packet-loss' | 'silent-microphone';

/** One second of a call, read from getStats. */
export interface QualitySample {
  /** ms, when known. */
  rttMs?: number;
  jitterMs?: number;
  /** Cumulative packets received and lost on the inbound audio stream. */
  packetsReceived?: number;
  packetsLost?: number;
  /** Microphone level 0..1 (media-source audioLevel). */
  inputLevel?: number;
  /** Codec of the inbound stream, e.g. 'opus', 'PCMU'. */
  codec?: string;
}

export interface QualityVerdict {
  warnings: QualityWarning[];
  /** Estimated MOS 1..4.5, when rtt or jitter is known. */
  mos?: number;
  /** 0 (no data) … 4 (excellent): for a bar indicator. */
  bars: 0 | 1 | 2 | 3 | 4;
  /** Latest window averages. */
  rttMs?: number;
  jitterMs?: number;
  lossPercent?: number;
  codec?: string;
}

type StatsEntry = Record<string, unknown> & { type: string; id: string };

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Reads a sample from a getStats() report (a Map or any iterable of stats objects). */
export function sampleFromStats(report: Iterable<StatsEntry> | { values(): Iterable<StatsEntry> }): QualitySample {
  const entries = [...('values' in report && typeof report.values === 'function' ? report.values() : (report as Iterable<StatsEntry>))];
  const byId = new Map(entries.map((e) => [e.id, e]));
  const sample: QualitySample = {};
  const inbound = entries.find((e) => e.type === 'inbound-rtp' && (e.kind ?? e.mediaType) === 'audio');
  if (inbound) {
    const jitter = num(inbound.jitter);
    if (jitter !== undefined) sample.jitterMs = jitter * 1000;
    sample.packetsReceived = num(inbound.packetsReceived);
    sample.packetsLost = num(inbound.packetsLost);
    const codec = byId.get(String(inbound.codecId))?.mimeType;
    if (typeof codec === 'string') sample.codec = codec.replace(/^audio\//i, '');
  }
  const transport = entries.find((e) => e.type === 'transport');
  const pair =
    byId.get(String(transport?.selectedCandidatePairId)) ??
    entries.find((e) => e.type === 'candidate-pair' && e.state === 'succeeded' && (e.nominated || e.selected));
  const pairRtt = num(pair?.currentRoundTripTime);
  const remoteRtt = num(entries.find((e) => e.type === 'remote-inbound-rtp' && (e.kind ?? 'audio') === 'audio')?.roundTripTime);
  const rtt = pairRtt ?? remoteRtt;
  if (rtt !== undefined) sample.rttMs = rtt * 1000;
  const source = entries.find((e) => e.type === 'media-source' && e.kind === 'audio');
  sample.inputLevel = num(source?.audioLevel);
  return sample;
}

/** E-model MOS from rtt, jitter (ms) and loss (percent), as in Twilio's SDK. */
export function estimateMos(rttMs: number, jitterMs: number, lossPercent: number): number {
  const effectiveLatency = rttMs + jitterMs * 2 + 10;
  let r = effectiveLatency < 160 ? 93.2 - effectiveLatency / 40 : 93.2 - (effectiveLatency - 120) / 10;
  r -= lossPercent * 2.5;
  r = Math.max(0, Math.min(100, r));
  return 1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r);
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Keeps the last samples of a call and judges them. */
export class QualityMonitor {
  readonly #samples: QualitySample[] = [];
  readonly #losses: number[] = [];
  readonly #levels: number[] = [];
  #last?: QualitySample;

  /** Adds one sample; `muted` (mute or hold) suspends the silent-microphone check. */
  add(sample: QualitySample, muted = false): QualityVerdict {
    const prev = this.#last;
    this.#last = sample;
    this.#push(this.#samples, sample, THRESHOLDS.window);
    if (prev && sample.packetsReceived !== undefined && prev.packetsReceived !== undefined) {
      const received = sample.packetsReceived - prev.packetsReceived;
      const lost = Math.max(0, (sample.packetsLost ?? 0) - (prev.packetsLost ?? 0));
      if (received + lost > 0) this.#push(this.#losses, (100 * lost) / (received + lost), THRESHOLDS.window);
    }
    if (muted || sample.inputLevel === undefined) this.#levels.length = 0;
    else this.#push(this.#levels, sample.inputLevel, THRESHOLDS.levelWindow);
    return this.verdict();
  }

  verdict(): QualityVerdict {
    const rtts = this.#samples.flatMap((s) => (s.rttMs === undefined ? [] : [s.rttMs]));
    const jitters = this.#samples.flatMap((s) => (s.jitterMs === undefined ? [] : [s.jitterMs]));
    const v: QualityVerdict = { warnings: [], bars: 0, codec: this.#last?.codec };
    if (rtts.length) v.rttMs = avg(rtts);
    if (jitters.length) v.jitterMs = avg(jitters);
    if (this.#losses.length) v.lossPercent = avg(this.#losses);
    const full = (xs: unknown[]) => xs.length >= Math.min(3, THRESHOLDS.window);
    if (full(rtts) && v.rttMs! > THRESHOLDS.rttMs) v.warnings.push('high-rtt');
    if (full(jitters) && v.jitterMs! > THRESHOLDS.jitterMs) v.warnings.push('high-jitter');
    if (full(this.#losses) && v.lossPercent! > THRESHOLDS.lossPercent) v.warnings.push('high-packet-loss');
    if (this.#levels.length >= THRESHOLDS.levelWindow) {
      const mean = avg(this.#levels);
      const sd = Math.sqrt(avg(this.#levels.map((l) => (l - mean) ** 2)));
      if (sd < THRESHOLDS.levelMinStdDev && mean < THRESHOLDS.levelMaxMean) v.warnings.push('silent-microphone');
    }
    if (v.rttMs !== undefined || v.jitterMs !== undefined) {
      v.mos = estimateMos(v.rttMs ?? 0, v.jitterMs ?? 0, v.lossPercent ?? 0);
      v.bars = v.mos >= 4.2 ? 4 : v.mos >= 3.8 ? 3 : v.mos >= 3.2 ? 2 : 1;
      if (v.warnings.some((w) => w !== 'silent-microphone')) v.bars = Math.min(v.bars, 2) as QualityVerdict['bars'];
    }
    return v;
  }

  #push<T>(list: T[], value: T, max: number): void {
    list.push(value);
    if (list.length > max) list.shift();
  }
}

/** What each warning tells the person, in plain words. */
export function describeWarning(w: QualityWarning, v: QualityVerdict): string {
  switch (w) {
    case 'high-rtt':
      return `High latency (${Math.round(v.rttMs ?? 0)} ms round trip): the other side may hear you late.`;
    case 'high-jitter':
      return `Unstable connection (jitter ${Math.round(v.jitterMs ?? 0)} ms): audio may sound choppy.`;
    case 'high-packet-loss':
      return `Packet loss ${(v.lossPercent ?? 0).toFixed(1)} %: audio may break up.`;
    case 'silent-microphone':
      return 'Your microphone is silent: check that it is plugged in and not muted.';
  }
}
