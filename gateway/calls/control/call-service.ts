/**
 * CallService: the call engine as the bot API sees it — `CallControl` over the B2BUA. It keeps
 * the calls the app manages (answered for a bot after `/incoming`, placed by `POST /v1/calls`,
 * or connected on by the app), turns their events into the xbridge lifecycle events
 * (`call.ringing`, `call.answered`, `call.dtmf`, `call.hold`, `call.resumed`,
 * `call.play_finished`, `call.ended`) handed to `notify`, attaches bot WebSockets (`/ws/{id}`) and
 * connects out to a bot when `/incoming` asked for it (Twilio `<Connect><Stream>`).
 *
 * "The far party" of a managed call is the person: the caller of an inbound call, the callee of
 * one the API placed. Hold, transfer and DTMF act on it; mute silences what it hears from us.
 */
import type { WebSocket } from 'ws';
import type { MediaClock } from '../../../media/index.ts';
import { dialStream, handleSocket, parseStreamQuery, type StreamConfig, type StreamLeg, type StreamLogger } from '../../streams/index.ts';
import { forkCallCodec, StreamFork } from '../bot/stream-fork.ts';
import type { B2bua, CallContext } from '../b2bua.ts';
import type { BridgeSide } from '../bridge.ts';
import type { Call } from '../call.ts';
import { BotCallerLeg } from '../bot/bot-call-legs.ts';
import { callNotFound, CallControlError, type ApiCallInfo, type ApiCallStatus, type CallControl, type CreateCallRequest, type PlayRequest } from './types.ts';

/** A lifecycle event as the webhook carries it (xbridge names and fields). */
export type CallLifecycleEvent =
  | { event: 'call.ringing'; call_id: string; from: string; to: string }
  | { event: 'call.answered'; call_id: string }
  | { event: 'call.ended'; call_id: string; reason: string; duration: number }
  | { event: 'call.dtmf'; call_id: string; digit: string }
  | { event: 'call.hold'; call_id: string }
  | { event: 'call.resumed'; call_id: string }
  | { event: 'call.play_finished'; call_id: string; play_id: string; interrupted: boolean };

export interface CallServiceOptions {
  b2bua: B2bua;
  clock: MediaClock;
  /** The `stream` config block (bot stream formats). */
  stream: StreamConfig;
  /** Deliver a lifecycle event (to the call's `webhook_url` when it has one). */
  notify: (event: CallLifecycleEvent, webhookUrl: string | undefined) => void;
  logger?: StreamLogger & { child?: (b: object) => StreamLogger };
  /** A connect-out socket opened (count it: patchbay_ws_connections and frames; /ws/{id} sockets are counted where they are upgraded). */
  onConnectOutSocket?: (ws: WebSocket) => void;
}

interface Managed {
  call: Call;
  context: CallContext;
  /** The person's side. */
  far: BridgeSide;
  rang: boolean;
  /** A listening bot stream on a call bridged to a person, and how to detach it. */
  fork?: { leg: StreamLeg; stop(): void };
}

function other(side: BridgeSide): BridgeSide {
  return side === 'a' ? 'b' : 'a';
}

export class CallService implements CallControl {
  readonly #o: CallServiceOptions;
  readonly #calls = new Map<string, Managed>();
  readonly #onCall = (call: Call, context: CallContext) => this.#track(call, context);

  constructor(options: CallServiceOptions) {
    this.#o = options;
    options.b2bua.on('call', this.#onCall);
  }

  /** Stop listening for new calls (the B2BUA closes the calls themselves). */
  close(): void {
    this.#o.b2bua.off('call', this.#onCall);
  }

  async create(request: CreateCallRequest): Promise<{ call_id: string }> {
    const call = this.#o.b2bua.placeCall(request);
    return { call_id: call.id };
  }

  list(): ApiCallInfo[] {
    return this.#o.b2bua.registry.list().map((c) => this.#info(c));
  }

  get(callId: string): ApiCallInfo | undefined {
    const call = this.#o.b2bua.registry.get(callId);
    return call ? this.#info(call) : undefined;
  }

  hangup(callId: string): void {
    this.#call(callId).hangup();
  }

  hold(callId: string): Promise<void> {
    return this.#op(callId, 'hold', (call, far) => call.hold(far, true));
  }

  resume(callId: string): Promise<void> {
    return this.#op(callId, 'resume', (call, far) => call.hold(far, false));
  }

  transfer(callId: string, target: string): Promise<void> {
    return this.#op(callId, 'transfer', (call, far) => call.transfer(far, target));
  }

  dtmf(callId: string, digits: string): Promise<void> {
    return this.#op(callId, 'dtmf', async (call, far) => call.sendDtmf(far, digits));
  }

  mute(callId: string): void {
    const call = this.#call(callId);
    call.setMuted(other(this.#far(call)), true);
  }

  unmute(callId: string): void {
    const call = this.#call(callId);
    call.setMuted(other(this.#far(call)), false);
  }

  play(callId: string, request: PlayRequest): { play_id: string } {
    const bot = this.#bot(callId);
    try {
      return { play_id: bot.play(request.pcm, request.loopCount) };
    } catch (err) {
      throw new CallControlError(500, `play failed: ${(err as Error).message}`, { cause: err });
    }
  }

  stopPlay(callId: string): void {
    if (!this.#bot(callId).stopPlay()) throw new CallControlError(404, 'No active playback on this call');
  }

  canStream(callId: string): boolean {
    const call = this.#o.b2bua.registry.get(callId);
    const ctx = this.#calls.get(callId)?.context;
    return call !== undefined && !call.closed && ctx !== undefined && (ctx.bot !== undefined || ctx.streamRequested === true || ctx.streamTarget !== undefined);
  }

  attachStream(callId: string, socket: WebSocket, query: URLSearchParams): void {
    const call = this.#call(callId);
    const m = this.#calls.get(callId);
    const bot = m?.context.bot;
    if (!m || (!bot && !this.canStream(callId))) throw callNotFound();
    const parsed = parseStreamQuery(query, this.#o.stream);
    const rate = parsed.ok ? parsed.format.sampleRate : 8000;
    const result = handleSocket(socket, {
      callId,
      clock: this.#o.clock,
      query,
      config: this.#o.stream,
      callCodec: bot ? bot.media.codec : forkCallCodec(rate),
      autoStart: false,
      logger: this.#o.logger,
    });
    if (!result.ok) {
      this.#o.logger?.warn({ callId, err: result.error }, 'bot stream refused');
      return;
    }
    if (bot) bot.attachStream(result.leg);
    else this.#fork(m, call, result.leg, rate);
  }

  /** A bot listening to a call bridged to a person: it hears the caller (the tap of side 'a'). */
  #fork(m: Managed, call: Call, leg: StreamLeg, rate: number): void {
    m.fork?.stop();
    const fork = new StreamFork(leg, rate);
    const onDtmf = (from: BridgeSide, digit: string) => {
      if (from === 'a') fork.dtmf(digit);
    };
    const stop = () => {
      if (m.fork?.leg !== leg) return;
      m.fork = undefined;
      call.setTap('a', undefined);
      call.off('dtmf', onDtmf);
      fork.close();
      leg.parentClosed();
    };
    m.fork = { leg, stop };
    call.setTap('a', fork.tap);
    call.on('dtmf', onDtmf);
    leg.once('close', stop);
    call.once('ended', stop);
    leg.start();
  }

  // --- internals -------------------------------------------------------------------------------

  #track(call: Call, context: CallContext): void {
    const far: BridgeSide = call.a instanceof BotCallerLeg ? 'b' : 'a';
    const m: Managed = { call, context, far, rang: false };
    this.#calls.set(call.id, m);
    const url = context.webhookUrl;
    const send = (event: CallLifecycleEvent) => {
      if (context.managed) this.#o.notify(event, url);
    };
    call.on('ringing', () => {
      m.rang = true;
      send({ event: 'call.ringing', call_id: call.id, from: call.from, to: call.to });
    });
    call.once('answered', () => send({ event: 'call.answered', call_id: call.id }));
    call.on('hold', (side, onHold) => {
      if (side !== far && context.bot) return;
      send({ event: onHold ? 'call.hold' : 'call.resumed', call_id: call.id });
    });
    call.on('dtmf', (from, digit) => {
      if (context.bot && from !== far) return;
      send({ event: 'call.dtmf', call_id: call.id, digit });
    });
    context.bot?.onBot('playFinished', (playId, interrupted) =>
      send({ event: 'call.play_finished', call_id: call.id, play_id: playId, interrupted }),
    );
    call.once('ended', (cdr) => {
      this.#calls.delete(call.id);
      send({ event: 'call.ended', call_id: call.id, reason: cdr.endReason, duration: Math.round(cdr.durationSeconds * 1000) / 1000 });
    });
    if (context.streamTarget && context.bot) void this.#connectOut(m, context.streamTarget);
  }

  /** `/incoming` answered with a stream URL: connect to the bot ourselves. */
  async #connectOut(m: Managed, target: { url: string; parameters?: Record<string, string> }): Promise<void> {
    const bot = m.context.bot!;
    const result = await dialStream(target.url, {
      callId: m.call.id,
      clock: this.#o.clock,
      parameters: target.parameters ?? {},
      callCodec: bot.media.codec,
      autoStart: false,
      logger: this.#o.logger,
      onSocket: this.#o.onConnectOutSocket,
    });
    if (!result.ok) {
      this.#o.logger?.warn({ callId: m.call.id, url: target.url, err: result.error }, 'connect-out stream failed: hanging up');
      m.call.hangup();
      return;
    }
    if (m.call.closed) {
      result.leg.close();
      return;
    }
    bot.attachStream(result.leg);
  }

  #info(call: Call): ApiCallInfo {
    const m = this.#calls.get(call.id);
    const api = m !== undefined && m.far === 'b';
    return {
      call_id: call.id,
      from: call.from,
      to: call.to,
      direction: api || (m === undefined && call.direction === 'outbound') ? 'outbound' : 'inbound',
      status: this.#status(call, m),
      ...(call.peer ? { peer: call.peer } : {}),
    };
  }

  #status(call: Call, m: Managed | undefined): ApiCallStatus {
    switch (call.state) {
      case 'ringing':
        return m && m.far === 'b' && !m.rang ? 'dialing' : 'ringing';
      case 'early_media':
        return 'ringing';
      case 'answered':
        return 'in_progress';
      case 'on_hold':
        return 'on_hold';
      case 'ended':
        return 'completed';
    }
  }

  #call(callId: string): Call {
    const call = this.#o.b2bua.registry.get(callId);
    if (!call || call.closed) throw callNotFound();
    return call;
  }

  #far(call: Call): BridgeSide {
    return this.#calls.get(call.id)?.far ?? 'a';
  }

  #bot(callId: string) {
    this.#call(callId);
    const bot = this.#calls.get(callId)?.context.bot;
    if (!bot) throw new CallControlError(500, 'Audio writer not available: this call is not answered by a bot');
    return bot;
  }

  async #op(callId: string, what: string, fn: (call: Call, far: BridgeSide) => Promise<void> | void): Promise<void> {
    const call = this.#call(callId);
    try {
      await fn(call, this.#far(call));
    } catch (err) {
      if (err instanceof CallControlError) throw err;
      throw new CallControlError(500, `${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
