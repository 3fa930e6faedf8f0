/**
 * StreamFramer: cuts a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3) and recognises the
 * RFC 5626 §3.5.1 keep-alives between messages: a double CRLF is a `ping` (the transport answers
 * with a single CRLF), a single CRLF is a `pong`. A ping split across reads is reported as a
 * `pong` followed by a `ping`, so a server always answers it; a server can ignore pongs.
 *
 * Content-Length is mandatory on streams: a message without one, a malformed one, or one too
 * large is a framing error — `onError` gets it with `fatal: true`, the framer stops, and the
 * caller must close the connection. A message that frames correctly but fails to parse (bad Via,
 * ...) is reported with `fatal: false` and its raw bytes (so a server may answer 400), and
 * framing continues with the next message.
 *
 * WebSocket (RFC 7118) needs no framer: each WebSocket message carries exactly one SIP message —
 * call `parseMessage(frameBuffer)` per frame.
 */
import { SipParseError, type SipMessage } from './types.ts';
import { findHeaderEnd, parseMessage, resolveParseOptions, type ParseOptions } from './parser.ts';
import { parseContentLength } from './fields.ts';

export type KeepaliveKind = 'ping' | 'pong';

export interface FramerErrorInfo {
  /** True when framing is lost: the connection must be closed. */
  fatal: boolean;
  /** The offending message's bytes, when framing was intact (fatal: false). */
  raw?: Buffer;
}

export interface StreamFramerOptions extends Omit<ParseOptions, 'framing'> {}

const CR = 0x0d;
const LF = 0x0a;

export class StreamFramer {
  readonly #opts: Required<ParseOptions>;
  #store: Buffer = Buffer.alloc(0);
  /** Read offset and end of valid data within #store. */
  #off = 0;
  #end = 0;
  /** Where to resume looking for the end of the current message's headers (no rescans). */
  #scanFrom = 0;
  /** A lone CRLF seen at the end of the data: if the next read starts with CRLF it was a ping. */
  #pendingCrlf = false;
  #failed = false;
  #onMessage: ((msg: SipMessage) => void) | undefined;
  #onKeepalive: ((kind: KeepaliveKind) => void) | undefined;
  #onError: ((err: SipParseError, info: FramerErrorInfo) => void) | undefined;

  constructor(opts: StreamFramerOptions = {}) {
    this.#opts = resolveParseOptions({ ...opts, framing: 'stream' });
  }

  /** Called for every complete message (in addition to being returned by push). */
  onMessage(handler: (msg: SipMessage) => void): this {
    this.#onMessage = handler;
    return this;
  }

  /** Called for each keep-alive: answer a `ping` with "\r\n". */
  onKeepalive(handler: (kind: KeepaliveKind) => void): this {
    this.#onKeepalive = handler;
    return this;
  }

  /**
   * Called on errors. Without a handler, push throws the SipParseError instead (after which the
   * framer is failed too when the error was fatal).
   */
  onError(handler: (err: SipParseError, info: FramerErrorInfo) => void): this {
    this.#onError = handler;
    return this;
  }

  /** True after a fatal framing error: the connection should be closed; push ignores input. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Bytes received but not yet part of a complete message. */
  get buffered(): number {
    return this.#end - this.#off;
  }

  /** Feeds bytes; returns the messages completed by them (possibly none). */
  push(chunk: Buffer): SipMessage[] {
    const out: SipMessage[] = [];
    if (this.#failed || chunk.length === 0) return out;
    this.#append(chunk);
    for (;;) {
      if (!this.#skipKeepalives()) break;
      const msg = this.#next();
      if (msg === null) break;
      if (msg !== undefined) {
        out.push(msg);
        this.#onMessage?.(msg);
      }
      if (this.#failed) break;
    }
    this.#compact();
    return out;
  }

  /** Drops buffered data and clears the failed state (e.g. for connection reuse in tests). */
  reset(): void {
    this.#store = Buffer.alloc(0);
    this.#off = this.#end = this.#scanFrom = 0;
    this.#pendingCrlf = false;
    this.#failed = false;
  }

  #append(chunk: Buffer): void {
    const need = this.#end + chunk.length;
    if (need > this.#store.length) {
      const live = this.#end - this.#off;
      let cap = Math.max(4096, this.#store.length);
      while (cap < live + chunk.length) cap *= 2;
      const next = Buffer.allocUnsafe(cap);
      this.#store.copy(next, 0, this.#off, this.#end);
      this.#scanFrom = Math.max(0, this.#scanFrom - this.#off);
      this.#store = next;
      this.#off = 0;
      this.#end = live;
    }
    chunk.copy(this.#store, this.#end);
    this.#end += chunk.length;
  }

  #compact(): void {
    if (this.#off === this.#end) {
      this.#off = this.#end = this.#scanFrom = 0;
      if (this.#store.length > 65536) this.#store = Buffer.alloc(0);
    }
  }

  /** Consumes CRLF keep-alives at the read position; false when no data is left. */
  #skipKeepalives(): boolean {
    const s = this.#store;
    for (;;) {
      const avail = this.#end - this.#off;
      if (avail === 0) return false;
      const b0 = s[this.#off];
      if (this.#pendingCrlf) {
        this.#pendingCrlf = false;
        if (avail >= 2 && b0 === CR && s[this.#off + 1] === LF) {
          this.#off += 2;
          this.#emitKeepalive('ping');
          continue;
        }
        if (avail === 1 && b0 === CR) {
          // Can't tell yet; keep waiting with the CR buffered.
          this.#pendingCrlf = true;
          return false;
        }
      }
      if (b0 === LF) {
        // Stray LF between messages (lenient): ignore.
        this.#off++;
        continue;
      }
      if (b0 !== CR) return true;
      if (avail < 2) return false;
      if (s[this.#off + 1] !== LF) return true; // let the parser reject it
      if (avail >= 4 && s[this.#off + 2] === CR && s[this.#off + 3] === LF) {
        this.#off += 4;
        this.#emitKeepalive('ping');
        continue;
      }
      if (avail === 2 || (avail === 3 && s[this.#off + 2] === CR)) {
        // A lone CRLF so far: a pong, or the first half of a ping.
        this.#off += 2;
        this.#pendingCrlf = true;
        this.#emitKeepalive('pong');
        continue;
      }
      this.#off += 2;
      this.#emitKeepalive('pong');
    }
  }

  #emitKeepalive(kind: KeepaliveKind): void {
    this.#onKeepalive?.(kind);
  }

  #fail(err: SipParseError): null {
    this.#failed = true;
    this.#off = this.#end = this.#scanFrom = 0;
    this.#report(err, { fatal: true });
    return null;
  }

  #report(err: SipParseError, info: FramerErrorInfo): void {
    if (this.#onError) this.#onError(err, info);
    else throw err;
  }

  /**
   * Frames the message at the read position. Returns the message, `undefined` when a complete
   * message failed to parse (reported, skipped), or null when more data is needed (or on failure).
   */
  #next(): SipMessage | undefined | null {
    const s = this.#store;
    const o = this.#opts;
    const start = this.#off;
    const from = Math.max(start, this.#scanFrom);
    const bounds = findHeaderEnd(s.subarray(0, this.#end), from, start + o.maxHeaderBytes + 3 - from);
    if (bounds === null) {
      if (this.#end - start > o.maxHeaderBytes) {
        return this.#fail(new SipParseError(`header section exceeds ${o.maxHeaderBytes} bytes`, 513));
      }
      // Nothing before the last 3 bytes can start the empty line.
      this.#scanFrom = Math.max(start, this.#end - 3);
      return null;
    }
    const cl = findContentLength(s, start, bounds.headEnd);
    if (typeof cl === 'string') return this.#fail(new SipParseError(cl, 400));
    if (cl > o.maxBodySize) return this.#fail(new SipParseError(`Content-Length ${cl} exceeds ${o.maxBodySize}`, 413));
    const total = bounds.bodyStart - start + cl;
    if (total > o.maxMessageSize) {
      return this.#fail(new SipParseError(`message of ${total} bytes exceeds ${o.maxMessageSize}`, 513));
    }
    if (this.#end - start < total) return null;
    // Copy out: the store is reused, the message must own its bytes.
    const raw = Buffer.from(s.subarray(start, start + total));
    this.#off = start + total;
    this.#scanFrom = 0;
    try {
      return parseMessage(raw, o);
    } catch (err) {
      if (err instanceof SipParseError) {
        this.#report(err, { fatal: false, raw });
        return undefined;
      }
      throw err;
    }
  }
}

/**
 * Reads Content-Length from the raw header section [start, headEnd) without a full parse.
 * Returns the value or an error message.
 */
function findContentLength(buf: Buffer, start: number, headEnd: number): number | string {
  const head = buf.toString('latin1', start, headEnd);
  let found: string | undefined;
  let pos = head.indexOf('\n') + 1; // skip the start line
  while (pos > 0 && pos < head.length) {
    const nl = head.indexOf('\n', pos);
    const lineEnd = nl < 0 ? head.length : nl;
    const colon = head.indexOf(':', pos);
    if (colon > pos && colon < lineEnd) {
      const name = head.slice(pos, colon).trimEnd().toLowerCase();
      if (name === 'content-length' || name === 'l') {
        if (found !== undefined) return 'multiple Content-Length headers';
        let value = head.slice(colon + 1, lineEnd);
        // Folded continuation lines.
        let p = lineEnd + 1;
        while (p < head.length && (head.charCodeAt(p) === 0x20 || head.charCodeAt(p) === 0x09)) {
          const e = head.indexOf('\n', p);
          const ee = e < 0 ? head.length : e;
          value += ` ${head.slice(p, ee)}`;
          p = ee + 1;
        }
        found = value;
      }
    }
    pos = nl + 1;
  }
  if (found === undefined) return 'Content-Length is required on stream transports';
  try {
    return parseContentLength(found.trim());
  } catch (err) {
    return err instanceof SipParseError ? err.message : 'bad Content-Length';
  }
}
