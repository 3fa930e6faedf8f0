/**
 * BotMediaLeg: the media end of a call whose other party is a program — a bot on a WebSocket
 * media stream (`/ws/{call_id}` or a connect-out), audio played by the REST API, or both. To the
 * Bridge it is a leg like any other, speaking one fixed codec (the wire format of the `stream`
 * config: PCMU for μ-law, L16 at the configured rate), so it exists from the start of the call
 * whether or not a bot has connected yet.
 *
 * - The caller's audio (what the bridge sends us) goes to the attached StreamLeg, if any.
 * - Toward the caller, each tick plays a frame of the current REST playback if one runs, else the
 *   bot's frame of that tick (a playback talks over the bot; the bot's queue keeps its pace, so
 *   its marks still echo), else silence: the caller gets an unbroken 20 ms stream, as from any
 *   phone (carriers and phones time out silent RTP, and RFC 4733 digits ride on a live stream).
 *   Frames go out on the tick grid as an extension's do. The silence decision for a tick is made
 *   by a second clock listener subscribed after the stream's own, once the bot had its turn.
 * - DTMF the caller sends reaches the bot as `dtmf` messages.
 * A new stream replaces the previous one (a reconnecting bot); the bot closing its socket leaves
 * the call up.
 */
import type { MediaTick } from '../../../media/clock.ts';
import type { StreamLeg, StreamRtpPacket } from '../../streams/index.ts';
import { ExtensionLeg, type ExtensionContext } from '../extensions/extension-leg.ts';
import { Player } from './player.ts';

export type BotMediaLegEvents = {
  /** A playback ended: played to the end, or stopped / replaced (`interrupted`). */
  playFinished: [playId: string, interrupted: boolean];
  /** A stream attached (true) or went away (false). */
  stream: [attached: boolean];
};

export class BotMediaLeg extends ExtensionLeg {
  #stream: StreamLeg | undefined;
  #streamOff: (() => void) | undefined;
  #player: Player | undefined;
  #plays = 0;
  #tick: MediaTick | undefined;
  /** Index of the last tick a frame went out in. */
  #emitted = -1;
  readonly #silence: Uint8Array;
  readonly #listeners: { [K in keyof BotMediaLegEvents]: Array<(...a: BotMediaLegEvents[K]) => void> } = { playFinished: [], stream: [] };

  constructor(context: ExtensionContext) {
    super('bot', context);
    const c = context.codec;
    const samples = (c.clockRate * 20) / 1000;
    this.#silence =
      c.name === 'PCMU' ? new Uint8Array(samples).fill(0xff) : c.name === 'PCMA' ? new Uint8Array(samples).fill(0xd5) : new Uint8Array(samples * 2);
  }

  override get kind(): string {
    return 'bot';
  }

  /** The attached bot stream, if any. */
  get stream(): StreamLeg | undefined {
    return this.#stream;
  }

  /** The running playback's id, if any. */
  get playing(): string | undefined {
    return this.#player?.id;
  }

  onBot<K extends keyof BotMediaLegEvents>(event: K, listener: (...args: BotMediaLegEvents[K]) => void): void {
    this.#listeners[event].push(listener);
  }

  /** Attach a bot stream (its call codec must be ours); a previous one is closed. Starts it. */
  attachStream(stream: StreamLeg): void {
    if (this.closed) {
      stream.close();
      return;
    }
    this.#detach(true);
    this.#stream = stream;
    const onRtp = (p: StreamRtpPacket) => this.#fromBot(p);
    const onClose = () => {
      if (this.#stream === stream) this.#detach(false);
    };
    stream.on('rtp', onRtp);
    stream.once('close', onClose);
    if (!stream.started) stream.start();
    // Runs after the stream's own tick listener (subscribed when it started, just now at the latest).
    const tailOff = this.clock.subscribe((tick) => this.#tail(tick));
    this.#streamOff = () => {
      stream.off('rtp', onRtp);
      stream.off('close', onClose);
      tailOff();
    };
    this.#emit('stream', true);
  }

  /** Play `pcm` (8 kHz PCM16) `loopCount` times (0 = until stopped); a running playback ends interrupted. */
  play(pcm: Int16Array, loopCount: number): string {
    if (this.closed) throw new Error(`${this.id} is closed`);
    this.#finishPlay(true);
    const id = `play_${this.#plays++}`;
    this.#player = new Player(id, pcm, loopCount, this.codec);
    return id;
  }

  /** Stop the running playback; false when none runs. */
  stopPlay(): boolean {
    if (!this.#player) return false;
    this.#finishPlay(true);
    return true;
  }

  override async sendDtmf(digits: string, durationMs = 100): Promise<void> {
    await super.sendDtmf(digits, durationMs);
    const s = this.#stream;
    if (s?.started) await s.sendDtmf(digits, durationMs).catch(() => undefined);
  }

  protected onTick(tick: MediaTick): void {
    this.#tick = tick;
    const player = this.#player;
    if (player) {
      const frame = player.next();
      if (frame) this.#emit1(frame, tick);
      if (player.done) this.#finishPlay(false);
    }
    // Without a bot the silence goes now; with one, #tail decides once the bot had its turn.
    if (!this.#stream && this.#emitted !== tick.index) this.#emit1(this.#silence, tick);
  }

  #tail(tick: MediaTick): void {
    if (!this.closed && this.#emitted !== tick.index) this.#emit1(this.#silence, tick);
  }

  #emit1(payload: Uint8Array, tick: MediaTick): void {
    this.#emitted = tick.index;
    this.emitFrame(payload, tick);
  }

  protected receive(payload: Uint8Array, timestamp: number): void {
    const s = this.#stream;
    if (s && !s.closed) s.sendRtp(payload, timestamp);
  }

  protected release(): void {
    this.#finishPlay(true);
    this.#detach(true);
  }

  #fromBot(p: StreamRtpPacket): void {
    const tick = this.#tick;
    if (this.closed || !tick || this.#player || this.#emitted === tick.index) return;
    this.#emit1(p.payload, tick);
  }

  #finishPlay(interrupted: boolean): void {
    const player = this.#player;
    if (!player) return;
    this.#player = undefined;
    player.close();
    this.#emit('playFinished', player.id, interrupted);
  }

  #detach(close: boolean): void {
    const s = this.#stream;
    if (!s) return;
    this.#stream = undefined;
    this.#streamOff?.();
    this.#streamOff = undefined;
    if (close) s.parentClosed();
    this.#emit('stream', false);
  }

  #emit<K extends keyof BotMediaLegEvents>(event: K, ...args: BotMediaLegEvents[K]): void {
    for (const l of this.#listeners[event]) (l as (...a: BotMediaLegEvents[K]) => void)(...args);
  }
}
