/**
 * PlayoutQueue: the bot's audio waiting to be played into the call, in wire format, with the
 * bot's marks interleaved exactly where it sent them (one FIFO, Twilio's model). The leg drains
 * it one 20 ms frame per media-clock tick, so a bot may send faster than realtime and still be
 * heard at realtime pace.
 *
 * - Bounded: at most `maxBytes` of audio; `pushAudio` keeps what fits (whole samples) and reports
 *   the rest as dropped.
 * - Marks: a mark is "reached" once every byte queued before it has been taken by `pull` (the frame
 *   holding its last byte was played); marks at the head with no audio before them are reached at
 *   once (`takeReadyMarks`). `clear` drops all audio and hands back every pending mark, in order.
 * - A partial frame (less than 20 ms left, no more coming yet) waits one tick for more audio, then
 *   plays padded with silence, so a bot sending odd-sized chunks at realtime gets no gaps and a
 *   short tail still plays.
 *
 * Chunks are kept as views of what `pushAudio` was given (no copy); `pull` copies one frame into
 * the caller's buffer (memcpy) and allocates nothing.
 */

interface AudioItem {
  mark: undefined;
  bytes: Buffer;
  /** Bytes of `bytes` already played. */
  pos: number;
}
interface MarkItem {
  mark: string;
}
type Item = AudioItem | MarkItem;

export interface PlayoutQueueOptions {
  /** Bytes of one 20 ms frame. */
  frameBytes: number;
  /** Most audio bytes held. */
  maxBytes: number;
  /** Byte that pads a partial last frame (0xff μ-law silence, 0 PCM16). */
  silenceByte: number;
  /** Bytes per sample: pushed audio is cut at sample boundaries on overflow. Default 1. */
  bytesPerSample?: number;
}

export interface PushResult {
  /** Bytes queued. */
  accepted: number;
  /** Bytes dropped because the queue was full. */
  dropped: number;
}

export class PlayoutQueue {
  readonly frameBytes: number;
  readonly maxBytes: number;
  readonly #silence: number;
  readonly #sample: number;
  #items: Item[] = [];
  #head = 0;
  #bytes = 0;
  #marks = 0;
  /** A partial frame has been seen once (it plays on the next tick, padded, if nothing follows). */
  #partialSeen = false;

  constructor(options: PlayoutQueueOptions) {
    if (!(options.frameBytes > 0) || !(options.maxBytes >= options.frameBytes)) throw new RangeError('need 0 < frameBytes <= maxBytes');
    this.frameBytes = options.frameBytes;
    this.maxBytes = options.maxBytes;
    this.#silence = options.silenceByte;
    this.#sample = options.bytesPerSample ?? 1;
  }

  /** Audio bytes waiting. */
  get queuedBytes(): number {
    return this.#bytes;
  }

  /** Marks waiting for their audio to play. */
  get pendingMarks(): number {
    return this.#marks;
  }

  /** Queue audio (kept by reference; do not reuse `bytes`). */
  pushAudio(bytes: Uint8Array): PushResult {
    const room = this.maxBytes - this.#bytes;
    let accepted = bytes.length;
    if (accepted > room) accepted = room - (room % this.#sample);
    if (accepted > 0) {
      // A Buffer view of what we keep (Buffer#copy moves it out without allocating).
      const kept = Buffer.from(bytes.buffer, bytes.byteOffset, accepted);
      this.#items.push({ mark: undefined, bytes: kept, pos: 0 });
      this.#bytes += accepted;
    }
    return { accepted, dropped: bytes.length - accepted };
  }

  /** Queue a mark after the audio queued so far. */
  pushMark(name: string): void {
    this.#items.push({ mark: name });
    this.#marks++;
  }

  /** Move the marks that have no audio before them into `out` (appended); returns how many. */
  takeReadyMarks(out: string[]): number {
    let n = 0;
    const items = this.#items;
    while (this.#head < items.length) {
      const item = items[this.#head]!;
      if (item.mark === undefined) break;
      out.push(item.mark);
      this.#head++;
      this.#marks--;
      n++;
    }
    this.#compact();
    return n;
  }

  /**
   * Take the next frame into `out` (≥ frameBytes): returns the bytes of bot audio in it (the rest
   * of the frame is silence), or 0 when nothing plays this tick. Marks reached by this frame are
   * appended to `marks`.
   */
  pull(out: Uint8Array, marks: string[]): number {
    const frame = this.frameBytes;
    const have = this.#bytes;
    if (have === 0) {
      this.#partialSeen = false;
      this.takeReadyMarks(marks);
      return 0;
    }
    if (have < frame && !this.#partialSeen) {
      this.#partialSeen = true;
      return 0;
    }
    this.#partialSeen = false;
    const items = this.#items;
    let written = 0;
    while (written < frame && this.#head < items.length) {
      const item = items[this.#head]!;
      if (item.mark !== undefined) {
        marks.push(item.mark);
        this.#marks--;
        this.#head++;
        continue;
      }
      const n = Math.min(frame - written, item.bytes.length - item.pos);
      item.bytes.copy(out, written, item.pos, item.pos + n);
      written += n;
      item.pos += n;
      if (item.pos === item.bytes.length) this.#head++;
    }
    if (written < frame) out.fill(this.#silence, written, frame);
    this.#bytes -= written;
    this.takeReadyMarks(marks);
    return written;
  }

  /** Drop all audio; every pending mark is appended to `marks` in order. Returns bytes dropped. */
  clear(marks: string[]): number {
    const items = this.#items;
    for (let i = this.#head; i < items.length; i++) {
      const item = items[i]!;
      if (item.mark !== undefined) marks.push(item.mark);
    }
    const dropped = this.#bytes;
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#marks = 0;
    this.#partialSeen = false;
    return dropped;
  }

  /** Drop consumed items from the front once they are a good share of the array. */
  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head >= 64 && this.#head * 2 >= this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
