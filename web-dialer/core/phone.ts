/**
 * The phone: a JsSIP user agent registered to the gateway over SIP-over-WebSocket (`/sip`), with
 * the registration state always known ('connecting' → 'registering' → 'registered'; after a
 * dropped socket 'reconnecting' until JsSIP's automatic reconnect has registered again), sign-in
 * that resolves on the first registration or rejects with a reason people understand, and one
 * call at a time (a second incoming call is answered 486 Busy Here). Shared by the full dialer
 * and the `<patchbay-phone>` widget; knows nothing of any UI.
 */
import * as JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import type { IncomingRequest } from 'jssip/lib/SIPMessage.js';
import { TonePlayer } from './audio.ts';
import { Call, MicrophoneError, PC_CONFIG, openMicrophone, type CallMedia, type TransferAccept } from './call.ts';
import { Emitter } from './emitter.ts';
import { describeRegistrationFailure, type SignInProblem } from './end-reasons.ts';
import { postDialDigits, targetUri } from './number.ts';

export type RegistrationState = 'signed-out' | 'connecting' | 'registering' | 'registered' | 'reconnecting' | 'failed';

export interface PhoneOptions {
  /** The gateway: its http(s) origin (SIP goes to ws(s)://host/sip) or a ws(s):// URL. */
  gateway: string;
  user: string;
  password: string;
  /** Shown to the people we call. */
  displayName?: string;
  /** Audio settings (shared object: the settings panel changes it in place). */
  media: Omit<CallMedia, 'tones'>;
  /** JsSIP's SIP trace in the console. Default false. */
  debug?: boolean;
}

export type PhoneEvents = {
  change: [];
  registered: [];
  unregistered: [];
  'registration-failed': [problem: SignInProblem, message: string];
  /** A new incoming call is ringing. */
  incoming: [call: Call];
  /** A call (either way) started. */
  call: [call: Call];
  /** A call ended (after its own 'ended'). */
  'call-ended': [call: Call];
};

/** Sign-in failed: `problem` says why, `message` is for people. */
export class SignInError extends Error {
  constructor(readonly problem: SignInProblem, message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

/** `http://h:p` → `ws://h:p/sip`; ws(s) URLs pass through. */
export function sipWebSocketUrl(gateway: string): string {
  const url = new URL(gateway);
  if (url.protocol === 'ws:' || url.protocol === 'wss:') return url.href;
  return `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}/sip`;
}

export class Phone extends Emitter<PhoneEvents> {
  readonly user: string;
  readonly domain: string;
  readonly tones = new TonePlayer();
  state: RegistrationState = 'signed-out';
  /** Why the last sign-in or registration failed, or why we are reconnecting. */
  problem: string | undefined;
  /** How many times the socket dropped since sign-in. */
  reconnects = 0;
  current: Call | undefined;
  readonly #options: PhoneOptions;
  #ua: JsSIP.UA | undefined;
  #everRegistered = false;

  constructor(options: PhoneOptions) {
    super();
    this.#options = options;
    this.user = options.user;
    this.domain = new URL(options.gateway).hostname;
  }

  get media(): CallMedia {
    return Object.assign(this.#options.media, { tones: this.tones });
  }

  /** Connects and registers; resolves once registered, rejects with SignInError (and stops) otherwise. */
  start(): Promise<void> {
    if (this.#ua) throw new Error('phone already started');
    if (this.#options.debug) JsSIP.debug.enable('JsSIP:*');
    const host = this.domain.includes(':') ? `[${this.domain}]` : this.domain;
    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(sipWebSocketUrl(this.#options.gateway))],
      uri: `sip:${this.user}@${host}`,
      password: this.#options.password,
      display_name: this.#options.displayName,
      register: true,
      register_expires: 300,
      session_timers: false,
      connection_recovery_min_interval: 1,
      connection_recovery_max_interval: 8,
      user_agent: 'Patchbay web dialer',
    });
    this.#ua = ua;
    this.#set('connecting');
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (problem: SignInProblem, message: string) => {
        if (settled) return;
        settled = true;
        this.stop();
        this.state = 'failed';
        this.problem = message;
        this.emit('change');
        reject(new SignInError(problem, message));
      };
      ua.on('connected', () => {
        if (this.state !== 'registered') this.#set('registering');
      });
      ua.on('disconnected', () => {
        if (!settled && !this.#everRegistered) return fail('network', 'Cannot reach the gateway. Check your network connection.');
        if (this.#ua !== ua) return;
        this.reconnects++;
        this.#set('reconnecting', 'Connection to the gateway lost. Reconnecting…');
      });
      ua.on('registered', () => {
        this.#everRegistered = true;
        this.#set('registered');
        this.emit('registered');
        if (!settled) {
          settled = true;
          resolve();
        }
      });
      ua.on('unregistered', () => {
        if (this.#ua === ua && this.state === 'registered') this.#set('registering');
        this.emit('unregistered');
      });
      ua.on('registrationFailed', (e) => {
        const status = (e.response as { status_code?: number } | undefined)?.status_code;
        const { problem, message } = describeRegistrationFailure(e.cause ?? '', status);
        this.emit('registration-failed', problem, message);
        if (!settled) return fail(problem, message);
        // After a good sign-in: a transport failure means we reconnect; anything else is shown.
        if (problem === 'network') this.#set('reconnecting', 'Connection to the gateway lost. Reconnecting…');
        else this.#set('failed', message);
      });
      ua.on('newRTCSession', (e: { originator: string; session: RTCSession; request: unknown }) => {
        if (e.originator === 'remote') this.#incoming(e.session, e.request as IncomingRequest);
      });
      ua.start();
    });
  }

  /** Unregisters and disconnects; ends any call. Idempotent. */
  stop(): void {
    const ua = this.#ua;
    if (!ua) return;
    this.#ua = undefined;
    this.current?.hangup();
    ua.removeAllListeners();
    try {
      ua.stop();
    } catch {
      // Not started or already stopped.
    }
    this.tones.stop();
    this.#set('signed-out');
  }

  /** Calls `target` (number, user, extension or SIP URI). Throws MicrophoneError or Error('busy'). */
  async call(target: string): Promise<Call> {
    const ua = this.#ua;
    if (!ua || this.state !== 'registered') throw new Error('Not connected to the gateway yet.');
    if (this.current && this.current.state !== 'ended') throw new Error('Hang up the current call first.');
    const uri = targetUri(target, this.domain);
    const peer = uri.replace(/^sips?:/, '').replace(/@.*$/, '');
    const stream = await openMicrophone(this.#options.media);
    let session: RTCSession;
    try {
      session = ua.call(uri, { mediaStream: stream, pcConfig: PC_CONFIG });
    } catch (err) {
      for (const t of stream.getTracks()) t.stop();
      throw err;
    }
    const call = new Call(session, this.media, peer);
    call.attachMicrophone(stream);
    const ext = postDialDigits(target);
    if (ext) call.on('answered', () => setTimeout(() => call.sendDigits(ext), 1500));
    this.#adopt(call);
    return call;
  }

  #incoming(session: RTCSession, request: IncomingRequest): void {
    if (this.current && this.current.state !== 'ended') {
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
      return;
    }
    const from = request.from;
    const call = new Call(session, this.media, from.uri.user ?? from.uri.toString(), from.display_name || undefined);
    this.#adopt(call);
    this.emit('incoming', call);
  }

  /**
   * The other side transferred us (blind, REFER): call the target as if dialled here, with the
   * same microphone settings; the new call becomes the current one, the old ends when the
   * gateway hangs it up after the transfer succeeded. Refused when the microphone cannot open.
   */
  async #followTransfer(old: Call, target: string, accept: TransferAccept, reject: () => void): Promise<void> {
    let stream: MediaStream;
    try {
      stream = await openMicrophone(this.#options.media);
    } catch {
      reject();
      return;
    }
    old.transferredTo = target;
    let next: Call | undefined;
    try {
      accept(
        (session) => {
          next = new Call(session, this.media, target);
          next.attachMicrophone(stream);
        },
        { mediaStream: stream, pcConfig: PC_CONFIG },
      );
    } catch {
      next = undefined;
    }
    if (!next) {
      old.transferredTo = undefined;
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    this.#adopt(next);
  }

  #adopt(call: Call): void {
    this.current = call;
    call.on('transfer', (target, accept, reject) => void this.#followTransfer(call, target, accept, reject));
    call.on('change', () => this.emit('change'));
    call.on('ended', () => this.emit('call-ended', call));
    this.emit('call', call);
    this.emit('change');
  }

  #set(state: RegistrationState, problem?: string): void {
    this.state = state;
    this.problem = problem;
    this.emit('change');
  }
}

export { MicrophoneError };
