/**
 * Turns a leg's incoming telephone-event packets into one (digit, duration) report per key press:
 * media/dtmf's DtmfReceiver per payload type does the RFC 4733 work (duplicate end packets,
 * reordering, lost end packets); this feeds it and runs its end timeout with a timer armed only
 * while an event is open.
 */
import { DtmfReceiver } from '../../media/dtmf/receiver.ts';

/** `digit` is '0'–'9', '*', '#', 'A'–'D' or 'flash'. */
export type DtmfReport = (digit: string, durationMs: number) => void;

export class DtmfListener {
  readonly #receivers = new Map<number, DtmfReceiver>();
  readonly #endTimeoutMs: number;
  readonly #report: DtmfReport;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(endTimeoutMs: number, report: DtmfReport) {
    this.#endTimeoutMs = endTimeoutMs;
    this.#report = report;
  }

  /** Feed one telephone-event packet of payload type `pt` at clock `clockRate`. */
  push(pt: number, clockRate: number, payload: Uint8Array, timestamp: number, sequenceNumber: number, marker: boolean): void {
    if (this.#closed) return;
    let rx = this.#receivers.get(pt);
    if (!rx) {
      rx = new DtmfReceiver({ clockRate, endTimeoutMs: this.#endTimeoutMs });
      this.#receivers.set(pt, rx);
    }
    const now = performance.now();
    for (const ev of rx.push({ payload, timestamp, sequenceNumber, marker }, now)) {
      if (ev.type === 'end') this.#report(ev.key, ev.durationMs);
    }
    this.#arm();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    let due: number | undefined;
    for (const rx of this.#receivers.values()) {
      const d = rx.nextDueMs;
      if (d !== undefined && (due === undefined || d < due)) due = d;
    }
    if (due === undefined) return;
    this.#timer = setTimeout(this.#expire, Math.max(1, due - performance.now() + 1));
  }

  #expire = (): void => {
    this.#timer = undefined;
    if (this.#closed) return;
    const now = performance.now();
    for (const rx of this.#receivers.values()) {
      for (const ev of rx.tick(now)) {
        if (ev.type === 'end') this.#report(ev.key, ev.durationMs);
      }
    }
    this.#arm();
  };
}
