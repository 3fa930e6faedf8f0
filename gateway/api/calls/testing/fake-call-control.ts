/**
 * FakeCallControl: a CallControl for API tests. It keeps a table of calls (`add`), records every
 * operation in `log` as `[method, ...args]`, and fails an operation on demand (`failNext`) with the
 * CallControlError the real engine would throw. Per-call operations on unknown ids throw
 * `callNotFound()`, like the real one; `stopPlay` throws 404 when nothing plays.
 */
import type { WebSocket } from 'ws';
import {
  callNotFound,
  CallControlError,
  type ApiCallInfo,
  type CallControl,
  type CreateCallRequest,
  type PlayRequest,
} from '../../../calls/control/types.ts';

type Method = keyof CallControl;

export class FakeCallControl implements CallControl {
  readonly calls = new Map<string, ApiCallInfo>();
  /** Every operation, in order: `['hold', 'c1']`, `['play', 'c1', {pcm, loopCount}]`, … */
  readonly log: unknown[][] = [];
  /** Calls a bot may stream (canStream). */
  readonly streaming = new Set<string>();
  /** Sockets handed to attachStream. */
  readonly attached: { callId: string; socket: WebSocket; query: URLSearchParams }[] = [];
  readonly #failures = new Map<Method, Error>();
  readonly #playing = new Set<string>();
  #nextId = 0;
  #nextPlay = 0;

  /** Adds an active call (outbound, in progress by default). */
  add(info: Partial<ApiCallInfo> & { call_id: string }, options: { stream?: boolean } = {}): this {
    this.calls.set(info.call_id, { from: '1001', to: '2002', direction: 'outbound', status: 'in_progress', ...info });
    if (options.stream) this.streaming.add(info.call_id);
    return this;
  }

  /** The next call of `method` throws `error` (a CallControlError, or anything). */
  failNext(method: Method, error: Error): this {
    this.#failures.set(method, error);
    return this;
  }

  /** The operations recorded for `method`, without the method name. */
  calledWith(method: Method): unknown[][] {
    return this.log.filter((e) => e[0] === method).map((e) => e.slice(1));
  }

  async create(request: CreateCallRequest): Promise<{ call_id: string }> {
    this.#enter('create', request);
    const call_id = `call-${this.#nextId++}`;
    this.add({ call_id, from: request.from, to: request.to, status: 'dialing', ...(request.peer && { peer: request.peer }) }, { stream: request.stream });
    return { call_id };
  }

  list(): ApiCallInfo[] {
    return [...this.calls.values()];
  }

  get(callId: string): ApiCallInfo | undefined {
    return this.calls.get(callId);
  }

  hangup(callId: string): void {
    this.#call('hangup', callId);
    this.calls.delete(callId);
  }

  async hold(callId: string): Promise<void> {
    this.#call('hold', callId).status = 'on_hold';
  }

  async resume(callId: string): Promise<void> {
    this.#call('resume', callId).status = 'in_progress';
  }

  async transfer(callId: string, target: string): Promise<void> {
    this.#call('transfer', callId, target);
  }

  async dtmf(callId: string, digits: string): Promise<void> {
    this.#call('dtmf', callId, digits);
  }

  mute(callId: string): void {
    this.#call('mute', callId);
  }

  unmute(callId: string): void {
    this.#call('unmute', callId);
  }

  play(callId: string, request: PlayRequest): { play_id: string } {
    this.#call('play', callId, request);
    this.#playing.add(callId);
    return { play_id: `play_${this.#nextPlay++}` };
  }

  stopPlay(callId: string): void {
    this.#call('stopPlay', callId);
    if (!this.#playing.delete(callId)) throw new CallControlError(404, 'No active playback');
  }

  canStream(callId: string): boolean {
    return this.calls.has(callId) && this.streaming.has(callId);
  }

  attachStream(callId: string, socket: WebSocket, query: URLSearchParams): void {
    this.#call('attachStream', callId, query.toString());
    this.attached.push({ callId, socket, query });
  }

  #enter(method: Method, ...args: unknown[]): void {
    this.log.push([method, ...args]);
    const failure = this.#failures.get(method);
    if (failure) {
      this.#failures.delete(method);
      throw failure;
    }
  }

  #call(method: Method, callId: string, ...args: unknown[]): ApiCallInfo {
    this.#enter(method, callId, ...args);
    const info = this.calls.get(callId);
    if (!info) throw callNotFound();
    return info;
  }
}
