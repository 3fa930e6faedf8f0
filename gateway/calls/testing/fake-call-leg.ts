/**
 * FakeCallLeg: an in-memory CallLeg (either side) for Call tests. What the Call asks of it is
 * logged in `log` ('ring 180', 'ring 183 PCMU', 'answer opus', 'end 486', 'cancel', 'bye',
 * 'direction sendonly', 'info 5'); the test plays the far end with `ringing()`, `early()`,
 * `answered()`, `fail()`, `cancelled()`, `bye()`, `reoffer()`, `info()`, `referred()`. Its media is a
 * FakeMediaLeg made when the leg negotiates (codec: the far codec when offered, else the first).
 * `dialog` is whatever Dialog-like object the test assigns (REFER goes through it); none by default.
 */
import { EventEmitter } from 'node:events';
import type { CodecName } from '../../../media/index.ts';
import type { Dialog, IncomingRefer } from '../../sip/index.ts';
import type { CallLegEvents, CallLegStats, InboundLeg, OutboundLeg } from '../call-leg.ts';
import { legCodec } from '../leg-codec.ts';
import type { LegCodec, LegMedia, MediaDirection } from '../media-leg.ts';
import { FakeMediaLeg } from './fake-leg.ts';
import { settle } from './media-time.ts';

export interface FakeCallLegOptions {
  id?: string;
  /** Codecs this side offers/accepts, preferred first. Default ['PCMU']. */
  codecs?: CodecName[];
  telephoneEvent?: boolean;
  kind?: string;
}

export class FakeCallLeg extends EventEmitter<CallLegEvents> implements InboundLeg, OutboundLeg {
  readonly id: string;
  readonly kind: string;
  readonly log: string[] = [];
  readonly codecs: CodecName[];
  readonly #telephoneEvent: boolean;
  mediaLeg: FakeMediaLeg | undefined;
  #answered = false;
  #ended = false;
  #closed = false;
  /** Make answer() fail (e.g. the negotiation broke). */
  failAnswer = false;
  /** The leg's SIP dialog as the Call sees it (tests assign a fake); undefined: no dialog. */
  dialog: Dialog | undefined = undefined;

  constructor(options: FakeCallLegOptions = {}) {
    super();
    this.id = options.id ?? 'leg';
    this.kind = options.kind ?? 'fake';
    this.codecs = options.codecs ?? ['PCMU'];
    this.#telephoneEvent = options.telephoneEvent ?? true;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get media(): LegMedia | undefined {
    return this.mediaLeg?.media;
  }

  // --- what the Call asks -------------------------------------------------------------------

  async ring(farCodec?: LegCodec): Promise<void> {
    if (farCodec) {
      this.#negotiate(farCodec);
      this.log.push(`ring 183 ${this.mediaLeg!.codec.name}`);
    } else this.log.push('ring 180');
  }

  async answer(farCodec?: LegCodec): Promise<void> {
    await Promise.resolve();
    if (this.failAnswer) throw new Error('negotiation failed');
    this.#negotiate(farCodec);
    this.#answered = true;
    this.log.push(`answer ${this.mediaLeg!.codec.name}`);
  }

  dial(): void {
    this.log.push('dial');
  }

  async setDirection(direction: MediaDirection): Promise<void> {
    this.log.push(`direction ${direction}`);
  }

  sendInfoDtmf(digit: string, durationMs: number): void {
    this.log.push(`info ${digit} ${durationMs}`);
  }

  end(options: { status?: number; reason?: string } = {}): void {
    if (!this.#ended) {
      this.#ended = true;
      if (this.#answered) this.log.push(options.reason ? `bye ${options.reason}` : 'bye');
      else if (options.status !== undefined) this.log.push(`end ${options.status}`);
      else this.log.push('cancel');
    }
    this.#release();
  }

  parentClosed(): void {
    this.end();
  }

  getStats(): CallLegStats {
    return { id: this.id, kind: this.kind, codec: this.mediaLeg?.codec.name, remote: `fake:${this.id}` };
  }

  // --- the far end ----------------------------------------------------------------------------

  /** 180 Ringing. */
  ringing(): void {
    this.emit('progress', 180, false);
  }

  /** 183 with early media in `codec` (default: our first). */
  early(codec?: CodecName): void {
    this.#negotiate(codec ? legCodec(codec) : undefined);
    this.emit('progress', 183, true);
  }

  /** 200 OK (outbound) — negotiates `codec` (default: keep early media's, else our first). */
  answered(codec?: CodecName): void {
    if (codec || !this.mediaLeg) this.#negotiate(codec ? legCodec(codec) : undefined);
    this.#answered = true;
    this.#ended = false;
    this.emit('answered');
  }

  fail(status: number, reason = 'failed'): void {
    this.#ended = true;
    this.emit('failed', status, reason);
  }

  cancelled(): void {
    this.#ended = true;
    this.emit('hangup', 'cancel');
  }

  bye(): void {
    this.#ended = true;
    this.emit('hangup', 'bye');
  }

  reoffer(direction: MediaDirection): void {
    this.emit('direction', direction);
  }

  info(digit: string, durationMs = 160): void {
    this.emit('dtmf', digit, durationMs);
  }

  /**
   * The far end sent REFER: emits 'refer', then answers as a Dialog does — the rejection chosen
   * by a listener, else 202 (the refer is accepted and a first NOTIFY "100 Trying" goes out).
   * Returns the rejection, or undefined when accepted.
   */
  referred(refer: IncomingRefer): { status: number; reason?: string } | undefined {
    this.emit('refer', refer);
    if (refer.rejection) return refer.rejection;
    refer.accepted();
    void refer.notify(100, 'Trying');
    return undefined;
  }

  #negotiate(farCodec: LegCodec | undefined): void {
    const pick = farCodec && this.codecs.includes(farCodec.name) ? farCodec.name : this.codecs[0]!;
    if (this.mediaLeg && this.mediaLeg.codec.name === pick) return;
    this.mediaLeg?.close();
    this.mediaLeg = new FakeMediaLeg({ id: `${this.id}-media`, codec: pick, telephoneEvent: this.#telephoneEvent });
  }

  #release(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.mediaLeg?.parentClosed();
  }
}

/** Connects `call` to the fake callee `b`, which rings and then answers (with `codec`); resolves once the Call has handled both. */
export async function connectAndAnswer(call: { connect(b: FakeCallLeg): unknown }, b: FakeCallLeg, codec?: CodecName): Promise<void> {
  call.connect(b);
  b.ringing();
  await settle();
  b.answered(codec);
  await settle();
  await settle();
}
