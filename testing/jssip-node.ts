/**
 * Test helper: JsSIP 3.x running in Node as a signalling-only browser stand-in over SIP over
 * WebSocket (RFC 7118). Node has no WebSocket or RTCPeerConnection, so before loading JsSIP we
 * install `globalThis.WebSocket` from `ws`, a `window`, RTCSessionDescription and a do-nothing RTCPeerConnection whose
 * offers and answers are a fixed PCMU SDP (enough for the far end's offer/answer; no media).
 * Connection recovery is pushed far out, so dropping the socket (`dropConnection()`) leaves the
 * client disconnected — what a closed browser tab looks like to the registrar.
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';

const FAKE_SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
  'm=audio 9 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n';

class FakePeerConnection extends EventTarget {
  signalingState = 'stable';
  iceGatheringState = 'complete';
  iceConnectionState = 'new';
  connectionState = 'new';
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  getSenders() { return []; }
  getReceivers() { return []; }
  getTransceivers() { return []; }
  getLocalStreams() { return []; }
  getRemoteStreams() { return []; }
  addTrack() {}
  addStream() {}
  close() { this.signalingState = 'closed'; }
  async createOffer() { return { type: 'offer', sdp: FAKE_SDP }; }
  async createAnswer() { return { type: 'answer', sdp: FAKE_SDP }; }
  async setLocalDescription(d: { type: string; sdp: string }) { this.localDescription = d; }
  async setRemoteDescription(d: { type: string; sdp: string }) { this.remoteDescription = d; }
}

type JsSipModule = typeof import('jssip');
type JsSipUA = InstanceType<JsSipModule['UA']>;
type JsSipSession = import('jssip/lib/RTCSession.js').RTCSession;

class FakeSessionDescription {
  type: string;
  sdp: string;
  constructor(init: { type: string; sdp: string }) {
    this.type = init.type;
    this.sdp = init.sdp;
  }
}

let loaded: Promise<JsSipModule> | undefined;

/** Installs the browser stand-ins and loads JsSIP once per process. */
function loadJsSip(): Promise<JsSipModule> {
  const g = globalThis as Record<string, unknown>;
  g.WebSocket ??= WebSocket;
  g.window ??= globalThis;
  g.RTCPeerConnection ??= FakePeerConnection;
  g.RTCSessionDescription ??= FakeSessionDescription;
  loaded ??= import('jssip').then((m) => ((m as { default?: JsSipModule }).default ?? m) as JsSipModule);
  return loaded;
}

const NO_MEDIA = { mediaConstraints: { audio: false, video: false } };

export interface JsSipClientOptions {
  /** e.g. 'ws://127.0.0.1:8080/sip'. */
  wsUrl: string;
  /** Our AOR, e.g. 'sip:1003@127.0.0.1'. */
  uri: string;
  password: string;
  /** Answer incoming calls at once. Default true. */
  autoAnswer?: boolean;
}

export interface JsSipClientEvents {
  /** A call arrived (and was answered when autoAnswer is on). */
  incoming: [session: JsSipSession];
  /** The registration failed. */
  registrationFailed: [cause: string];
}

export class JsSipClient extends EventEmitter<JsSipClientEvents> {
  readonly ua: JsSipUA;
  readonly #socket: InstanceType<JsSipModule['WebSocketInterface']>;

  private constructor(ua: JsSipUA, socket: InstanceType<JsSipModule['WebSocketInterface']>) {
    super();
    this.ua = ua;
    this.#socket = socket;
  }

  /** Starts the user agent and resolves once it is registered (rejects on registrationFailed). */
  static async start(options: JsSipClientOptions): Promise<JsSipClient> {
    const JsSIP = await loadJsSip();
    const socket = new JsSIP.WebSocketInterface(options.wsUrl);
    const ua = new JsSIP.UA({
      sockets: [socket],
      uri: options.uri,
      password: options.password,
      register: true,
      register_expires: 300,
      connection_recovery_min_interval: 3600,
      connection_recovery_max_interval: 3600,
    });
    const client = new JsSipClient(ua, socket);
    ua.on('newRTCSession', ({ session, originator }: { session: JsSipSession; originator: string }) => {
      if (originator !== 'remote') return;
      if (options.autoAnswer ?? true) session.answer(NO_MEDIA);
      client.emit('incoming', session);
    });
    const registered = new Promise<void>((resolve, reject) => {
      ua.once('registered', () => resolve());
      ua.once('registrationFailed', (e) => {
        client.emit('registrationFailed', String(e.cause));
        reject(new Error(`JsSIP registration failed: ${String(e.cause)}`));
      });
    });
    ua.start();
    try {
      await registered;
    } catch (err) {
      ua.stop();
      throw err;
    }
    return client;
  }

  /** Calls `target` and resolves with the session once it is confirmed (rejects when it fails). */
  call(target: string): Promise<JsSipSession> {
    return new Promise((resolve, reject) => {
      const session = this.ua.call(target, NO_MEDIA);
      session.once('confirmed', () => resolve(session));
      session.once('failed', (e) => reject(new Error(`JsSIP call failed: ${String(e.cause)}`)));
    });
  }

  /** Resolves when a session ends or fails, with `originator:cause` (a BYE from us reads 'remote:Terminated'). */
  static ended(session: JsSipSession): Promise<string> {
    if (session.isEnded()) return Promise.resolve('ended');
    return new Promise((resolve) => {
      const done = (e: { originator: string; cause: unknown }) => resolve(`${e.originator}:${String(e.cause)}`);
      session.once('ended', done);
      session.once('failed', done);
    });
  }

  /** Closes the WebSocket without unregistering (like a closed browser tab). */
  dropConnection(): void {
    this.#socket.disconnect();
  }

  /** Unregisters (when still connected) and stops. */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.ua.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ua.stop();
      if (!this.ua.isConnected()) {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
