/**
 * StreamLeg: one bot WebSocket attached to a call — Twilio Media Streams JSON (`twilio` mode) or
 * xbridge binary frames (`native` mode), μ-law 8 kHz or PCM16 LE at 8/16/24/48 kHz — presented to
 * gateway/calls as a media leg (payload-level `rtp` events out, `sendRtp` in, `sendDtmf`,
 * lifecycle), so the Bridge plugs it in like a browser or SIP leg.
 *
 * To the bot: `connected`, `start` (sequenceNumber "1"), then the caller's audio as `media`
 * (track "inbound", string chunk/timestamp) or binary frames, `dtmf` (track "inbound_track"),
 * `mark` echoes, our `error` event, and `stop` before we close the socket. From the bot: `media`
 * (or binary frames), `mark`, `clear`, validated (bot-messages.ts); invalid ones are logged,
 * counted and ignored.
 *
 * Pacing: the bot's audio goes into a bounded PlayoutQueue and plays one 20 ms frame per tick of
 * the shared MediaClock, whatever pace the bot sends at. A mark is echoed in the tick that plays
 * the last frame before it (the frame leaves as an `rtp` event in the same tick, and the Bridge
 * relays it at once when it passes through), or at once when nothing is queued. `clear` drops the
 * queue on receipt — no frame queued before it plays afterwards — then echoes every pending mark.
 *
 * Lifecycle as in the house style: typed events, `closed`, idempotent `close()` (sends `stop`, then
 * closes the socket) and `parentClosed()`, `getStats()`. Per frame nothing is allocated by us
 * except the outgoing message itself (a JSON string, or a pooled Buffer in native mode).
 */
import { EventEmitter } from 'node:events';
import { WebSocket, type RawData } from 'ws';
import type { MediaClock, MediaTick } from '../../media/clock.ts';
import { decodePayload, parseBotMessage } from './bot-messages.ts';
import { NATIVE_HEADER_BYTES, parseNativeFrame, writeNativeFrame } from './native-frame.ts';
import { PlayoutQueue } from './playout-queue.ts';
import {
  CONNECTED_MESSAGE,
  dtmfMessage,
  errorMessage,
  markMessage,
  MediaMessageWriter,
  startMessage,
  stopMessage,
  type StreamIds,
  type StreamTrack,
} from './server-messages.ts';
import { DEFAULT_ACCOUNT_SID, newStreamSid } from './sids.ts';
import { StreamError, type BotErrorCode } from './stream-error.ts';
import { resolveStreamFormat, STREAM_FRAME_MS, type StreamFormat } from './stream-format.ts';
import type {
  StreamLegCloseReason,
  StreamLegEvents,
  StreamLegOptions,
  StreamLegStats,
  StreamLogger,
  StreamRtpPacket,
} from './stream-leg-options.ts';
import { WireAdapter, type CallCodec } from './wire-adapter.ts';

export type * from './stream-leg-options.ts';

const DTMF_DIGIT = /^[0-9A-D*#]$/;

function randomU32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

type State = 'connected' | 'started' | 'closed';

export class StreamLeg extends EventEmitter<StreamLegEvents> {
  readonly id: string;
  readonly kind = 'stream';
  readonly streamSid: string;
  readonly callSid: string;
  readonly accountSid: string;
  readonly callId: string;
  readonly format: StreamFormat;
  /** DTMF toward the bot always works (as `dtmf` messages), so the Bridge sends digits here. */
  readonly telephoneEvent = true;
  readonly remoteDirection = 'sendrecv' as const;

  readonly #ws: WebSocket;
  readonly #clock: MediaClock;
  readonly #adapter: WireAdapter;
  readonly #queue: PlayoutQueue;
  readonly #media: MediaMessageWriter;
  readonly #ids: StreamIds;
  readonly #tracks: readonly StreamTrack[];
  readonly #outboundTrack: boolean;
  readonly #parameters: Readonly<Record<string, string>>;
  readonly #log: StreamLogger | undefined;
  readonly #maxBuffered: number;
  readonly #maxNotices: number;
  readonly #bytesPerMs: number;
  readonly #maxQueueMs: number;

  #state: State = 'connected';
  #unsubscribe: (() => void) | undefined;
  #seq = 0;
  #startMs = 0;
  // caller → bot
  #inChunk = 0;
  #inBaseMs = -1;
  #inLastTs = 0;
  #inUnits = 0;
  readonly #b64 = Buffer.alloc(4096);
  // bot → call
  readonly #frame: Uint8Array;
  readonly #marks: string[] = [];
  readonly #packet: StreamRtpPacket;
  readonly #frameUnits: number;
  #outChunk = 0;
  #firstTick = -1;
  #lastPlayedTick = -2;
  #overflowing = false;
  #notices = 0;

  readonly #s = {
    packetsReceived: 0,
    packetsSent: 0,
    bytesReceived: 0,
    bytesSent: 0,
    dtmfSent: 0,
    messagesReceived: 0,
    messagesSent: 0,
    invalidMessages: 0,
    marksEchoed: 0,
    clears: 0,
    clearedBytes: 0,
    overflows: 0,
    overflowDroppedBytes: 0,
    callerDropped: 0,
  };

  constructor(options: StreamLegOptions) {
    super();
    const format = (this.format = options.format ?? resolveStreamFormat());
    this.#tracks = options.tracks ?? ['inbound'];
    this.#outboundTrack = this.#tracks.includes('outbound');
    if (this.#outboundTrack && format.mode === 'native') {
      throw new StreamError('bad-options', 'the outbound track needs twilio mode (binary frames carry no track)');
    }
    this.#ws = options.socket;
    this.#clock = options.clock;
    this.callId = options.callId;
    this.streamSid = options.streamSid ?? newStreamSid();
    this.callSid = options.callSid ?? options.callId;
    this.accountSid = options.accountSid ?? DEFAULT_ACCOUNT_SID;
    this.id = options.id ?? `stream-${this.streamSid}`;
    this.#ids = { streamSid: this.streamSid, accountSid: this.accountSid, callSid: this.callSid };
    this.#parameters = options.parameters ?? {};
    this.#log = options.logger;
    this.#maxBuffered = options.maxBufferedBytes ?? 1 << 20;
    this.#maxNotices = options.maxInvalidNotices ?? 10;
    this.#maxQueueMs = options.maxQueueMs ?? 60_000;
    this.#bytesPerMs = format.frameBytes / STREAM_FRAME_MS;
    const maxBytes = Math.max(format.frameBytes, Math.floor((this.#maxQueueMs * format.frameBytes) / STREAM_FRAME_MS));
    this.#adapter = new WireAdapter(format, options.callCodec);
    this.#queue = new PlayoutQueue({ frameBytes: format.frameBytes, maxBytes, silenceByte: format.silenceByte, bytesPerSample: format.bytesPerSample });
    this.#media = new MediaMessageWriter(this.streamSid);
    this.#frame = new Uint8Array(format.frameBytes);
    const codec = this.#adapter.callCodec;
    this.#frameUnits = (codec.clockRate * STREAM_FRAME_MS) / 1000;
    this.#packet = {
      payloadType: codec.payloadType,
      codec: codec.name,
      clockRate: codec.clockRate,
      payload: this.#frame,
      timestamp: 0,
      sequenceNumber: randomU32() & 0xffff,
      marker: false,
      ssrc: randomU32(),
    };

    const ws = this.#ws;
    ws.binaryType = 'nodebuffer';
    ws.on('message', this.#onMessage);
    ws.on('close', this.#onSocketClose);
    ws.on('error', this.#onSocketError);
    if (ws.readyState !== WebSocket.OPEN) {
      // Not usable: close on the next turn so the owner can listen first.
      queueMicrotask(() => this.#close('failed'));
      return;
    }
    this.#send(CONNECTED_MESSAGE);
    if (options.autoStart ?? true) this.#start(false);
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Whether `start` has gone to the bot (and not closed since). */
  get started(): boolean {
    return this.#state === 'started';
  }

  /** The payload format toward the call (gateway/calls' `sendCodec`). */
  get sendCodec(): CallCodec {
    return this.#adapter.callCodec;
  }

  /** The leg as gateway/calls' Bridge takes it (`LegMedia`): the leg, its codec, telephone-event. */
  get media(): { readonly leg: StreamLeg; codec: CallCodec; telephoneEvent: boolean } {
    return { leg: this, codec: this.#adapter.callCodec, telephoneEvent: true };
  }

  /** Bot audio waiting to be played (ms). */
  get queuedMs(): number {
    return this.#queue.queuedBytes / this.#bytesPerMs;
  }

  codecOf(payloadType: number): CallCodec | undefined {
    const c = this.#adapter.callCodec;
    return payloadType === c.payloadType ? c : undefined;
  }

  /** Send `start` now (after `autoStart: false`); idempotent. Emits `connected`. */
  start(): void {
    this.#start(true);
  }

  /**
   * The caller's audio (one payload of `sendCodec`, any duration) → the bot. `timing` is the RTP
   * timestamp on the caller's continuous timeline (or gateway/rtp's `{ timestamp }` form); it
   * drives `media.timestamp`. Returns false (and counts) before start, after close, or while
   * the socket is backed up.
   */
  sendRtp(payload: Uint8Array, timing: number | { timestamp: number; marker?: boolean; payloadType?: number }, _marker = false): boolean {
    if (this.#state !== 'started' || this.#ws.readyState !== WebSocket.OPEN || this.#ws.bufferedAmount > this.#maxBuffered) {
      this.#s.callerDropped++;
      return false;
    }
    const ts = typeof timing === 'number' ? timing : timing.timestamp;
    const wire = this.#adapter.toWire(payload);
    const n = wire.length;
    if (n === 0) return true;
    this.#s.packetsSent++;
    this.#s.bytesSent += n;
    if (this.format.mode === 'native') {
      // A fresh (pooled) buffer: ws keeps a reference until the socket has written it.
      const frame = Buffer.allocUnsafe(NATIVE_HEADER_BYTES + n);
      writeNativeFrame(wire, frame, n);
      this.#s.messagesSent++;
      this.#ws.send(frame, { binary: true });
      return true;
    }
    const ms = this.#inboundMs(ts >>> 0);
    this.#send(this.#media.write(++this.#seq, 'inbound', ++this.#inChunk, ms, this.#base64(wire)));
    return true;
  }

  /** The caller pressed keys: one `dtmf` message per digit (0-9, *, #, A-D; others are skipped). */
  sendDtmf(digits: string, _durationMs?: number): Promise<void> {
    if (this.#state !== 'started') {
      return Promise.reject(new StreamError('invalid-state', `stream ${this.#state === 'closed' ? 'closed' : 'not started'}`));
    }
    for (const digit of digits) {
      if (!DTMF_DIGIT.test(digit)) continue;
      this.#s.dtmfSent++;
      this.#send(dtmfMessage(++this.#seq, this.streamSid, digit));
    }
    return Promise.resolve();
  }

  /** Stop the stream (idempotent): `stop` to the bot, then the socket closes. Emits `close('local')`. */
  close(): void {
    this.#close('local');
  }

  /** The call ended (idempotent): as close(), emitting `close('parent')`. */
  parentClosed(): void {
    this.#close('parent');
  }

  getStats(): StreamLegStats {
    const s = this.#s;
    const f = this.format;
    const toMs = (bytes: number) => bytes / this.#bytesPerMs;
    return {
      id: this.id,
      kind: this.kind,
      codec: this.#adapter.callCodec.name,
      packetsReceived: s.packetsReceived,
      packetsSent: s.packetsSent,
      bytesReceived: s.bytesReceived,
      bytesSent: s.bytesSent,
      dtmfReceived: 0,
      dtmfSent: s.dtmfSent,
      streamSid: this.streamSid,
      callSid: this.callSid,
      state: this.#state,
      mode: f.mode,
      encoding: f.encoding,
      sampleRate: f.sampleRate,
      resampling: this.#adapter.resampling,
      messagesReceived: s.messagesReceived,
      messagesSent: s.messagesSent,
      invalidMessages: s.invalidMessages,
      queuedMs: this.queuedMs,
      pendingMarks: this.#queue.pendingMarks,
      marksEchoed: s.marksEchoed,
      clears: s.clears,
      clearedMs: toMs(s.clearedBytes),
      overflows: s.overflows,
      overflowDroppedMs: toMs(s.overflowDroppedBytes),
      callerDropped: s.callerDropped,
      bufferedBytes: this.#ws.bufferedAmount,
    };
  }

  #start(emitNow: boolean): void {
    if (this.#state !== 'connected') return;
    this.#state = 'started';
    this.#startMs = this.#clock.nowMs();
    this.#send(startMessage(++this.#seq, this.#ids, this.#tracks, this.#parameters, this.format));
    this.#unsubscribe = this.#clock.subscribe(this.#onTick);
    this.#echoReadyMarks();
    if (emitNow) this.emit('connected');
    else queueMicrotask(() => this.#state === 'started' && this.emit('connected'));
  }

  /** ms since the stream started for a caller payload with RTP timestamp `ts` (wrap-safe). */
  #inboundMs(ts: number): number {
    if (this.#inBaseMs < 0) {
      this.#inBaseMs = Math.max(0, Math.round(this.#clock.nowMs() - this.#startMs));
      this.#inLastTs = ts;
      this.#inUnits = 0;
    } else {
      this.#inUnits += (ts - this.#inLastTs) | 0;
      this.#inLastTs = ts;
    }
    return this.#inBaseMs + Math.max(0, Math.round((this.#inUnits * 1000) / this.#adapter.callCodec.clockRate));
  }

  #base64(bytes: Uint8Array): string {
    const n = bytes.length;
    if (n > this.#b64.length) return Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('base64');
    this.#b64.set(bytes);
    return this.#b64.toString('base64', 0, n);
  }

  readonly #onTick = (tick: MediaTick): void => {
    if (this.#state !== 'started') return;
    if (this.#firstTick < 0) this.#firstTick = tick.index;
    const marks = this.#marks;
    marks.length = 0;
    const n = this.#queue.pull(this.#frame, marks);
    if (n > 0) {
      const p = this.#packet;
      p.payload = this.#adapter.fromWire(this.#frame);
      p.sequenceNumber = (p.sequenceNumber + 1) & 0xffff;
      p.timestamp = ((tick.index - this.#firstTick) * this.#frameUnits) >>> 0;
      p.marker = tick.index !== this.#lastPlayedTick + 1;
      this.#lastPlayedTick = tick.index;
      this.#s.packetsReceived++;
      this.emit('rtp', p);
      if (this.#outboundTrack && this.#state === 'started') {
        const ms = Math.max(0, Math.round(tick.targetMs - this.#startMs));
        this.#send(this.#media.write(++this.#seq, 'outbound', ++this.#outChunk, ms, this.#base64(this.#frame)));
      }
    }
    for (let i = 0; i < marks.length && this.#state === 'started'; i++) this.#echoMark(marks[i]!);
  };

  readonly #onMessage = (data: RawData, isBinary: boolean): void => {
    if (this.#state === 'closed') return;
    this.#s.messagesReceived++;
    const buf = data as Buffer;
    if (isBinary) {
      if (this.format.mode !== 'native') return this.#invalid('binary frame in twilio mode (send JSON text frames)');
      const frame = parseNativeFrame(buf);
      if (!frame.ok) return this.#invalid(frame.reason);
      return this.#queueAudio(frame.audio);
    }
    const parsed = parseBotMessage(buf.toString('utf8'), this.streamSid);
    if (!parsed.ok) return this.#invalid(parsed.reason);
    const msg = parsed.value;
    switch (msg.event) {
      case 'media': {
        const audio = decodePayload(msg.media.payload, this.format.bytesPerSample);
        if (!audio.ok) return this.#invalid(audio.reason);
        return this.#queueAudio(audio.value);
      }
      case 'mark':
        this.#queue.pushMark(msg.mark.name);
        return this.#echoReadyMarks();
      case 'clear':
        return this.#clear();
    }
  };

  #queueAudio(bytes: Uint8Array): void {
    const r = this.#queue.pushAudio(bytes);
    this.#s.bytesReceived += r.accepted;
    if (r.dropped === 0) {
      this.#overflowing = false;
      return;
    }
    const droppedMs = r.dropped / this.#bytesPerMs;
    this.#s.overflows++;
    this.#s.overflowDroppedBytes += r.dropped;
    this.#log?.error(
      { callId: this.callId, streamSid: this.streamSid, droppedMs, maxQueueMs: this.#maxQueueMs },
      'stream: playout queue full, bot audio dropped',
    );
    this.emit('overflow', droppedMs);
    if (this.#overflowing) return; // one error event per overflow episode
    this.#overflowing = true;
    this.#sendError(
      'queue_overflow',
      `playout queue full (${this.#maxQueueMs} ms of audio): dropped ${Math.round(droppedMs)} ms; send audio no faster than it plays once this much is queued (marks tell you what has played)`,
    );
  }

  #clear(): void {
    const marks = this.#marks;
    marks.length = 0;
    const dropped = this.#queue.clear(marks);
    this.#s.clears++;
    this.#s.clearedBytes += dropped;
    if (this.#state === 'connected') {
      // Before start nothing may be sent (start is sequenceNumber "1"): the marks wait for it.
      for (const name of marks) this.#queue.pushMark(name);
      return;
    }
    for (let i = 0; i < marks.length && this.#state !== 'closed'; i++) this.#echoMark(marks[i]!);
    this.emit('clear', dropped / this.#bytesPerMs, marks.length);
  }

  #echoReadyMarks(): void {
    if (this.#state !== 'started') return;
    const marks = this.#marks;
    marks.length = 0;
    this.#queue.takeReadyMarks(marks);
    for (let i = 0; i < marks.length && this.#state === 'started'; i++) this.#echoMark(marks[i]!);
  }

  #echoMark(name: string): void {
    this.#s.marksEchoed++;
    this.#send(markMessage(++this.#seq, this.streamSid, name));
    this.emit('mark', name);
  }

  #invalid(reason: string): void {
    this.#s.invalidMessages++;
    this.#log?.error({ callId: this.callId, streamSid: this.streamSid, reason }, 'stream: ignored invalid bot message');
    this.emit('invalid', new StreamError('invalid-message', reason));
    if (this.#notices >= this.#maxNotices) return;
    this.#notices++;
    this.#sendError('invalid_message', `ignored: ${reason}`);
  }

  /** Error events go out only between start and stop (they carry a sequenceNumber). */
  #sendError(code: BotErrorCode, message: string): void {
    if (this.#state !== 'started') return;
    this.#send(errorMessage(++this.#seq, this.streamSid, code, message));
  }

  #send(text: string): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    this.#s.messagesSent++;
    this.#ws.send(text);
  }

  readonly #onSocketClose = (): void => {
    this.#close('remote');
  };

  readonly #onSocketError = (error: Error): void => {
    if (this.#state === 'closed') return; // after close: ignore (the listener stays so ws never throws)
    this.#log?.warn({ callId: this.callId, streamSid: this.streamSid, err: error.message }, 'stream: socket error');
    this.emit('failed', error);
    this.#close('failed');
  };

  #close(reason: StreamLegCloseReason): void {
    if (this.#state === 'closed') return;
    const wasStarted = this.#state === 'started';
    this.#state = 'closed';
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    const ws = this.#ws;
    ws.off('message', this.#onMessage);
    ws.off('close', this.#onSocketClose);
    if (reason === 'local' || reason === 'parent') {
      if (wasStarted && ws.readyState === WebSocket.OPEN) {
        this.#s.messagesSent++;
        ws.send(stopMessage(++this.#seq, this.#ids));
      }
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000, 'stream stopped');
    } else if (reason === 'failed' && ws.readyState !== WebSocket.CLOSED) {
      ws.terminate();
    }
    this.#marks.length = 0;
    this.#queue.clear(this.#marks);
    this.#marks.length = 0;
    this.#adapter.close();
    this.emit('close', reason);
  }
}
