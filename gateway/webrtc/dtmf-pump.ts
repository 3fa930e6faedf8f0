/**
 * Plays queued DTMF digits out of a leg as RFC 4733 telephone-event packets: media/dtmf's
 * DtmfSender decides what to send when, this drives it with a timer (only while digits are
 * playing) and writes each packet through the leg's RtpWriter, so it carries the sender's SSRC,
 * the stream's sequence numbers and timestamps continuing the audio timeline.
 */
import { DtmfSender } from '../../media/dtmf/sender.ts';
import type { RtpWriter } from './rtp-writer.ts';

export interface DtmfPumpTarget {
  writer: RtpWriter;
  /** Negotiated telephone-event payload type and its clock rate. */
  payloadType: number;
  clockRate: number;
}

export class DtmfPump {
  readonly #target: () => DtmfPumpTarget | undefined;
  #sender: DtmfSender | undefined;
  #destination: DtmfPumpTarget | undefined;
  /** performance.now() at the sender's time 0, and the wire timestamp there. */
  #originMs = 0;
  #originTs = 0;
  #timer: NodeJS.Timeout | undefined;
  #waiters: (() => void)[] = [];
  #closed = false;

  /** `target` is asked when a burst of digits starts (the writer exists only once connected). */
  constructor(target: () => DtmfPumpTarget | undefined) {
    this.#target = target;
  }

  /** True while digits are playing or queued. */
  get busy(): boolean {
    return this.#sender?.busy ?? false;
  }

  /**
   * Queue digits ('0'–'9', '*', '#', 'A'–'D', ',' pause) of `durationMs` each; resolves when the
   * last end packet went out (or the pump closed). Throws for unknown digits before queueing, and
   * when there is no telephone-event to send with.
   */
  play(digits: string, durationMs: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!this.#sender?.busy) {
      const target = this.#target();
      if (!target) throw new Error('no negotiated telephone-event payload type or not connected');
      this.#destination = target;
      this.#sender = new DtmfSender({ clockRate: target.clockRate, durationMs });
      this.#originMs = performance.now();
      this.#originTs = target.writer.nowTimestamp(target.clockRate);
    }
    this.#sender.insert(digits, { durationMs });
    const done = new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#run();
    return done;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#settle();
  }

  #run = (): void => {
    this.#timer = undefined;
    const sender = this.#sender;
    const dest = this.#destination;
    if (this.#closed || !sender || !dest) return;
    const now = performance.now() - this.#originMs;
    for (const p of sender.tick(now)) {
      const payload = Buffer.from(p.payload.buffer, p.payload.byteOffset, p.payload.byteLength);
      dest.writer.writeAt(payload, dest.payloadType, this.#originTs + p.timestamp, p.marker);
    }
    const due = sender.nextDueMs;
    if (due === undefined) {
      this.#settle();
      return;
    }
    this.#timer = setTimeout(this.#run, Math.max(1, due - now));
  };

  #settle(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
