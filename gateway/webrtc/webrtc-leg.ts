/**
 * WebRtcLeg: one browser call leg on werift — SDP offer/answer (full, non-trickle SDP as JsSIP
 * sends), ICE with explicit settings only, DTLS-SRTP with the peer's fingerprint checked, and a
 * small payload-level media interface for the rest of the gateway: `rtp` events in, `sendRtp`
 * out, RFC 4733 DTMF both ways, hold/resume on re-offers. Lifecycle reads like a mediasoup
 * object: `closed`, idempotent `close()`, `parentClosed()` for cascades, `getStats()`.
 */
import { EventEmitter } from 'node:events';
import { RTCPeerConnection, type RTCDtlsTransport, type RTCRtpTransceiver, type RtpPacket } from 'werift';
import { CodecTable, type NegotiatedCodec } from './codecs.ts';
import { DtmfListener } from './dtmf-listener.ts';
import { DtmfPump } from './dtmf-pump.ts';
import { WebRtcLegError, type WebRtcLegErrorCode } from './errors.ts';
import { resolveWebRtcLegOptions, type ResolvedWebRtcLegOptions, type WebRtcAudioCodec, type WebRtcLegOptions } from './options.ts';
import { pairAllowed, weriftPeerConfig } from './peer-config.ts';
import { RtpWriter } from './rtp-writer.ts';
import { audioDirection, hoistIceLite, reverseDirection, stripMdnsCandidates, type MediaDirection } from './sdp-text.ts';
import type {
  SendRtpOptions,
  WebRtcLegCloseReason,
  WebRtcLegEvents,
  WebRtcLegState,
  WebRtcLegStats,
  WebRtcRtpPacket,
} from './types.ts';
import { watchSilence, type SilenceWatched } from './silence-watch.ts';
import { countIngress, filterHostIngress, udpSocketsOf, watchDtlsStart } from './werift-internals.ts';

function nextLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class WebRtcLeg extends EventEmitter<WebRtcLegEvents> {
  readonly #options: ResolvedWebRtcLegOptions;
  readonly #pc: RTCPeerConnection;
  #state: WebRtcLegState = 'new';
  #transceiver: RTCRtpTransceiver | undefined;
  #codecs = new CodecTable([]);
  #sendCodec: NegotiatedCodec | undefined;
  #transport: RTCDtlsTransport | undefined;
  #unsubscribeRtp: (() => void) | undefined;
  #writer: RtpWriter | undefined;
  #remoteDirection: MediaDirection = 'sendrecv';
  #dtlsError: unknown;
  #connectTimer: NodeJS.Timeout | undefined;
  #remoteAppliedMs: number | undefined;
  #connectMs: number | undefined;
  #released: Promise<void> = Promise.resolve();
  readonly #silence: SilenceWatched;
  #unwatchSilence: (() => void) | undefined;
  #ingressCounted = false;
  readonly #dtmfIn: DtmfListener;
  readonly #dtmfOut: DtmfPump;
  /** Rejects when the leg closes; raced against negotiation steps. */
  readonly #closedSignal: Promise<never>;
  #signalClosed: (error: WebRtcLegError) => void = () => {};
  /** Reused for every `rtp` event. */
  readonly #packet: WebRtcRtpPacket = {
    payloadType: 0, codec: 'opus', clockRate: 0, payload: Buffer.alloc(0), timestamp: 0, sequenceNumber: 0, marker: false, ssrc: 0,
  };
  readonly #stats = {
    rtpPacketsReceived: 0, rtpBytesReceived: 0, rtpSendsDropped: 0, rtpUnknownPayloadType: 0, dtmfReceived: 0, dtmfSent: 0,
  };

  constructor(options: WebRtcLegOptions = {}) {
    super();
    this.#closedSignal = new Promise<never>((_, reject) => {
      this.#signalClosed = reject;
    });
    this.#closedSignal.catch(() => {});
    this.#options = resolveWebRtcLegOptions(options);
    this.#pc = new RTCPeerConnection(weriftPeerConfig(this.#options));
    if (this.#pc.config.iceServers.length !== this.#options.iceServers.length) {
      throw new Error('werift did not take our iceServers'); // guards the public-STUN fallback
    }
    this.#pc.connectionStateChange.subscribe((s) => this.#onConnectionState(s));
    this.#silence = {
      heard: 0,
      timeoutMs: this.#options.silenceTimeoutMs,
      onSilent: () => this.#fail(new WebRtcLegError('peer-silent', `nothing received for ${this.#options.silenceTimeoutMs} ms`)),
    };
    this.#dtmfIn = new DtmfListener(this.#options.dtmfEndTimeoutMs, (digit, durationMs) => {
      this.#stats.dtmfReceived++;
      this.emit('dtmf', digit, durationMs);
    });
    this.#dtmfOut = new DtmfPump(() => {
      const te = this.#codecs.telephoneEventFor(this.#sendCodec);
      return te && this.#writer ? { writer: this.#writer, payloadType: te.payloadType, clockRate: te.clockRate } : undefined;
    });
  }

  get id(): string {
    return this.#options.id;
  }

  get state(): WebRtcLegState {
    return this.#state;
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Codecs negotiated, in preference order. */
  get codecs(): readonly NegotiatedCodec[] {
    return this.#codecs.list;
  }

  /** Direction of the peer's last description (its point of view). */
  get remoteDirection(): MediaDirection {
    return this.#remoteDirection;
  }

  /** Resolves once werift has released its sockets and timers after close. */
  get released(): Promise<void> {
    return this.#released;
  }

  /** Answer a browser's offer (full SDP with candidates); resolves with our complete answer. */
  async answer(offerSdp: string): Promise<string> {
    this.#expectState('new', 'answer');
    this.#state = 'negotiating';
    return this.#unlessClosed(() => this.#answer(offerSdp));
  }

  async #answer(offerSdp: string): Promise<string> {
    await this.#applyRemote('offer', offerSdp);
    const transceiver = this.#pc.getTransceivers().find((t) => t.kind === 'audio' && !t.stopped);
    if (!transceiver) throw this.#refuse('bad-sdp', 'the offer has no audio m-section we can accept');
    transceiver.setDirection('sendrecv'); // werift answers recvonly when no track is attached
    this.#transceiver = transceiver;
    const sdp = await this.#answerLocal();
    this.#afterNegotiation();
    this.#startConnecting();
    return sdp;
  }

  /** Create our offer for a call toward a browser; resolves with the complete SDP. */
  async createOffer(): Promise<string> {
    this.#expectState('new', 'createOffer');
    this.#state = 'negotiating';
    return this.#unlessClosed(async () => {
      this.#transceiver = this.#pc.addTransceiver('audio', { direction: 'sendrecv' });
      const offer = await this.#pc.createOffer();
      await this.#pc.setLocalDescription(offer);
      this.#watchTransports();
      await this.#gathered();
      return hoistIceLite(this.#pc.localDescription!.sdp);
    });
  }

  /** Apply the browser's answer to our offer. */
  async applyAnswer(answerSdp: string): Promise<void> {
    this.#expectState('negotiating', 'applyAnswer');
    if (this.#pc.signalingState !== 'have-local-offer') {
      throw new WebRtcLegError('invalid-state', 'applyAnswer without a pending offer (use answer() for offers)');
    }
    await this.#unlessClosed(async () => {
      await this.#applyRemote('answer', answerSdp);
      this.#afterNegotiation();
      this.#startConnecting();
    });
  }

  /**
   * Answer a re-offer within the call (hold, resume, codec change); emits `direction` when the
   * peer's direction changed. Resolves with our answer.
   */
  async handleReoffer(offerSdp: string): Promise<string> {
    if (this.closed) throw new WebRtcLegError('invalid-state', 'leg is closed');
    if (this.#state === 'new' || this.#state === 'negotiating') {
      throw new WebRtcLegError('invalid-state', 'handleReoffer before the first offer/answer completed');
    }
    const before = this.#remoteDirection;
    const sdp = await this.#unlessClosed(async () => {
      await this.#applyRemote('offer', offerSdp);
      this.#transceiver?.setDirection('sendrecv');
      const answer = await this.#answerLocal();
      this.#afterNegotiation();
      return answer;
    });
    const remote = this.#remoteDirection;
    if (remote !== before) {
      this.emit('direction', { remote, local: reverseDirection(remote), onHold: remote === 'sendonly' || remote === 'inactive' });
    }
    return sdp;
  }

  /**
   * Send one RTP payload with our SSRC and sequence numbers. Returns false (and counts it) when
   * not connected or the peer holds the call; throws WebRtcLegError('no-codec') for a codec or
   * payload type that was not negotiated.
   */
  sendRtp(payload: Uint8Array, options: SendRtpOptions): boolean {
    const writer = this.#writer;
    if (!writer || this.#state !== 'connected' || this.#remoteDirection === 'sendonly' || this.#remoteDirection === 'inactive') {
      this.#stats.rtpSendsDropped++;
      return false;
    }
    let codec: NegotiatedCodec | undefined;
    if (options.payloadType !== undefined) codec = this.#codecs.byPayloadType(options.payloadType);
    else if (options.codec !== undefined) codec = this.#codecs.byName(options.codec);
    else codec = this.#sendCodec;
    if (!codec || codec.name === 'telephone-event') {
      throw new WebRtcLegError('no-codec', `no negotiated audio codec for ${options.payloadType ?? options.codec ?? 'default'}`);
    }
    const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    writer.writeAudio(buf, codec.payloadType, options.timestamp, options.marker ?? false, codec.clockRate);
    return true;
  }

  /**
   * Send DTMF digits ('0'–'9', '*', '#', 'A'–'D', ',' for a 2 s pause) as RFC 4733 events of
   * `durationMs` each (minimum 40). Resolves when the last end packet went out.
   */
  async sendDtmf(digits: string, durationMs = 100): Promise<void> {
    if (this.#state !== 'connected') throw new WebRtcLegError('invalid-state', `sendDtmf while ${this.#state}`);
    if (!this.#codecs.telephoneEventFor(this.#sendCodec)) {
      throw new WebRtcLegError('no-codec', 'telephone-event was not negotiated');
    }
    const done = this.#dtmfOut.play(digits, durationMs); // throws for unknown digits
    this.#stats.dtmfSent += digits.replace(/[ ,-]/g, '').length;
    await done;
  }

  /** Close the leg (idempotent). Emits `close('local')`. */
  close(): void {
    this.#teardown('local');
  }

  /** Close because the owning Call closed (idempotent). Emits `close('parent')`. */
  parentClosed(): void {
    this.#teardown('parent');
  }

  getStats(): WebRtcLegStats {
    const ice = this.#transport?.iceTransport;
    const pair = ice?.connection.nominated;
    const writer = this.#writer?.getStats();
    const role = ice?.role;
    return {
      id: this.id,
      state: this.#state,
      codec: this.#sendCodec?.name === 'telephone-event' ? undefined : (this.#sendCodec?.name as WebRtcAudioCodec | undefined),
      ssrc: this.#transceiver?.sender.ssrc ?? 0,
      iceRole: role === 'controlling' || role === 'controlled' ? role : undefined,
      localAddress: pair ? `${pair.localCandidate.host}:${pair.localCandidate.port}` : undefined,
      remoteAddress: pair ? `${pair.remoteCandidate.host}:${pair.remoteCandidate.port}` : undefined,
      remoteDirection: this.#remoteDirection,
      rtpPacketsSent: writer?.packetsSent ?? 0,
      rtpBytesSent: writer?.bytesSent ?? 0,
      ...this.#stats,
      connectMs: this.#connectMs,
    };
  }

  // --- negotiation -------------------------------------------------------------------------

  /**
   * Run a negotiation step; if the leg closes meanwhile it rejects with invalid-state at once
   * (werift's promises may never settle on a closed peer connection), and whatever werift throws
   * after the close becomes invalid-state too.
   */
  async #unlessClosed<T>(step: () => Promise<T>): Promise<T> {
    const running = step();
    running.catch(() => {}); // if the close wins the race, a later failure is nobody's business
    try {
      return await Promise.race([running, this.#closedSignal]);
    } catch (error) {
      if (this.closed && !(error instanceof WebRtcLegError && error.code === 'invalid-state')) {
        throw new WebRtcLegError('invalid-state', 'leg closed during negotiation', { cause: error });
      }
      throw error;
    }
  }

  #expectState(state: WebRtcLegState, method: string): void {
    if (this.#state !== state) throw new WebRtcLegError('invalid-state', `${method} while ${this.#state}`);
  }

  #refuse(code: WebRtcLegErrorCode, message: string, cause?: unknown): WebRtcLegError {
    return new WebRtcLegError(code, message, { cause });
  }

  async #applyRemote(type: 'offer' | 'answer', sdp: string): Promise<void> {
    try {
      await this.#pc.setRemoteDescription({ type, sdp: stripMdnsCandidates(sdp) });
    } catch (error) {
      throw this.#refuse('bad-sdp', `remote ${type} refused: ${(error as Error)?.message ?? error}`, error);
    }
    if (this.closed) throw new WebRtcLegError('invalid-state', 'leg closed during negotiation');
    this.#remoteDirection = audioDirection(sdp);
    this.#watchTransports();
  }

  async #answerLocal(): Promise<string> {
    const answer = await this.#pc.createAnswer();
    await this.#pc.setLocalDescription(answer);
    this.#watchTransports();
    await this.#gathered();
    return hoistIceLite(this.#pc.localDescription!.sdp);
  }

  /** Wait for gathering to complete, then filter what the host sockets accept. */
  async #gathered(): Promise<void> {
    if (this.#pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => {
        const { unSubscribe } = this.#pc.iceGatheringStateChange.subscribe((s) => {
          if (s === 'complete') {
            unSubscribe();
            resolve();
          }
        });
      });
    }
    const allowRemote = this.#options.allowRemoteAddress;
    filterHostIngress(this.#pc, (local, remote) => pairAllowed(local, remote, allowRemote));
    if (!this.#ingressCounted) {
      this.#ingressCounted = true;
      const silence = this.#silence;
      countIngress(this.#pc, () => {
        silence.heard++;
      });
    }
  }

  /** Learn DTLS failures' causes on every transport werift made. */
  #watchTransports(): void {
    for (const t of this.#pc.dtlsTransports) {
      watchDtlsStart(t, (error) => {
        this.#dtlsError = error;
      });
    }
  }

  /** Refresh codec table, send codec and the RTP subscription after an offer/answer. */
  #afterNegotiation(): void {
    const t = this.#transceiver;
    if (!t) return;
    this.#codecs = new CodecTable(t.codecs);
    this.#sendCodec = this.#codecs.primary;
    if (!this.#sendCodec) throw this.#refuse('bad-sdp', 'no common audio codec');
    const transport = t.sender.dtlsTransport;
    if (transport !== this.#transport) {
      this.#unsubscribeRtp?.();
      this.#transport = transport;
      this.#unsubscribeRtp = transport.onRtp.subscribe(this.#onRtp).unSubscribe;
      transport.onStateChange.subscribe((s) => {
        if (s === 'closed' && transport === this.#transport && this.#state === 'connected') this.#teardown('remote');
      });
      if (this.#writer) this.#writer = new RtpWriter(transport, t.sender);
    }
  }

  #startConnecting(): void {
    if (this.#state === 'negotiating') this.#state = 'connecting';
    this.#remoteAppliedMs = performance.now();
    if (this.#pc.connectionState === 'connected') this.#onConnectionState('connected');
    if (this.#state !== 'connecting') return;
    this.#connectTimer = setTimeout(() => {
      this.#fail(new WebRtcLegError('connect-timeout', `not connected after ${this.#options.connectTimeoutMs} ms`));
    }, this.#options.connectTimeoutMs);
  }

  // --- connection --------------------------------------------------------------------------

  #onConnectionState(s: string): void {
    if (this.closed) return;
    if (s === 'connected' && this.#state === 'connecting' && this.#transceiver && this.#transport) {
      clearTimeout(this.#connectTimer);
      this.#connectTimer = undefined;
      this.#state = 'connected';
      this.#connectMs = this.#remoteAppliedMs === undefined ? undefined : performance.now() - this.#remoteAppliedMs;
      this.#writer = new RtpWriter(this.#transport, this.#transceiver.sender);
      if (this.#options.silenceTimeoutMs > 0) this.#unwatchSilence = watchSilence(this.#silence);
      this.emit('connected');
    } else if (s === 'failed') {
      this.#fail(this.#failure());
    }
  }

  #failure(): WebRtcLegError {
    const dtlsError = this.#dtlsError;
    if (dtlsError !== undefined) {
      const message = (dtlsError as Error)?.message ?? String(dtlsError);
      const code = /fingerprint/i.test(message) ? 'fingerprint-mismatch' : 'dtls-failed';
      return new WebRtcLegError(code, `DTLS failed: ${message}`, { cause: dtlsError });
    }
    if (this.#pc.iceConnectionState === 'failed') {
      return new WebRtcLegError('ice-failed', this.#state === 'connected' ? 'ICE consent lost' : 'no ICE candidate pair succeeded');
    }
    return new WebRtcLegError('dtls-failed', 'DTLS transport failed');
  }

  #fail(error: WebRtcLegError): void {
    if (this.closed) return;
    this.emit('failed', error);
    this.#teardown('failed');
  }

  #onRtp = (rtp: RtpPacket): void => {
    if (this.#state !== 'connected') return;
    const h = rtp.header;
    const codec = this.#codecs.byPayloadType(h.payloadType);
    if (!codec) {
      this.#stats.rtpUnknownPayloadType++;
      return;
    }
    if (codec.name === 'telephone-event') {
      this.#dtmfIn.push(h.payloadType, codec.clockRate, rtp.payload, h.timestamp, h.sequenceNumber, h.marker);
      return;
    }
    this.#stats.rtpPacketsReceived++;
    this.#stats.rtpBytesReceived += rtp.payload.length;
    const p = this.#packet;
    p.payloadType = h.payloadType;
    p.codec = codec.name;
    p.clockRate = codec.clockRate;
    p.payload = rtp.payload;
    p.timestamp = h.timestamp;
    p.sequenceNumber = h.sequenceNumber;
    p.marker = h.marker;
    p.ssrc = h.ssrc;
    this.emit('rtp', p);
  };

  #teardown(reason: WebRtcLegCloseReason): void {
    if (this.closed) return;
    this.#state = 'closed';
    this.#signalClosed(new WebRtcLegError('invalid-state', `leg closed (${reason}) during negotiation`));
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#unsubscribeRtp?.();
    this.#unsubscribeRtp = undefined;
    this.#unwatchSilence?.();
    this.#dtmfIn.close();
    this.#dtmfOut.close();
    this.#writer = undefined;
    const socketsClosed = udpSocketsOf(this.#pc).map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
    this.#released = this.#pc
      .close()
      .catch(() => {})
      .then(() => Promise.all(socketsClosed))
      .then(nextLoopTurn)
      // 'close' is emitted on nextTick; libuv frees the handle in a later close phase: two
      // check phases on, it has run whatever phase uv_close was called in.
      .then(nextLoopTurn);
    this.emit('close', reason);
  }
}
