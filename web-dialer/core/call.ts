/**
 * One call as the dialer sees it, over a JsSIP RTCSession: state (calling → ringing → active →
 * ended; incoming → connecting → active), who the other party is, timer, mute, hold (local and
 * remote), DTMF (RFC 4733), blind transfer (REFER, then hang up on 202), the remote audio played
 * through the chosen speaker, microphone switching mid-call (replaceTrack), level meters and
 * call quality sampled from getStats once a second. Emits 'change' on anything the UI shows, and
 * the widget's events ('ringing', 'answered', 'ended').
 */
import type { RTCSession } from 'jssip/lib/RTCSession.js';
import type { DTMF_TRANSPORT } from 'jssip/lib/Constants.js';
import { Emitter } from './emitter.ts';
import { LevelMeter, TonePlayer, microphoneConstraints } from './audio.ts';
import { describeEnd, describeMicrophoneError, type EndInfo } from './end-reasons.ts';
import { QualityMonitor, sampleFromStats, type QualityVerdict } from './quality.ts';

export type CallState = 'calling' | 'ringing' | 'incoming' | 'connecting' | 'active' | 'ended';
export type HoldState = 'none' | 'local' | 'remote' | 'both';

export type CallEvents = {
  change: [];
  ringing: [];
  answered: [];
  ended: [info: EndInfo];
  /** Digits the other side sent (SIP INFO or RFC 4733 reported by JsSIP). */
  dtmf: [digit: string];
  /** A non-fatal problem (transfer refused, microphone switch failed). */
  problem: [message: string];
  /**
   * The other side transferred us (REFER): `accept` places the call to `target` (JsSIP reports its
   * progress back as NOTIFYs), `reject` refuses. This call ends when the transfer completes.
   */
  transfer: [target: string, accept: TransferAccept, reject: () => void];
};

/** JsSIP's accept of a REFER: `init` gets the new session before it dials; `options` as for `ua.call`. */
export type TransferAccept = (init: (session: RTCSession) => void, options: { mediaStream: MediaStream; pcConfig: RTCConfiguration }) => void;

export interface CallMedia {
  /** Speaker to play the remote audio on ('' = default). */
  speakerId: string;
  microphoneId: string;
  voiceProcessing: boolean;
  tones: TonePlayer;
}

/** The RTCPeerConnection configuration every call uses: host candidates only, no STUN/TURN by default. */
export const PC_CONFIG: RTCConfiguration = { iceServers: [] };

/** Opens the chosen microphone (falling back to the default one when it is gone); errors carry a message for people. */
export async function openMicrophone(media: Pick<CallMedia, 'microphoneId' | 'voiceProcessing'>): Promise<MediaStream> {
  const open = (id: string | undefined) => navigator.mediaDevices.getUserMedia({ audio: microphoneConstraints(id, media.voiceProcessing), video: false });
  try {
    try {
      return await open(media.microphoneId || undefined);
    } catch (err) {
      if ((err as Error).name === 'OverconstrainedError' && media.microphoneId) return await open(undefined);
      throw err;
    }
  } catch (err) {
    throw new MicrophoneError(describeMicrophoneError(err), (err as Error)?.name ?? 'Error');
  }
}

/** The microphone could not be opened; `message` is for people, `reason` is the DOMException name. */
export class MicrophoneError extends Error {
  readonly code = 'MICROPHONE';
  constructor(message: string, readonly reason: string) {
    super(message);
    this.name = 'MicrophoneError';
  }
}

export class Call extends Emitter<CallEvents> {
  readonly session: RTCSession;
  readonly direction: 'incoming' | 'outgoing';
  /** The other party: user part or number. */
  readonly peer: string;
  readonly peerName: string | undefined;
  readonly startedAt = Date.now();
  answeredAt: number | undefined;
  state: CallState;
  muted = false;
  hold: HoldState = 'none';
  end: EndInfo | undefined;
  quality: QualityVerdict | undefined;
  /** Digits sent so far (in-call keypad). */
  digitsSent = '';
  digitsReceived = '';
  transferring: string | undefined;
  /** The other side transferred us to this number (we followed; this call ends when that one connects). */
  transferredTo: string | undefined;
  readonly #media: CallMedia;
  readonly #audio: HTMLAudioElement;
  #local: MediaStream | undefined;
  #remote: MediaStream | undefined;
  #micMeter: LevelMeter | undefined;
  #remoteMeter: LevelMeter | undefined;
  #monitor = new QualityMonitor();
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  #endCause: string | undefined;

  constructor(session: RTCSession, media: CallMedia, peer: string, peerName?: string) {
    super();
    this.session = session;
    this.direction = session.direction === 'incoming' ? 'incoming' : 'outgoing';
    this.peer = peer;
    this.peerName = peerName && peerName !== peer ? peerName : undefined;
    this.state = this.direction === 'incoming' ? 'incoming' : 'calling';
    this.#media = media;
    this.#audio = new Audio();
    this.#audio.autoplay = true;
    this.#bind();
    if (this.direction === 'incoming') media.tones.ring();
  }

  /** The local microphone stream (set before the INVITE or answer). */
  get localStream(): MediaStream | undefined {
    return this.#local;
  }

  get remoteStream(): MediaStream | undefined {
    return this.#remote;
  }

  /** Seconds since answer (0 before). */
  get duration(): number {
    return this.answeredAt ? Math.floor(((this.end ? (this.#endedAt ?? Date.now()) : Date.now()) - this.answeredAt) / 1000) : 0;
  }

  #endedAt: number | undefined;

  /** Microphone level 0..1 (0 when muted or not started). */
  micLevel(): number {
    return this.muted || this.hold !== 'none' ? 0 : (this.#micMeter?.level() ?? 0);
  }

  /** Level of what the person hears, 0..1. */
  remoteLevel(): number {
    return this.#remoteMeter?.level() ?? 0;
  }

  /** Uses `stream` as this call's microphone (for the level meter and mid-call switching). */
  attachMicrophone(stream: MediaStream): void {
    this.#local = stream;
    this.#micMeter?.close();
    this.#micMeter = new LevelMeter(stream);
  }

  answer(): void {
    if (this.state !== 'incoming') return;
    this.#media.tones.stop();
    this.state = 'connecting';
    this.emit('change');
    void openMicrophone(this.#media).then(
      (stream) => {
        if (this.state === 'ended') return void stream.getTracks().forEach((t) => t.stop());
        this.attachMicrophone(stream);
        this.session.answer({ mediaStream: stream, pcConfig: PC_CONFIG });
      },
      (err: Error) => {
        this.#endCause = 'User Denied Media Access';
        this.session.terminate({ status_code: 480, reason_phrase: 'Microphone Unavailable' });
        this.emit('problem', err.message);
      },
    );
  }

  /** Declines an incoming call (486 Busy Here). */
  reject(): void {
    if (this.state !== 'incoming') return;
    this.session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
  }

  hangup(): void {
    if (this.state === 'ended') return;
    if (this.state === 'incoming') return this.reject();
    try {
      this.session.terminate();
    } catch {
      // Already ending (e.g. the network dropped): the 'ended'/'failed' event follows.
    }
  }

  setMuted(muted: boolean): void {
    if (this.state !== 'active' || muted === this.muted) return;
    if (muted) this.session.mute({ audio: true });
    else this.session.unmute({ audio: true });
  }

  setHold(held: boolean): void {
    if (this.state !== 'active') return;
    if (held) this.session.hold();
    else this.session.unhold();
  }

  /** Sends DTMF over RTP (RFC 4733) and plays a short key tone. */
  sendDigits(digits: string): void {
    if (this.state !== 'active') return;
    const clean = digits.toUpperCase().replace(/[^0-9*#A-D]/g, '');
    if (!clean) return;
    this.session.sendDTMF(clean, { transportType: 'RFC2833' as DTMF_TRANSPORT, duration: 160, interToneGap: 80 });
    this.#media.tones.key(clean[0]!);
    this.digitsSent += clean;
    this.emit('change');
  }

  /** Blind transfer: REFER to `targetUri`; on 202 we hang up, on failure the call stays. */
  transfer(targetUri: string, label: string): void {
    if (this.state !== 'active' || this.transferring) return;
    this.transferring = label;
    this.emit('change');
    this.session.refer(targetUri, {
      eventHandlers: {
        requestSucceeded: () => {
          this.#endCause = 'transferred';
          this.hangup();
        },
        requestFailed: (e: { response?: { status_code?: number }; cause?: string }) => {
          this.transferring = undefined;
          this.emit('problem', `Transfer to ${label} failed${e.response?.status_code ? ` (${e.response.status_code})` : ''}.`);
          this.emit('change');
        },
      },
    });
  }

  /** Plays the remote audio on another speaker. */
  async setSpeaker(deviceId: string): Promise<void> {
    this.#media.speakerId = deviceId;
    const el = this.#audio as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    if (el.setSinkId) await el.setSinkId(deviceId).catch((err: Error) => this.emit('problem', `Cannot use that speaker: ${err.message}`));
  }

  /** Switches the microphone mid-call without renegotiation. */
  async setMicrophone(deviceId: string): Promise<void> {
    this.#media.microphoneId = deviceId;
    if (!this.#local || this.state === 'ended') return;
    try {
      const next = await navigator.mediaDevices.getUserMedia({ audio: microphoneConstraints(deviceId || undefined, this.#media.voiceProcessing), video: false });
      const track = next.getAudioTracks()[0]!;
      track.enabled = !this.muted && this.hold === 'none';
      const sender = this.session.connection?.getSenders().find((s) => s.track?.kind === 'audio' || s.track === null);
      await sender?.replaceTrack(track);
      for (const t of this.#local.getTracks()) t.stop();
      this.#local = next;
      this.#micMeter?.close();
      this.#micMeter = new LevelMeter(next);
      this.emit('change');
    } catch (err) {
      this.emit('problem', describeMicrophoneError(err));
    }
  }

  #bind(): void {
    const s = this.session;
    if (s.connection) this.#watchPeer(s.connection);
    s.on('peerconnection', (e) => this.#watchPeer(e.peerconnection));
    s.on('progress', () => {
      if (this.direction !== 'outgoing' || this.state !== 'calling') return;
      this.state = 'ringing';
      // Early media (183 with SDP) brings its own audio; otherwise play a ringback.
      if (!this.#remote) this.#media.tones.ringback();
      this.emit('ringing');
      this.emit('change');
    });
    s.on('accepted', () => this.#answered());
    s.on('confirmed', () => this.#answered());
    s.on('muted', () => {
      this.muted = s.isMuted().audio ?? true;
      this.emit('change');
    });
    s.on('unmuted', () => {
      this.muted = s.isMuted().audio ?? false;
      this.emit('change');
    });
    const onHold = () => {
      const h = s.isOnHold();
      this.hold = h.local && h.remote ? 'both' : h.local ? 'local' : h.remote ? 'remote' : 'none';
      this.emit('change');
    };
    s.on('hold', onHold);
    s.on('unhold', onHold);
    s.on('newDTMF', (e: { originator: string; dtmf: { tone: string } }) => {
      if (e.originator !== 'remote') return;
      this.digitsReceived += e.dtmf.tone;
      this.emit('dtmf', e.dtmf.tone);
      this.emit('change');
    });
    s.on('ended', (e) => this.#ended(e.cause, e.originator, undefined));
    s.on('refer', (e) => {
      // JsSIP's typings omit the parsed Refer-To of the request; it is there (JsSIP checked it before emitting).
      const uri = (e.request as unknown as { refer_to: { uri: { user?: string | null; toString(): string } } }).refer_to.uri;
      this.emit('transfer', uri.user || uri.toString(), e.accept as unknown as TransferAccept, () => e.reject());
    });
    s.on('failed', (e) => this.#ended(e.cause, e.originator, (e.message as { status_code?: number } | undefined)?.status_code));
  }

  #watchPeer(pc: RTCPeerConnection): void {
    pc.addEventListener('track', (ev) => {
      if (ev.track.kind === 'audio') this.#play(ev.streams[0] ?? new MediaStream([ev.track]));
    });
  }

  #play(stream: MediaStream): void {
    if (this.#remote === stream) return;
    this.#media.tones.stop();
    this.#remote = stream;
    this.#audio.srcObject = stream;
    void this.setSpeaker(this.#media.speakerId);
    void this.#audio.play().catch(() => {});
    this.#remoteMeter?.close();
    this.#remoteMeter = new LevelMeter(stream);
    this.emit('change');
  }

  #answered(): void {
    if (this.state === 'active' || this.state === 'ended') return;
    this.#media.tones.stop();
    this.state = 'active';
    this.answeredAt = Date.now();
    const pc = this.session.connection;
    if (pc && !this.#remote) {
      const tracks = pc.getReceivers().map((r) => r.track).filter((t) => t.kind === 'audio');
      if (tracks.length) this.#play(new MediaStream(tracks));
    }
    this.#statsTimer = setInterval(() => void this.#sampleQuality(), 1000);
    this.emit('answered');
    this.emit('change');
  }

  async #sampleQuality(): Promise<void> {
    const pc = this.session.connection;
    if (!pc || this.state !== 'active') return;
    try {
      const report = await pc.getStats();
      this.quality = this.#monitor.add(sampleFromStats(report as unknown as Map<string, Record<string, unknown> & { type: string; id: string }>), this.muted || this.hold !== 'none');
      this.emit('change');
    } catch {
      // The connection is closing.
    }
  }

  #ended(cause: string, originator: string, status: number | undefined): void {
    if (this.state === 'ended') return;
    const answered = this.answeredAt !== undefined;
    this.state = 'ended';
    this.#endedAt = Date.now();
    this.#media.tones.stop();
    clearInterval(this.#statsTimer);
    this.#micMeter?.close();
    this.#remoteMeter?.close();
    for (const t of this.#local?.getTracks() ?? []) t.stop();
    this.#audio.srcObject = null;
    const finalCause = this.#endCause ?? cause;
    this.end = describeEnd({
      cause: finalCause,
      originator: this.#endCause ? 'local' : (originator as 'local' | 'remote' | 'system'),
      status,
      peer: this.peerName ?? this.peer,
      answered,
      direction: this.direction,
    });
    if (this.transferring && finalCause === 'transferred') this.end.message = `${this.peerName ?? this.peer} was transferred to ${this.transferring}.`;
    if (this.transferredTo) this.end = { ...this.end, error: false, message: `${this.peerName ?? this.peer} transferred you to ${this.transferredTo}.` };
    this.emit('ended', this.end);
    this.emit('change');
  }
}
