/**
 * Call: one B2BUA call — the caller's leg (A, inbound), the callee's leg (B: a SIP call, a
 * browser, an extension) and the Bridge between their media. A state machine (ringing →
 * early_media → answered ⇄ on_hold → ended) that relays progress (183 early media included),
 * the answer, failures (the callee's status back to the caller), hang-ups and CANCEL, hold and
 * resume both ways, and DTMF; ends the call on the no-answer timeout, an RTP timeout or an
 * ICE/DTLS failure. Lifecycle as a mediasoup object: closing a Call closes its legs through
 * `parentClosed()` and its bridge, every close is idempotent, and the record of the call (CDR)
 * is emitted once with `ended`.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { realClockDriver, type ClockDriver } from '../../media/clock.ts';
import type { MediaClock } from '../../media/index.ts';
import { Bridge, type BridgeMode, type BridgeOptions, type BridgeSide, type BridgeStats, type BridgeTap } from './bridge.ts';
import { endReasonForStatus, LOCAL_END_STATUS, reasonHeader, type CallEndReason } from './call-end.ts';
import type { CallLegBase, CallLegEvents, InboundLeg, OutboundLeg } from './call-leg.ts';
import { legRecord, type CallDetailRecord, type CallDirection, type CallEndedBy } from './cdr.ts';
import type { MediaDirection } from './media-leg.ts';
import type { IncomingRefer } from '../sip/index.ts';

/** How long a call waits for a relayed transfer to finish after the transferor hung up (ms). */
const TRANSFER_GRACE_MS = 32_000;

/**
 * A REFER we relayed from side `from`, still in progress. `gone`: that side hung up meanwhile
 * (JsSIP hangs up on the 202): the call stays up for the transferee until the transfer ends.
 */
interface RelayedTransfer {
  from: BridgeSide;
  gone: boolean;
  timer?: unknown;
}

export type CallState = 'ringing' | 'early_media' | 'answered' | 'on_hold' | 'ended';

/** Timers the call uses for its timeouts (a ClockDriver fits; tests pass the manual one). */
export type CallTimers = Pick<ClockDriver, 'setTimeout' | 'clearTimeout'>;

/** What the call logs (pino fits). */
export interface CallLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface CallOptions {
  /** The caller's leg. */
  a: InboundLeg;
  /** Caller (From user or number). */
  from: string;
  /** Called party (Request-URI user or number). */
  to: string;
  /** 'inbound' (from a trunk or peer) or 'outbound' (from one of our users). */
  direction: CallDirection;
  /** The engine's shared media clock (bridge ticks, RTP timeout time base). */
  clock: MediaClock;
  /** Call id. Default: a random UUID. */
  id?: string;
  /** How the call was routed, for the CDR (e.g. 'user:1002'). Default none. */
  route?: string;
  /** Trunk host peer the call came from or goes to (REST API `peer`). Default none. */
  peer?: string;
  /**
   * Maps a transfer target (a REFER's Refer-To, a REST transfer target) to the URI the transferee
   * is referred to — e.g. a bare number or our own domain to our SIP address with its port.
   * Default: unchanged.
   */
  referTarget?: (target: string, home?: string) => string;
  /** Give up ringing after this long (ms); 0 disables. Default 60 000. */
  noAnswerTimeoutMs?: number;
  /** End an answered call when a leg sent no RTP for this long (ms; not while on hold); 0 disables. Default 30 000. */
  rtpTimeoutMs?: number;
  /** Bridge tuning. Default: the bridge's defaults. */
  bridge?: Pick<BridgeOptions, 'forceTranscode' | 'transcoder' | 'idleMs'>;
  /** Timers for the timeouts. Default: Node's, through the real clock driver. */
  timers?: CallTimers;
  /** Wall clock for CDR times (ms since the epoch). Default Date.now. */
  now?: () => number;
  logger?: CallLogger;
}

export type CallEvents = {
  /** The state changed. */
  state: [state: CallState, previous: CallState];
  /** The callee started ringing (its first 180/183). Once. */
  ringing: [];
  /** A transfer (REFER) we passed on or sent completed: the transferee reached the target. */
  transferred: [target: string];
  /** The callee answered and the caller was answered. */
  answered: [];
  /** A side put the call on hold or resumed it. */
  hold: [by: BridgeSide, onHold: boolean];
  /** A DTMF digit crossed the call. */
  dtmf: [from: BridgeSide, digit: string, durationMs: number];
  /** The call ended; its record. Once. */
  ended: [cdr: CallDetailRecord];
};

export interface CallStats {
  id: string;
  state: CallState;
  from: string;
  to: string;
  direction: CallDirection;
  bridge: BridgeStats | undefined;
}

interface Ending {
  reason: CallEndReason;
  status: number;
  endedBy: CallEndedBy;
}

function isHold(direction: MediaDirection): boolean {
  return direction === 'sendonly' || direction === 'inactive';
}

/** The status an unanswered caller gets for the callee's failure (no redirects, no challenges passed on). */
function statusForCaller(status: number): number {
  if (status === 401 || status === 407) return 403;
  if (status < 400) return 480;
  return status;
}

export class Call extends EventEmitter<CallEvents> {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly direction: CallDirection;
  readonly route: string | undefined;
  readonly peer: string | undefined;
  readonly a: InboundLeg;
  readonly #options: CallOptions;
  readonly #clock: MediaClock;
  readonly #timers: CallTimers;
  readonly #now: () => number;
  readonly #startMs: number;
  readonly #offs: Array<() => void> = [];
  #b: OutboundLeg | undefined;
  #bridge: Bridge | undefined;
  #bridgeStats: BridgeStats | undefined;
  #state: CallState = 'ringing';
  #answerMs: number | undefined;
  #ending: Ending | undefined;
  #closed = false;
  #noAnswerTimer: unknown;
  #rtpTimer: unknown;
  /** Media clock time since which RTP is expected (answer, resume). */
  #mediaSinceMs = 0;
  readonly #held: Record<BridgeSide, boolean> = { a: false, b: false };
  #serial: Promise<void> = Promise.resolve();
  #cdr: CallDetailRecord | undefined;
  #rang = false;
  #relay: RelayedTransfer | undefined;
  readonly #muted: Record<BridgeSide, boolean> = { a: false, b: false };
  readonly #taps: Record<BridgeSide, BridgeTap | undefined> = { a: undefined, b: undefined };
  /** Sides we put on hold ourselves (REST hold). */
  readonly #heldByUs: Record<BridgeSide, boolean> = { a: false, b: false };

  constructor(options: CallOptions) {
    super();
    this.#options = options;
    this.id = options.id ?? randomUUID();
    this.a = options.a;
    this.from = options.from;
    this.to = options.to;
    this.direction = options.direction;
    this.route = options.route;
    this.peer = options.peer;
    this.#clock = options.clock;
    this.#timers = options.timers ?? realClockDriver;
    this.#now = options.now ?? Date.now;
    this.#startMs = this.#now();
    this.#listen(this.a, 'a');
    const noAnswer = options.noAnswerTimeoutMs ?? 60_000;
    if (noAnswer > 0) {
      this.#noAnswerTimer = this.#timers.setTimeout(() => {
        this.#noAnswerTimer = undefined;
        if (this.#answerMs === undefined) this.#end({ reason: 'no_answer', status: LOCAL_END_STATUS.no_answer, endedBy: 'system' });
      }, noAnswer);
    }
  }

  get state(): CallState {
    return this.#state;
  }

  get b(): OutboundLeg | undefined {
    return this.#b;
  }

  get bridge(): Bridge | undefined {
    return this.#bridge;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The record, once ended. */
  get cdr(): CallDetailRecord | undefined {
    return this.#cdr;
  }

  /** Attach the callee's leg and dial it. */
  connect(b: OutboundLeg): void {
    if (this.#ending || this.#b) {
      if (b !== this.#b) b.parentClosed();
      return;
    }
    this.#b = b;
    this.#listen(b, 'b');
    b.dial();
  }

  /**
   * Refuse the call before any callee was attached (routing said no): the caller gets `status`.
   */
  reject(status: number): void {
    this.#end({ reason: endReasonForStatus(status), status, endedBy: 'system' });
  }

  /** Hang up from our side (API, shutdown): BYE when answered, else the caller gets 487 and the callee CANCEL. */
  hangup(): void {
    if (this.#answerMs !== undefined) this.#end({ reason: 'normal', status: 200, endedBy: 'system' });
    else this.#end({ reason: 'cancelled', status: 487, endedBy: 'system' });
  }

  /** Whether the call was answered (and not ended). */
  get answered(): boolean {
    return this.#answerMs !== undefined && !this.#ending;
  }

  /** The leg on `side`. */
  leg(side: BridgeSide): InboundLeg | OutboundLeg | undefined {
    return side === 'a' ? this.a : this.#b;
  }

  /**
   * Put side `side` on hold from our end (re-INVITE sendonly toward it), or take it off hold
   * (sendrecv). Resolves once its answer was applied; the `hold` event and state follow.
   */
  async hold(side: BridgeSide, onHold: boolean): Promise<void> {
    const leg = this.#answeredLeg(side);
    await leg.setDirection(onHold ? 'sendonly' : 'sendrecv');
    if (this.#ending || this.#heldByUs[side] === onHold) return;
    this.#heldByUs[side] = onHold;
    this.#syncMute('a');
    this.#syncMute('b');
    this.emit('hold', side, onHold);
    this.#updateHoldState();
  }

  /**
   * Blind transfer: REFER side `side` to `target`. Resolves when the REFER was accepted (2xx);
   * when the transferee reports the target answered, the call ends (`transferred`).
   */
  async transfer(side: BridgeSide, target: string): Promise<void> {
    const leg = this.#answeredLeg(side);
    const dialog = leg.dialog;
    if (!dialog || dialog.terminated) throw new Error(`the ${side === 'a' ? 'caller' : 'callee'} leg cannot be transferred (no SIP dialog)`);
    const uri = this.#options.referTarget?.(target, leg.referHome) ?? target;
    const subscription = await dialog.refer(uri, { referredBy: true });
    void subscription.done().then((final) => this.#transferDone(uri, final?.status));
  }

  /** Send DTMF digits toward side `to` (RFC 4733, or INFO where it was not negotiated). */
  sendDtmf(to: BridgeSide, digits: string, durationMs = 100): void {
    if (!this.#bridge || this.#ending) throw new Error('the call has no media yet');
    this.#bridge.sendDtmf(to, digits, durationMs, to === 'a' ? 'b' : 'a');
  }

  /**
   * Receive the decoded PCM of side `from` (a listening bot stream). Frames come only from a
   * transcoding bridge: make the call with `bridge.forceTranscode` when it will be tapped.
   */
  setTap(from: BridgeSide, tap: BridgeTap | undefined): void {
    this.#taps[from] = tap;
    this.#bridge?.setTap(from, tap);
  }

  /** Mute audio coming from side `from` (for the REST API). */
  setMuted(from: BridgeSide, muted: boolean): void {
    this.#muted[from] = muted;
    this.#syncMute(from);
  }

  /**
   * What the bridge mutes from side `from`: the API's mute, and a person's audio (a SIP phone, a
   * browser) while we hold the call — the held party must not hear the other side, nor the other
   * side them. Audio the gateway makes itself (a bot, REST playback, an extension) still passes,
   * so a bot can play music to a caller it holds.
   */
  #syncMute(from: BridgeSide): void {
    const kind = this.leg(from)?.kind ?? '';
    const person = kind !== 'bot' && !kind.startsWith('extension');
    const held = this.#heldByUs.a || this.#heldByUs.b;
    this.#bridge?.setMuted(from, this.#muted[from] || (held && person));
  }

  getStats(): CallStats {
    return {
      id: this.id,
      state: this.#state,
      from: this.from,
      to: this.to,
      direction: this.direction,
      bridge: this.#bridge?.getStats() ?? this.#bridgeStats,
    };
  }

  /**
   * Close the call (idempotent): a call still up is hung up first (as `hangup()`), then the bridge
   * closes and the legs get `parentClosed()`, which releases their media and ends whatever
   * signalling they still hold.
   */
  close(): void {
    if (!this.#ending) {
      this.#end({ reason: this.#answerMs !== undefined ? 'normal' : 'cancelled', status: this.#answerMs !== undefined ? 200 : 487, endedBy: 'system' });
      return;
    }
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimers();
    for (const off of this.#offs.splice(0)) off();
    if (this.#bridge) {
      this.#bridgeStats = this.#bridge.getStats();
      this.#bridge.close();
      this.#bridge = undefined;
    }
    this.a.parentClosed();
    this.#b?.parentClosed();
  }

  // --- events from the legs ------------------------------------------------------------------

  #listen(leg: CallLegBase, side: BridgeSide): void {
    const handlers: { [K in keyof CallLegEvents]: (...args: CallLegEvents[K]) => void } = {
      progress: (_status, early) => this.#onProgress(early),
      answered: () => {
        if (side === 'b') this.#onAnswered();
      },
      failed: (status, reason) => this.#onFailed(side, status, reason),
      hangup: (how) => this.#onHangup(side, how),
      direction: (d) => this.#onDirection(side, d),
      renegotiated: () => this.#bridge?.renegotiated(),
      dtmf: (digit, ms) => this.#bridge?.sendDtmf(side === 'a' ? 'b' : 'a', digit, ms, side),
      mediaFailed: (reason) => this.#onMediaFailed(side, reason),
      refer: (refer) => this.#onRefer(side, refer),
    };
    type AnyHandler = (...args: unknown[]) => void;
    const emitter = leg as unknown as { on(e: string, f: AnyHandler): unknown; off(e: string, f: AnyHandler): unknown };
    for (const [event, fn] of Object.entries(handlers) as [string, AnyHandler][]) {
      emitter.on(event, fn);
      this.#offs.push(() => emitter.off(event, fn));
    }
  }

  #onProgress(earlyMedia: boolean): void {
    if (this.#ending || this.#answerMs !== undefined) return;
    if (!this.#rang) {
      this.#rang = true;
      this.emit('ringing');
    }
    this.#queue(async () => {
      const b = this.#b;
      if (!b || this.#ending || this.#answerMs !== undefined) return;
      const codec = earlyMedia ? b.media?.codec : undefined;
      await this.a.ring(codec);
      if (this.#ending || this.#answerMs !== undefined) return;
      if (codec && this.#ensureBridge()) this.#setState('early_media');
    }, 'progress');
  }

  #onAnswered(): void {
    if (this.#ending || this.#answerMs !== undefined) return;
    this.#queue(async () => {
      const b = this.#b;
      if (!b || this.#ending || this.#answerMs !== undefined) return;
      await this.a.answer(b.media?.codec);
      if (this.#ending) return;
      this.#answerMs = this.#now();
      this.#clearNoAnswer();
      this.#ensureBridge();
      this.#mediaSinceMs = this.#clock.nowMs();
      this.#setState('answered');
      this.#armRtpTimer(this.#options.rtpTimeoutMs ?? 30_000);
      this.emit('answered');
    }, 'answer');
  }

  #onFailed(side: BridgeSide, status: number, reason: string): void {
    if (this.#ending) return;
    if (side === 'b') {
      this.#options.logger?.info({ callId: this.id, status, reason }, 'callee failed');
      this.#end({ reason: endReasonForStatus(status), status: statusForCaller(status), endedBy: 'callee' });
    } else {
      this.#end({ reason: endReasonForStatus(status), status, endedBy: 'caller' });
    }
  }

  #onHangup(side: BridgeSide, how: 'cancel' | 'bye'): void {
    if (this.#ending) return;
    const endedBy: CallEndedBy = side === 'a' ? 'caller' : 'callee';
    const relay = this.#relay;
    if (relay && relay.from === side && !relay.gone && how === 'bye' && this.#answerMs !== undefined) {
      // The transferor left after the 202: keep the transferee's leg until its new call is decided
      // (BYEing it now would kill the transfer at a transferee that has not dialled yet).
      relay.gone = true;
      this.setMuted(side, true);
      relay.timer = this.#timers.setTimeout(() => {
        relay.timer = undefined;
        this.#end({ reason: 'normal', status: 200, endedBy });
      }, TRANSFER_GRACE_MS);
      this.#options.logger?.info({ callId: this.id, side }, 'transferor hung up: waiting for the transfer to finish');
      return;
    }
    if (how === 'cancel' || this.#answerMs === undefined) {
      // The caller cancelled, or a side hung up before the answer completed.
      this.#end({ reason: side === 'a' ? 'cancelled' : 'rejected', status: side === 'a' ? 487 : 480, endedBy });
    } else {
      this.#end({ reason: 'normal', status: 200, endedBy });
    }
  }

  #onDirection(side: BridgeSide, direction: MediaDirection): void {
    if (this.#ending) return;
    const other = side === 'a' ? this.#b : this.a;
    const hold = isHold(direction);
    if (this.#held[side] !== hold) {
      this.#held[side] = hold;
      this.emit('hold', side, hold);
    }
    if (other) {
      // The far side gets the same direction in our offer: sendonly → sendonly (we only send to it), inactive → inactive.
      other.setDirection(direction).catch((err: unknown) => {
        this.#options.logger?.warn({ callId: this.id, err, direction }, 'hold propagation failed');
      });
    }
    this.#updateHoldState();
  }

  #updateHoldState(): void {
    if (this.#answerMs === undefined || this.#ending) return;
    const held = this.#held.a || this.#held.b || this.#heldByUs.a || this.#heldByUs.b;
    this.#setState(held ? 'on_hold' : 'answered');
    if (!held) this.#mediaSinceMs = this.#clock.nowMs(); // expect RTP again from now
  }

  /**
   * A leg sent REFER: pass it on to the other leg's dialog (the other party calls the target,
   * through us when the target is ours) and relay its progress back as NOTIFYs. Refused (603)
   * before the answer or when the other leg has no SIP dialog (an extension, a bot).
   */
  #onRefer(side: BridgeSide, refer: IncomingRefer): void {
    const otherSide: BridgeSide = side === 'a' ? 'b' : 'a';
    const other = this.leg(otherSide);
    const dialog = other?.dialog;
    if (this.#ending || this.#answerMs === undefined || !dialog || dialog.terminated) {
      refer.reject(603, 'Transfer Not Possible');
      return;
    }
    const uri = this.#options.referTarget?.(refer.target, other.referHome) ?? refer.target;
    this.#options.logger?.info({ callId: this.id, by: side, target: uri }, 'transfer requested');
    const relay: RelayedTransfer = { from: side, gone: false };
    this.#relay = relay;
    const finished = (status: number | undefined) => {
      if (this.#relay === relay) this.#relay = undefined;
      if (relay.timer !== undefined) this.#timers.clearTimeout(relay.timer);
      this.#transferDone(uri, status);
      // The transferor is gone: whatever the outcome, nobody is left to talk to the transferee.
      if (relay.gone) this.#end({ reason: 'normal', status: 200, endedBy: side === 'a' ? 'caller' : 'callee' });
    };
    dialog
      .refer(uri, { referredBy: refer.referredBy ? refer.referredBy.uri : true })
      .then(
        (subscription) => {
          subscription.on('progress', (s) => {
            // 100 Trying went out with our 202 already; relay what follows (180, 183…).
            if (s.status > 100 && s.status < 200) void refer.notify(s.status, s.reason);
          });
          return subscription.done().then((final) => {
            void refer.notify(final?.status ?? 503, final?.reason ?? 'Service Unavailable');
            finished(final?.status);
          });
        },
        (err: { status?: number; reason?: string }) => {
          void refer.notify(err.status && err.status >= 300 ? err.status : 503, err.reason);
          finished(undefined);
        },
      )
      .catch((err: unknown) => this.#options.logger?.warn({ callId: this.id, err }, 'transfer relay failed'));
  }

  /** A transfer ended: a 2xx final status means the transferee reached the target, so this call is done. */
  #transferDone(target: string, status: number | undefined): void {
    this.#options.logger?.info({ callId: this.id, target, status }, 'transfer finished');
    if (status === undefined || status < 200 || status >= 300 || this.#ending) return;
    this.emit('transferred', target);
    this.#end({ reason: 'normal', status: 200, endedBy: 'system' });
  }

  #answeredLeg(side: BridgeSide): InboundLeg | OutboundLeg {
    const leg = this.leg(side);
    if (this.#ending || this.#answerMs === undefined || !leg) throw new Error('the call is not answered');
    return leg;
  }

  #onMediaFailed(side: BridgeSide, reason: string): void {
    if (this.#ending || (this.#relay?.gone && this.#relay.from === side)) return;
    this.#options.logger?.warn({ callId: this.id, side, reason }, 'media failed');
    this.#end({ reason: 'ice_failed', status: LOCAL_END_STATUS.ice_failed, endedBy: side === 'a' ? 'caller' : 'callee' });
  }

  // --- internals -------------------------------------------------------------------------------

  /** Run A-side steps one after another (ring and answer negotiate asynchronously). */
  #queue(step: () => Promise<void>, what: string): void {
    this.#serial = this.#serial.then(step).catch((err: unknown) => {
      if (this.#ending) return;
      this.#options.logger?.warn({ callId: this.id, err, step: what }, 'call step failed');
      this.#end({ reason: 'error', status: LOCAL_END_STATUS.error, endedBy: 'system' });
    });
  }

  /** Make (or refresh) the bridge once both legs have media; true when one exists. */
  #ensureBridge(): boolean {
    const am = this.a.media;
    const bm = this.#b?.media;
    if (!am?.codec || !bm?.codec) return false;
    const current = this.#bridge;
    if (current && current.a === am && current.b === bm) {
      current.renegotiated();
      return true;
    }
    current?.close();
    const bridge = new Bridge({
      ...this.#options.bridge,
      a: am,
      b: bm,
      clock: this.#clock,
      onInfoDtmf: (to, digit, ms) => (to === 'a' ? this.a : this.#b)?.sendInfoDtmf(digit, ms),
    });
    bridge.on('dtmf', (from, digit, ms) => this.emit('dtmf', from, digit, ms));
    this.#bridge = bridge;
    for (const side of ['a', 'b'] as const) {
      this.#syncMute(side);
      if (this.#taps[side]) bridge.setTap(side, this.#taps[side]);
    }
    return true;
  }

  #armRtpTimer(ms: number): void {
    const timeout = this.#options.rtpTimeoutMs ?? 30_000;
    if (timeout <= 0 || this.#ending) return;
    this.#rtpTimer = this.#timers.setTimeout(() => {
      this.#rtpTimer = undefined;
      this.#checkRtp(timeout);
    }, Math.max(50, ms));
  }

  #checkRtp(timeout: number): void {
    if (this.#ending) return;
    if (this.#held.a || this.#held.b || this.#heldByUs.a || this.#heldByUs.b || !this.#bridge || this.#relay?.gone) {
      this.#armRtpTimer(timeout);
      return;
    }
    const now = this.#clock.nowMs();
    const since = this.#mediaSinceMs;
    const silentA = now - Math.max(since, this.#bridge.lastRxMs('a'));
    const silentB = now - Math.max(since, this.#bridge.lastRxMs('b'));
    const silent = Math.max(silentA, silentB);
    if (silent >= timeout) {
      this.#options.logger?.info({ callId: this.id, silentA, silentB }, 'RTP timeout');
      this.#end({ reason: 'media_timeout', status: LOCAL_END_STATUS.media_timeout, endedBy: silentA >= silentB ? 'caller' : 'callee' });
      return;
    }
    this.#armRtpTimer(timeout - silent);
  }

  #clearNoAnswer(): void {
    if (this.#noAnswerTimer !== undefined) this.#timers.clearTimeout(this.#noAnswerTimer);
    this.#noAnswerTimer = undefined;
  }

  #clearTimers(): void {
    this.#clearNoAnswer();
    if (this.#relay?.timer !== undefined) this.#timers.clearTimeout(this.#relay.timer);
    if (this.#rtpTimer !== undefined) this.#timers.clearTimeout(this.#rtpTimer);
    this.#rtpTimer = undefined;
  }

  #setState(state: CallState): void {
    const previous = this.#state;
    if (previous === state || previous === 'ended') return;
    this.#state = state;
    this.emit('state', state, previous);
  }

  /** End the call once: signal both legs as their state needs, record, release. */
  #end(ending: Ending): void {
    if (this.#ending) return;
    this.#ending = ending;
    this.#clearTimers();
    const header = reasonHeader(ending.reason);
    const unanswered = this.#answerMs === undefined;
    this.a.end({ status: unanswered ? (ending.status >= 300 ? ending.status : 480) : undefined, reason: header });
    this.#b?.end({ reason: header });
    const bridgeStats = this.#bridge?.getStats();
    this.#cdr = this.#record(ending, bridgeStats);
    this.#setState('ended');
    this.close();
    this.emit('ended', this.#cdr);
  }

  #record(ending: Ending, bridge: BridgeStats | undefined): CallDetailRecord {
    const end = this.#now();
    const mode: BridgeMode | null = bridge?.mode ?? null;
    return {
      callId: this.id,
      from: this.from,
      to: this.to,
      direction: this.direction,
      route: this.route ?? null,
      startTime: new Date(this.#startMs).toISOString(),
      answerTime: this.#answerMs === undefined ? null : new Date(this.#answerMs).toISOString(),
      endTime: new Date(end).toISOString(),
      durationSeconds: this.#answerMs === undefined ? 0 : Math.max(0, (end - this.#answerMs) / 1000),
      endReason: ending.reason,
      sipCode: ending.status,
      endedBy: ending.endedBy,
      bridgeMode: mode,
      legs: {
        a: legRecord(this.a.getStats(), bridge, 'a'),
        b: this.#b ? legRecord(this.#b.getStats(), bridge, 'b') : null,
      },
    };
  }
}
