/**
 * Notices peers that went silent: a leg counts what it receives (STUN checks, DTLS, SRTP/SRTCP)
 * and one shared 1 s sweep — not a timer per leg — calls `onSilent` when a watched leg's count
 * has not moved for its timeout. A full ICE agent also has consent freshness (RFC 7675); an
 * ICE-lite one has nothing else, so without this a vanished browser would never be noticed.
 */

export interface SilenceWatched {
  /** Incremented by the leg for every datagram received. */
  heard: number;
  timeoutMs: number;
  onSilent(): void;
}

interface Entry {
  target: SilenceWatched;
  lastCount: number;
  lastChangeMs: number;
}

const SWEEP_MS = 1000;
const entries = new Set<Entry>();
let timer: NodeJS.Timeout | undefined;

function sweep(): void {
  const now = performance.now();
  for (const e of entries) {
    if (e.target.heard !== e.lastCount) {
      e.lastCount = e.target.heard;
      e.lastChangeMs = now;
    } else if (now - e.lastChangeMs >= e.target.timeoutMs) {
      entries.delete(e);
      e.target.onSilent();
    }
  }
  if (entries.size === 0 && timer) {
    clearInterval(timer);
    timer = undefined;
  }
}

/** Start watching; returns the function that stops it (idempotent). */
export function watchSilence(target: SilenceWatched): () => void {
  const entry: Entry = { target, lastCount: target.heard, lastChangeMs: performance.now() };
  entries.add(entry);
  timer ??= setInterval(sweep, SWEEP_MS).unref();
  return () => {
    entries.delete(entry);
  };
}
