/**
 * The 491 Request Pending back-off of RFC 3261 §14.1 (also used for UPDATE, RFC 3311 §5.1): the
 * owner of the Call-ID (the dialog's original UAC) waits 2.1–4 s, the other side 0–2 s, both
 * chosen at random in units of 10 ms, so the two re-offers do not collide again.
 */

/** Milliseconds to wait before retrying after a 491; `random` returns [0, 1). */
export function glareRetryDelay(ownsCallId: boolean, random: () => number = Math.random): number {
  const r = Math.min(Math.max(random(), 0), 0.999999);
  return ownsCallId ? 2100 + 10 * Math.floor(r * 191) : 10 * Math.floor(r * 201);
}
