/**
 * The sub-band ADPCM core of ITU-T G.722 (64 kbit/s): the quantiser tables, the per-sample
 * sub-band coders (encodeLow/High, decodeLow/High), the scale-factor
 * adaptation (blocks 3L/3H: LOGSCL/SCALEL, LOGSCH/SCALEH) and the adaptive predictor (block 4:
 * RECONS, PARREC, UPPOL2, UPPOL1, FILTEP, UPZERO, DELAYA, FILTEZ, PREDIC) with the reference's
 * 16-bit saturation. Encoder and decoder run the same state machine, so they stay in lock-step.
 *
 * Integer semantics: every state value is an int16 held in a JS number; products are at most
 * 16×16 bits, so `>>` (int32) is exact. `sat16` stands in for the reference's saturating adds.
 */

/** Clamps to the int16 range (the reference's saturate / sat_add16). */
export function sat16(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x;
}

/** Clamps to 15 bits (the decoder's LIMIT block on reconstructed sub-band signals). */
export function sat15(x: number): number {
  return x > 16383 ? 16383 : x < -16384 ? -16384 : x;
}

/** Lower band, QUANTL: decision levels of the 6-bit quantiser (index 1..29 used), in det/4096 units. */
export const Q6 = Int16Array.of(
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714,
  786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
);
/** QUANTL: interval index → 6-bit code, for negative (ILN) and non-negative (ILP) differences. */
export const ILN = Int8Array.of(
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
  18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0,
);
export const ILP = Int8Array.of(
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47,
  46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0,
);
/** INVQBL (64 kbit/s): 6-bit code → normalised quantised difference, for the decoder output. */
export const QM6 = Int16Array.of(
  -136, -136, -136, -136, -24808, -21904, -19008, -16704,
  -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
  -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
  -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
  24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
  10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
  4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
  1688, 1360, 1040, 728, 432, 136, -432, -136,
);
/** INVQAL: the code's top 4 bits → normalised difference that drives the predictor (both sides). */
export const QM4 = Int16Array.of(
  0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
  20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
);
/** LOGSCL: 4-bit code → magnitude class (RIL → IL4). */
export const RL42 = Int8Array.of(0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0);
/** LOGSCL: log scale-factor multipliers per magnitude class. */
export const WL = Int16Array.of(-60, -30, 58, 172, 334, 538, 1198, 3042);

/** Higher band, QUANTH: 2-bit code for negative (IHN) and non-negative (IHP) differences by magnitude class 1..2. */
export const IHN = Int8Array.of(0, 1, 0);
export const IHP = Int8Array.of(0, 3, 2);
/** INVQAH: 2-bit code → normalised quantised difference. */
export const QM2 = Int16Array.of(-7408, -1616, 7408, 1616);
/** LOGSCH: 2-bit code → magnitude class, and the log scale-factor multipliers. */
export const RH2 = Int8Array.of(2, 1, 2, 1);
export const WH = Int16Array.of(0, -214, 798);

/** SCALEL/SCALEH: antilog table, 2048·2^(i/32). */
const ILB = Int16Array.of(
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
  2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
);

/** State of one sub-band's ADPCM (everything block 3 and block 4 remember between samples). */
export class G722Band {
  /** Signal estimate s(n) for the next sample (PREDIC). */
  s = 0;
  /** Zero-section estimate sz(n) (FILTEZ). */
  sz = 0;
  /** Previous reconstructed signal r(n-1). */
  r1 = 0;
  /** Pole-section coefficients a1, a2. */
  a1 = 0;
  a2 = 0;
  /** Partially reconstructed signal p(n-1), p(n-2). */
  p1 = 0;
  p2 = 0;
  /** Zero-section coefficients b1..b6 (index 0..5). */
  readonly b = new Int32Array(6);
  /** Quantised differences: d[0] = current, d[1..6] = d(n-1)..d(n-6). */
  readonly d = new Int32Array(7);
  /** Log scale factor ∇ (nabla). */
  nb = 0;
  /** Scale factor Δ (det) used by the quantisers. */
  det: number;
  readonly #initialDet: number;
  readonly #maxNb: number;
  readonly #scaleShift: number;
  readonly #w: Int16Array;
  readonly #rToClass: Int8Array;

  /** Creates the lower (`'low'`) or higher (`'high'`) band state, in its reset state. */
  constructor(band: 'low' | 'high') {
    const low = band === 'low';
    this.#initialDet = low ? 32 : 8;
    this.#maxNb = low ? 18432 : 22528;
    this.#scaleShift = low ? 8 : 10;
    this.#w = low ? WL : WH;
    this.#rToClass = low ? RL42 : RH2;
    this.det = this.#initialDet;
  }

  /** Back to the reset state of the standard. */
  reset(): void {
    this.s = this.sz = this.r1 = this.a1 = this.a2 = this.p1 = this.p2 = this.nb = 0;
    this.b.fill(0);
    this.d.fill(0);
    this.det = this.#initialDet;
  }

  /**
   * Blocks 3L/3H: adapts the log scale factor from the transmitted code (the 4-bit low-band code
   * or the 2-bit high-band code) and recomputes `det`.
   */
  adaptScale(code: number): void {
    let nb = ((this.nb * 127) >> 7) + this.#w[this.#rToClass[code]!]!;
    if (nb < 0) nb = 0;
    else if (nb > this.#maxNb) nb = this.#maxNb;
    this.nb = nb;
    const shift = this.#scaleShift - (nb >> 11);
    const mant = ILB[(nb >> 6) & 31]!;
    this.det = (shift < 0 ? mant << -shift : mant >> shift) << 2;
  }

  /** Block 4: updates the predictor with the quantised difference `dx` and computes the next `s`. */
  predict(dx: number): void {
    const r = sat16(this.s + dx); // RECONS
    const p = sat16(this.sz + dx); // PARREC

    // UPPOL2: second pole coefficient. (x ^ y) < 0 ⇔ signs differ (zero counts as positive).
    let wd1 = sat16(this.a1 << 2);
    let wd2 = (p ^ this.p1) < 0 ? wd1 : -wd1;
    if (wd2 > 32767) wd2 = 32767;
    let a2 = ((p ^ this.p2) < 0 ? -128 : 128) + (wd2 >> 7) + ((this.a2 * 32512) >> 15);
    if (a2 > 12288) a2 = 12288;
    else if (a2 < -12288) a2 = -12288;

    // UPPOL1: first pole coefficient, bounded by 1 - 2^-4 - a2.
    let a1 = sat16(((p ^ this.p1) < 0 ? -192 : 192) + ((this.a1 * 32640) >> 15));
    const limit = sat16(15360 - a2);
    if (a1 > limit) a1 = limit;
    else if (a1 < -limit) a1 = -limit;

    // FILTEP: pole-section estimate from r(n), r(n-1) with the new coefficients.
    const sp = sat16(((a1 * sat16(r + r)) >> 15) + ((a2 * sat16(this.r1 + this.r1)) >> 15));
    this.r1 = r;
    this.a1 = a1;
    this.a2 = a2;
    this.p2 = this.p1;
    this.p1 = p;

    // UPZERO + DELAYA + FILTEZ: sign-sign update of b1..b6, shift the difference line, and sum.
    const b = this.b;
    const d = this.d;
    const step = dx === 0 ? 0 : 128;
    d[0] = dx;
    let sz = 0;
    for (let i = 5; i >= 0; i--) {
      const bi = sat16(((d[i + 1]! ^ dx) < 0 ? -step : step) + ((b[i]! * 32640) >> 15));
      b[i] = bi;
      sz += (bi * sat16(d[i]! + d[i]!)) >> 15;
      d[i + 1] = d[i]!;
    }
    this.sz = sat16(sz);
    this.s = sat16(sp + this.sz); // PREDIC
  }
}

/**
 * Lower band QUANTL: interval index 1..30 of |el| against the det-scaled decision levels. The
 * levels rise with the index, so a binary search finds the same interval as the reference's scan.
 */
function quantizeLow(magnitude: number, det: number): number {
  let lo = 1;
  let hi = 30;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (magnitude < (Q6[mid]! * det) >> 12) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Lower-band encoder for one sample (blocks 1L–4L): returns the 6-bit code `ilow`. */
export function encodeLow(band: G722Band, xlow: number): number {
  const el = sat16(xlow - band.s); // SUBTRA
  const interval = quantizeLow(el >= 0 ? el : ~el, band.det); // QUANTL
  const ilow = el < 0 ? ILN[interval]! : ILP[interval]!;
  const ril = ilow >> 2;
  const dlow = (band.det * QM4[ril]!) >> 15; // INVQAL
  band.adaptScale(ril); // LOGSCL, SCALEL
  band.predict(dlow);
  return ilow;
}

/** Higher-band encoder for one sample (blocks 1H–4H): returns the 2-bit code `ihigh`. */
export function encodeHigh(band: G722Band, xhigh: number): number {
  const eh = sat16(xhigh - band.s); // SUBTRA
  const magnitudeClass = (eh >= 0 ? eh : ~eh) >= (564 * band.det) >> 12 ? 2 : 1; // QUANTH
  const ihigh = eh < 0 ? IHN[magnitudeClass]! : IHP[magnitudeClass]!;
  const dhigh = (band.det * QM2[ihigh]!) >> 15; // INVQAH
  band.adaptScale(ihigh); // LOGSCH, SCALEH
  band.predict(dhigh);
  return ihigh;
}

/** Lower-band decoder (64 kbit/s) for one 6-bit code: returns the reconstructed 15-bit sample rlow. */
export function decodeLow(band: G722Band, ilow: number): number {
  const rlow = sat15(band.s + ((band.det * QM6[ilow]!) >> 15)); // INVQBL, RECONS, LIMIT
  const ril = ilow >> 2;
  const dlow = (band.det * QM4[ril]!) >> 15; // INVQAL
  band.adaptScale(ril);
  band.predict(dlow);
  return rlow;
}

/** Higher-band decoder for one 2-bit code: returns the reconstructed 15-bit sample rhigh. */
export function decodeHigh(band: G722Band, ihigh: number): number {
  const dhigh = (band.det * QM2[ihigh]!) >> 15; // INVQAH
  const rhigh = sat15(band.s + dhigh); // RECONS, LIMIT
  band.adaptScale(ihigh);
  band.predict(dhigh);
  return rhigh;
}
