/**
 * Outgoing RFC 4733 DTMF of one leg, pumped by the media clock: a `DtmfSender` (media/dtmf) per
 * burst of digits, its packets put on the leg's audio timeline (the wire timestamp at the moment
 * the burst started plus the sender's offsets), and the promise of each `play` settled when the
 * sender has sent the last end packet, or rejected when the leg closes.
 */
import { DtmfSender, type DtmfPacket } from '../../media/dtmf/sender.ts';

/** Writes one telephone-event packet (wire timestamp already computed). */
export type DtmfWrite = (payload: Uint8Array, wireTimestamp: number, marker: boolean) => void;

export class DtmfOut {
  readonly #clockRate: number;
  readonly #write: DtmfWrite;
  #sender: DtmfSender | null = null;
  #startMs = 0;
  #startTs = 0;
  #waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  /** Digits whose start packet went out. */
  digitsSent = 0;

  constructor(clockRate: number, write: DtmfWrite) {
    this.#clockRate = clockRate;
    this.#write = write;
  }

  /** A digit is playing or queued. */
  get busy(): boolean {
    return this.#sender?.busy ?? false;
  }

  /**
   * Queue `digits` at `nowMs`; `wireTsNow` is the leg's wire timestamp now (telephone-event clock).
   * Throws TelephoneEventError for characters that are not DTMF keys.
   */
  play(digits: string, durationMs: number, nowMs: number, wireTsNow: number): Promise<void> {
    if (!this.#sender || !this.#sender.busy) {
      this.#sender = new DtmfSender({ clockRate: this.#clockRate, durationMs });
      this.#startMs = nowMs;
      this.#startTs = wireTsNow;
    }
    this.#sender.insert(digits, { durationMs });
    const done = new Promise<void>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    this.pump(nowMs);
    return done;
  }

  /** Send what is due at `nowMs`; settle waiters once idle. */
  pump(nowMs: number): void {
    const sender = this.#sender;
    if (!sender) return;
    const packets: readonly DtmfPacket[] = sender.tick(nowMs - this.#startMs);
    for (const p of packets) {
      if (p.marker) this.digitsSent++;
      this.#write(p.payload, (this.#startTs + p.timestamp) >>> 0, p.marker);
    }
    if (!sender.busy) {
      this.#sender = null;
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const w of waiting) w.resolve();
    }
  }

  /** Drop everything queued and reject the waiters with `error`. */
  close(error: unknown): void {
    this.#sender = null;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.reject(error);
  }
}
