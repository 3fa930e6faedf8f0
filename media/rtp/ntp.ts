/**
 * NTP timestamps as RTCP uses them (RFC 3550 §4, §6.4.1): 64-bit seconds.fraction since 1900,
 * the "middle 32 bits" that travel as LSR, DLSR in 1/65536 s, and the round-trip time a sender
 * computes from a report block (A − LSR − DLSR).
 */

/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch. */
export const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;
const TWO_32 = 0x1_0000_0000;

export interface NtpTime {
  /** Whole seconds since 1900, modulo 2^32 (era 0 until 2036, then era 1). */
  seconds: number;
  /** Fraction of a second in units of 2^-32 s. */
  fraction: number;
}

/** Wall-clock Unix milliseconds → NTP time (written into `out` when given). */
export function ntpFromUnixMs(unixMs: number, out: NtpTime = { seconds: 0, fraction: 0 }): NtpTime {
  const secs = Math.floor(unixMs / 1000);
  const frac = Math.floor(((unixMs - secs * 1000) / 1000) * TWO_32);
  out.seconds = (secs + NTP_UNIX_OFFSET_SECONDS) % TWO_32;
  out.fraction = Math.min(frac, TWO_32 - 1);
  return out;
}

/**
 * NTP time → Unix milliseconds. Seconds with the top bit clear are read as era 1 (2036–2104),
 * per RFC 4330 §3.
 */
export function ntpToUnixMs(seconds: number, fraction: number): number {
  const s = seconds >= 0x8000_0000 ? seconds : seconds + TWO_32;
  return (s - NTP_UNIX_OFFSET_SECONDS) * 1000 + (fraction / TWO_32) * 1000;
}

/** The middle 32 bits of a 64-bit NTP timestamp (the LSR field; units of 1/65536 s). */
export function ntpMiddle32(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/** Middle 32 bits of the NTP time of `unixMs`. */
export function ntpMiddle32FromUnixMs(unixMs: number): number {
  const secs = Math.floor(unixMs / 1000);
  const frac = Math.floor(((unixMs - secs * 1000) / 1000) * 65536);
  return ((((secs + NTP_UNIX_OFFSET_SECONDS) & 0xffff) << 16) | Math.min(frac, 0xffff)) >>> 0;
}

/** Milliseconds → DLSR units (1/65536 s), clamped to 32 bits. */
export function msToDlsr(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(Math.round((ms * 65536) / 1000), 0xffff_ffff);
}

/** DLSR/LSR-style units (1/65536 s) → milliseconds. */
export function dlsrToMs(units: number): number {
  return (units * 1000) / 65536;
}

/**
 * Round-trip time in ms from a report block received at `arrivalMiddle32` (middle 32 bits of our
 * NTP clock at arrival): A − LSR − DLSR modulo 2^32. Null when no SR was echoed (LSR 0) or the
 * result is negative (clocks or fields inconsistent).
 */
export function rttFromReport(arrivalMiddle32: number, lsr: number, dlsr: number): number | null {
  if (lsr === 0) return null;
  const units = (arrivalMiddle32 - lsr - dlsr) | 0;
  if (units < 0) return null;
  return dlsrToMs(units);
}
