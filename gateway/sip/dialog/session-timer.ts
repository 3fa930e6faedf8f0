/**
 * Session timers (RFC 4028): parsing Session-Expires / Min-SE, the negotiation a UAS does on each
 * session refresh request (422 when the interval is below our Min-SE, choosing the refresher) and
 * the one a UAC does on each 2xx, and `SessionTimer`, which runs the two clocks of a dialog: the
 * refresh at half the interval when we are the refresher, and the expiry — BYE the minimum of
 * 32 s and a third of the interval before the session would lapse — whoever refreshes.
 */
import { getHeader, getHeaders, parseTokenList } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import { TimerSet, type TimerService } from '../transaction/index.ts';

export type Refresher = 'uac' | 'uas';

/** A Session-Expires value. */
export interface SessionExpires {
  /** Session interval in seconds. */
  interval: number;
  /** Who refreshes, when the header says. */
  refresher?: Refresher;
}

/** RFC 4028 §4: the smallest Min-SE anyone may ask for, and our default. */
export const MIN_SE_FLOOR = 90;

/** Parses `Session-Expires: 1800;refresher=uac`; undefined when malformed. */
export function parseSessionExpires(value: string): SessionExpires | undefined {
  const [head, ...params] = value.split(';');
  const n = (head ?? '').trim();
  if (!/^[0-9]+$/.test(n)) return undefined;
  const out: SessionExpires = { interval: Math.min(Number(n), 0xffffffff) };
  for (const p of params) {
    const [name, v] = p.split('=').map((x) => x.trim().toLowerCase());
    if (name === 'refresher' && (v === 'uac' || v === 'uas')) out.refresher = v;
  }
  return out;
}

export function formatSessionExpires(se: SessionExpires): string {
  return se.refresher ? `${se.interval};refresher=${se.refresher}` : String(se.interval);
}

/** The Min-SE of a message (seconds), or undefined. */
export function getMinSE(msg: SipRequest | SipResponse): number | undefined {
  const v = getHeader(msg, 'Min-SE');
  const n = v?.split(';')[0]?.trim();
  return n && /^[0-9]+$/.test(n) ? Number(n) : undefined;
}

/** The Session-Expires of a message, or undefined. */
export function getSessionExpires(msg: SipRequest | SipResponse): SessionExpires | undefined {
  const v = getHeader(msg, 'Session-Expires');
  return v === undefined ? undefined : parseSessionExpires(v);
}

/** True when the message lists `option` in Supported (or Require). */
export function supportsOption(msg: SipRequest | SipResponse, option: string): boolean {
  const want = option.toLowerCase();
  for (const name of ['Supported', 'Require']) {
    for (const v of getHeaders(msg, name)) {
      try {
        if (parseTokenList(v).some((t) => t.toLowerCase() === want)) return true;
      } catch {
        /* a malformed list supports nothing */
      }
    }
  }
  return false;
}

/** What a UAS answers to a request regarding session timers. */
export type UasSessionDecision =
  /** The request asks for no session timer: none runs. */
  | { kind: 'none' }
  /** The interval is below our Min-SE: answer 422 with this Min-SE (RFC 4028 §8.1). */
  | { kind: 'too-small'; minSE: number }
  /** Run a session timer: put these in the 2xx. */
  | { kind: 'accept'; interval: number; refresher: Refresher; requireTimer: boolean };

/**
 * RFC 4028 §8–9 as the UAS of a session refresh request (the initial INVITE, a re-INVITE or an
 * UPDATE). When the request names no refresher we leave the refreshing to a UAC that supports
 * timers, and take it ourselves otherwise.
 */
export function negotiateAsUas(request: SipRequest, localMinSE: number = MIN_SE_FLOOR): UasSessionDecision {
  const se = getSessionExpires(request);
  if (!se) return { kind: 'none' };
  if (se.interval < localMinSE) return { kind: 'too-small', minSE: localMinSE };
  const uacSupports = supportsOption(request, 'timer');
  const refresher: Refresher = se.refresher ?? (uacSupports ? 'uac' : 'uas');
  return { kind: 'accept', interval: se.interval, refresher: uacSupports ? refresher : 'uas', requireTimer: uacSupports };
}

/** Headers for a 2xx carrying an accepted UAS decision. */
export function uasSessionHeaders(decision: UasSessionDecision): Record<string, string> {
  if (decision.kind !== 'accept') return {};
  const headers: Record<string, string> = {
    'Session-Expires': formatSessionExpires({ interval: decision.interval, refresher: decision.refresher }),
  };
  if (decision.requireTimer) headers.Require = 'timer';
  return headers;
}

/**
 * RFC 4028 §7.4 as the UAC of a session refresh request that got a 2xx: the interval and whether
 * we refresh, or undefined when the 2xx runs no session timer.
 */
export function negotiateAsUac(response: SipResponse): { interval: number; weRefresh: boolean } | undefined {
  const se = getSessionExpires(response);
  if (!se) return undefined;
  return { interval: se.interval, weRefresh: (se.refresher ?? 'uac') === 'uac' };
}

/** When the non-refreshing side gives up: the lesser of 32 s and a third of the interval before the end. */
export function expiryDelayMs(interval: number): number {
  return Math.max(0, (interval - Math.min(32, interval / 3)) * 1000);
}

export interface SessionTimerHandlers {
  /** Time for us (the refresher) to send a session refresh. */
  refresh(): void;
  /** No refresh arrived in time: the session is over (send BYE). */
  expire(): void;
}

/** The running session timer of one dialog. */
export class SessionTimer {
  readonly #timers: TimerSet;
  readonly #handlers: SessionTimerHandlers;
  #interval: number | undefined;
  #weRefresh = false;

  constructor(timers: TimerService, handlers: SessionTimerHandlers) {
    this.#timers = new TimerSet(timers);
    this.#handlers = handlers;
  }

  /** The negotiated interval in seconds, while a timer runs. */
  get interval(): number | undefined {
    return this.#interval;
  }

  /** Whether we are the refresher. */
  get weRefresh(): boolean {
    return this.#weRefresh;
  }

  get running(): boolean {
    return this.#interval !== undefined;
  }

  /** (Re)starts both clocks after a successful session refresh. */
  start(interval: number, weRefresh: boolean): void {
    this.#timers.stopAll();
    this.#interval = interval;
    this.#weRefresh = weRefresh;
    if (weRefresh) this.#timers.start('refresh', (interval * 1000) / 2, () => this.#handlers.refresh());
    this.#timers.start('expire', expiryDelayMs(interval), () => {
      this.#interval = undefined;
      this.#handlers.expire();
    });
  }

  /** Stops the clocks (no session timer any more, or the dialog ended); idempotent. */
  stop(): void {
    this.#timers.stopAll();
    this.#interval = undefined;
    this.#weRefresh = false;
  }
}
