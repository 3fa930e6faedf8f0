/**
 * SRTP packet index estimation (RFC 3711 §3.3.1): the 48-bit index i = 2^16·ROC + SEQ is not on
 * the wire; each side keeps the rollover counter (ROC) and the highest sequence number s_l, and
 * guesses the ROC of an arriving packet from how SEQ sits against s_l. The guess is only
 * committed (`update`) once the packet authenticated.
 */

/** ROC and s_l of one SSRC. Plain numbers: the index stays exact far beyond 2^48. */
export interface RolloverState {
  /** Rollover counter (2^32 wraps would take 4.5 million years at 1000 packets/s: not handled). */
  roc: number;
  /** Highest sequence number seen with the current ROC (s_l). */
  highestSeq: number;
}

const HALF = 0x8000;

/**
 * The ROC `v` RFC 3711 guesses for `seq` given the state: roc − 1, roc or roc + 1. With ROC 0 the
 * guess roc − 1 is −1, which gives a negative index that no replay window accepts.
 */
export function estimateRoc(state: RolloverState, seq: number): number {
  const sl = state.highestSeq;
  const roc = state.roc;
  if (sl < HALF) return seq - sl > HALF ? roc - 1 : roc;
  return sl - HALF > seq ? roc + 1 : roc;
}

/** The packet index for ROC `v` and `seq`. */
export function packetIndex(v: number, seq: number): number {
  return v * 0x10000 + seq;
}

/** Record an authenticated packet with guessed ROC `v` (§3.3.1: advance s_l and ROC). */
export function updateRollover(state: RolloverState, v: number, seq: number): void {
  if (v === state.roc) {
    if (seq > state.highestSeq) state.highestSeq = seq;
  } else if (v === state.roc + 1) {
    state.roc = v;
    state.highestSeq = seq;
  }
  // v = roc − 1: a late packet from before the wrap; nothing moves.
}
