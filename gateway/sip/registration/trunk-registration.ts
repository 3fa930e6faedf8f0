/**
 * TrunkRegistration: keeps one client registration (the xbridge `sip` block or a `trunks` entry)
 * alive at a SIP registrar: REGISTER with digest (answered by the sender), refresh before expiry,
 * exponential back-off with jitter after failures (honouring Retry-After and 423 Min-Expires),
 * and an observable status for /health (`sip_trunks`). Unregisters (Expires: 0) on stop().
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { SipRequest, SipResponse } from '../message/types.ts';
import { createRequest, getContacts, getHeader, parseCSeq, parseDeltaSeconds, parseUri, formatUri, type SipUri } from '../message/index.ts';
import { systemTimers, type TimerHandle, type TimerService } from '../transaction/index.ts';

export type TrunkRegistrationState = 'idle' | 'registering' | 'registered' | 'failed' | 'stopped';

/** Sends one REGISTER as a client transaction (Via, destination and digest retry are the sender's job). */
export type RegisterSender = (request: SipRequest) => Promise<SipResponse>;

export interface TrunkRegistrationOptions {
  /** Trunk name (for logs, status and metrics). */
  name: string;
  username: string;
  /** Registrar host, optionally with `:port`. */
  host: string;
  transport: 'udp' | 'tcp' | 'tls';
  /** Requested expiry, seconds. Default 3600. */
  expires?: number;
  /** Our Contact URI for this registration (e.g. `sip:user@203.0.113.5:5060`). */
  contact: () => string;
  send: RegisterSender;
  /** First retry delay after a failure, ms. Default 1000; doubles up to maxRetryMs. */
  minRetryMs?: number;
  /** Longest retry delay, ms. Default 300 000. */
  maxRetryMs?: number;
  timers?: TimerService;
  now?: () => number;
  random?: () => number;
}

export interface TrunkRegistrationStatus {
  name: string;
  state: TrunkRegistrationState;
  /** Granted expiry in seconds while registered. */
  expires?: number;
  /** Absolute time (ms) the registration lapses, while registered. */
  expiresAt?: number;
  /** Status code and reason of the last failure. */
  lastError?: string;
  /** Consecutive failures since the last success. */
  failures: number;
}

export interface TrunkRegistrationEvents {
  stateChange: [status: TrunkRegistrationStatus];
}

export class TrunkRegistration extends EventEmitter<TrunkRegistrationEvents> {
  readonly #o: Required<Omit<TrunkRegistrationOptions, 'timers' | 'now' | 'random'>>;
  readonly #timers: TimerService;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #callId = `${randomBytes(12).toString('hex')}@patchbay`;
  readonly #fromTag = randomBytes(6).toString('hex');
  readonly #aor: SipUri;
  readonly #registrarUri: SipUri;
  #cseq = 0;
  #expires: number;
  #state: TrunkRegistrationState = 'idle';
  #timer: TimerHandle | undefined;
  #failures = 0;
  #lastError: string | undefined;
  #grantedExpires: number | undefined;
  #expiresAt: number | undefined;
  /** When the last REGISTER succeeded (this.#now()). */
  #registeredAt = 0;
  /** The REGISTER awaiting its answer, if any. */
  #inFlight: Promise<void> | undefined;

  constructor(options: TrunkRegistrationOptions) {
    super();
    // `??` per field: an explicit `undefined` option must not wipe a default (regression).
    this.#o = {
      ...options,
      expires: options.expires ?? 3600,
      minRetryMs: options.minRetryMs ?? 1000,
      maxRetryMs: options.maxRetryMs ?? 300_000,
    };
    this.#timers = options.timers ?? systemTimers;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#expires = this.#o.expires;
    const [host, portText] = splitHostPort(options.host);
    const params: Record<string, string | null> = options.transport === 'udp' ? {} : { transport: options.transport };
    this.#registrarUri = { scheme: options.transport === 'tls' ? 'sips' : 'sip', host, ...(portText ? { port: Number(portText) } : {}), params, headers: {} };
    this.#aor = { scheme: 'sip', user: options.username, host, params: {}, headers: {} };
  }

  /** The registrar's URI (the REGISTER's Request-URI): its next hop is where the registration's connection goes. */
  get registrarUri(): string {
    return formatUri(this.#registrarUri);
  }

  get state(): TrunkRegistrationState {
    return this.#state;
  }

  get registered(): boolean {
    return this.#state === 'registered' && (this.#expiresAt ?? 0) > this.#now();
  }

  status(): TrunkRegistrationStatus {
    return {
      name: this.#o.name,
      state: this.#state,
      failures: this.#failures,
      ...(this.#state === 'registered' ? { expires: this.#grantedExpires, expiresAt: this.#expiresAt } : {}),
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
    };
  }

  /** Starts registering (idempotent). */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#attempt();
  }

  /** Stops refreshing and unregisters (best effort); idempotent. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    const wasRegistered = this.#state === 'registered';
    this.#clearTimer();
    this.#setState('stopped');
    await this.#inFlight?.catch(() => undefined);
    if (wasRegistered) {
      try {
        await this.#o.send(this.#buildRequest(0));
      } catch {
        // Unregistering is best effort: the binding lapses at its expiry anyway.
      }
    }
  }

  /**
   * The TCP/TLS connection this registration was made over has closed (either side closed it: our
   * idle timeout, the registrar's, a reset). A registrar reaches a connection-oriented client only
   * over the connection it registered on — our Contact names no port we listen on, and a NAT lets
   * nothing else in — so until we register again every call to us fails (seen with Kamailio: 477,
   * "connect … failed", while /health still counted the trunk). Register again now over a new
   * connection rather than at the next refresh; no sooner than `minRetryMs` after the last success,
   * so a registrar that drops every connection right away cannot make us loop. Ignored unless
   * registered with nothing in flight (a failing registration keeps its back-off).
   */
  connectionClosed(): void {
    if (this.#state !== 'registered' || this.#inFlight) return;
    this.#schedule(Math.max(0, this.#o.minRetryMs - (this.#now() - this.#registeredAt)));
  }

  #attempt(): void {
    if (this.#state === 'stopped') return;
    if (this.#state !== 'registered') this.#setState('registering');
    const request = this.#buildRequest(this.#expires);
    const inFlight = this.#o.send(request).then(
      (res) => {
        this.#inFlight = undefined;
        this.#onResponse(res);
      },
      (err: Error) => {
        this.#inFlight = undefined;
        this.#onFailure(`transport: ${err.message}`);
      },
    );
    this.#inFlight = inFlight;
  }

  #onResponse(res: SipResponse): void {
    if (this.#state === 'stopped') return;
    try {
      // The sender may have resent with a higher CSeq after a challenge: continue above it.
      this.#cseq = Math.max(this.#cseq, parseCSeq(getHeader(res, 'CSeq') ?? '').seq);
    } catch {
      /* keep ours */
    }
    if (res.status >= 200 && res.status < 300) {
      const granted = this.#grantedFrom(res);
      this.#failures = 0;
      this.#lastError = undefined;
      this.#grantedExpires = granted;
      this.#registeredAt = this.#now();
      this.#expiresAt = this.#registeredAt + granted * 1000;
      this.#setState('registered');
      this.#schedule(refreshDelayMs(granted));
      return;
    }
    if (res.status === 423) {
      const min = parseOptionalSeconds(getHeader(res, 'Min-Expires'));
      if (min !== undefined && min > this.#expires) {
        this.#expires = min;
        this.#attempt();
        return;
      }
    }
    this.#onFailure(`${res.status} ${res.reason}`, parseOptionalSeconds(getHeader(res, 'Retry-After')));
  }

  #onFailure(reason: string, retryAfterSec?: number): void {
    if (this.#state === 'stopped') return;
    this.#failures++;
    this.#lastError = reason;
    // Still registered until the old binding lapses; otherwise failed.
    if (!this.registered) this.#setState('failed');
    else this.emit('stateChange', this.status());
    const backoff = Math.min(this.#o.maxRetryMs, this.#o.minRetryMs * 2 ** (this.#failures - 1));
    const jittered = backoff * (0.5 + this.#random() * 0.5);
    this.#schedule(retryAfterSec !== undefined ? Math.max(retryAfterSec * 1000, jittered) : jittered);
  }

  #grantedFrom(res: SipResponse): number {
    const ours = this.#o.contact();
    let ourUri: SipUri | undefined;
    try {
      ourUri = parseUri(ours);
    } catch {
      ourUri = undefined;
    }
    try {
      for (const c of getContacts(res)) {
        if (c.expires === undefined) continue;
        if (c.uri === ours || (ourUri && sameContact(parseUri(c.uri), ourUri))) return c.expires;
      }
    } catch {
      /* fall through to Expires */
    }
    return parseOptionalSeconds(getHeader(res, 'Expires')) ?? this.#expires;
  }

  #buildRequest(expires: number): SipRequest {
    this.#cseq++;
    return createRequest({
      method: 'REGISTER',
      uri: this.#registrarUri,
      headers: {
        From: `<${formatUri(this.#aor)}>;tag=${this.#fromTag}`,
        To: `<${formatUri(this.#aor)}>`,
        'Call-ID': this.#callId,
        CSeq: `${this.#cseq} REGISTER`,
        Contact: `<${this.#o.contact()}>`,
        Expires: String(expires),
      },
    });
  }

  #schedule(ms: number): void {
    this.#clearTimer();
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#attempt();
    }, ms);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #setState(state: TrunkRegistrationState): void {
    this.#state = state;
    this.emit('stateChange', this.status());
  }
}

/** Refresh well before expiry: half-way for short registrations, else 30 s (or 10 %) early. */
export function refreshDelayMs(expiresSec: number): number {
  if (expiresSec <= 60) return Math.max(1, expiresSec / 2) * 1000;
  return (expiresSec - Math.max(30, expiresSec * 0.1)) * 1000;
}

function parseOptionalSeconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  try {
    return parseDeltaSeconds(v.split(/[;(]/)[0]!.trim());
  } catch {
    return undefined;
  }
}

function sameContact(a: SipUri, b: SipUri): boolean {
  return a.user === b.user && a.host.toLowerCase() === b.host.toLowerCase() && (a.port ?? 5060) === (b.port ?? 5060);
}

function splitHostPort(text: string): [string, string | undefined] {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    return [text.slice(1, end), text[end + 1] === ':' ? text.slice(end + 2) : undefined];
  }
  const i = text.lastIndexOf(':');
  return i > 0 && text.indexOf(':') === i ? [text.slice(0, i), text.slice(i + 1)] : [text, undefined];
}
