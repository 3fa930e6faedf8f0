/**
 * e2e harness: a tiny bot, written against the contract only (xbridge reference + Twilio Media
 * Streams), the way a customer's bot would be — no gateway code imported except the G.711 tables,
 * the tone generator and Goertzel. `BotSocket` wraps one stream WebSocket (either end): it records
 * every message with its arrival time, decodes the caller's μ-law audio, and sends media (burst or
 * paced at 20 ms), marks and clear; native mode's binary PCM16 frames too. `connectBot` dials
 * `/ws/{call_id}` with a bearer key (what a bot does after accepting a call); `BotServer` is a
 * WebSocket server on 127.0.0.1 the gateway dials (connect-out,
 * `{"action":"accept","stream":{"url":…}}`). `upgradeStatus` reports the HTTP status a refused
 * upgrade got (401, 404).
 */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { ulawDecode, ulawEncode } from '../../media/codecs/g711.ts';
import { ToneGenerator } from '../../media/tone.ts';
import { goertzelPower } from '../../media/testing/signal.ts';

/** One stream frame: 20 ms. */
export const FRAME_MS = 20;

/** One message the bot received: JSON text (parsed) or a binary frame, with its arrival time. */
export interface BotMessage {
  /** performance.now() on arrival. */
  at: number;
  /** The raw text frame, or undefined for binary frames. */
  raw?: string;
  json?: any;
  binary?: Buffer;
}

/** A sine, `ms` long, at `sampleRate` (default 8 kHz), peak -6 dBFS by default. */
export function tone(hz: number, ms: number, dbfs = -6, sampleRate = 8000): Int16Array {
  const out = new Int16Array(Math.round((sampleRate * ms) / 1000));
  new ToneGenerator({ frequency: hz, sampleRate, dbfs }).fill(out);
  return out;
}

export function muLawEncode(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  ulawEncode(pcm, out);
  return out;
}

export function muLawDecode(codes: Uint8Array): Int16Array {
  const out = new Int16Array(codes.length);
  ulawDecode(codes, out);
  return out;
}

/** PCM16 little-endian bytes (the xbridge `audio` / WAV sample layout). */
export function pcm16le(pcm: Int16Array): Buffer {
  const b = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) b.writeInt16LE(pcm[i]!, i * 2);
  return b;
}

/** A native-mode audio frame: tag 0x01, payload length (2 bytes, big-endian), PCM16 little-endian. */
export function nativeFrame(pcm: Int16Array): Buffer {
  const b = Buffer.alloc(3 + pcm.length * 2);
  b[0] = 0x01;
  b.writeUInt16BE(pcm.length * 2, 1);
  for (let i = 0; i < pcm.length; i++) b.writeInt16LE(pcm[i]!, 3 + 2 * i);
  return b;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One end of a bot stream socket (the bot's side). */
export class BotSocket {
  readonly ws: WebSocket;
  readonly messages: BotMessage[] = [];
  /** When the socket opened (performance.now()). */
  readonly openedAt = performance.now();
  closeCode: number | undefined;
  closedAt: number | undefined;
  /** Frames this bot sent. */
  sentFrames = 0;
  /** Text frames that were not JSON (a protocol violation worth reporting). */
  readonly badFrames: string[] = [];
  #waiters: Array<() => void> = [];

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const at = performance.now();
      if (isBinary) this.messages.push({ at, binary: Buffer.from(data) });
      else {
        const raw = data.toString('utf8');
        try {
          this.messages.push({ at, raw, json: JSON.parse(raw) });
        } catch {
          this.badFrames.push(raw);
        }
      }
      this.#wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.closedAt = performance.now();
      this.#wake();
    });
    ws.on('error', () => undefined);
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `cond()` holds (checked on every message and on close); rejects after `timeoutMs`. */
  async until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!cond()) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`bot: timed out after ${timeoutMs} ms waiting for ${what}; received: ${this.summary()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** JSON messages in order. */
  get json(): any[] {
    return this.messages.flatMap((m) => (m.json !== undefined ? [m.json] : []));
  }

  /** Received messages with `event === name` (with their arrival times). */
  received(name: string): BotMessage[] {
    return this.messages.filter((m) => m.json?.event === name);
  }

  events(name: string): any[] {
    return this.received(name).map((m) => m.json);
  }

  /** The first message `event === name` matching `pred`, after message index `since`. */
  async waitEvent(name: string, pred: (m: any) => boolean = () => true, timeoutMs = 10_000, since = 0): Promise<BotMessage> {
    let found: BotMessage | undefined;
    await this.until(() => (found = this.messages.slice(since).find((m) => m.json?.event === name && pred(m.json))) !== undefined, `"${name}"`, timeoutMs);
    return found!;
  }

  async waitClosed(timeoutMs = 10_000): Promise<number> {
    await this.until(() => this.closeCode !== undefined, 'the socket to close', timeoutMs);
    return this.closeCode!;
  }

  /** The streamSid from `start` (undefined before it). */
  get streamSid(): string | undefined {
    return this.events('start')[0]?.streamSid;
  }

  /** Caller audio (inbound `media` payloads, μ-law decoded) received after message index `since`. */
  callerAudio(since = 0): Int16Array {
    const chunks = this.messages
      .slice(since)
      .filter((m) => m.json?.event === 'media' && (m.json.media?.track ?? 'inbound') === 'inbound')
      .map((m) => muLawDecode(Buffer.from(String(m.json.media.payload), 'base64')));
    const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  /**
   * Caller audio from native-mode binary frames (`[0x01][length BE16][PCM16 LE]`) after message
   * index `since`; `malformed` counts frames whose tag or length is wrong (those are skipped).
   */
  nativeAudio(since = 0): { samples: Int16Array; frames: number; malformed: number } {
    const parts: Int16Array[] = [];
    let malformed = 0;
    for (const m of this.messages.slice(since)) {
      if (!m.binary) continue;
      const b = m.binary;
      if (b.length < 3 || b[0] !== 0x01 || b.readUInt16BE(1) !== b.length - 3 || (b.length - 3) % 2 !== 0) {
        malformed++;
        continue;
      }
      const pcm = new Int16Array((b.length - 3) / 2);
      for (let i = 0; i < pcm.length; i++) pcm[i] = b.readInt16LE(3 + 2 * i);
      parts.push(pcm);
    }
    const samples = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      samples.set(p, at);
      at += p.length;
    }
    return { samples, frames: parts.length, malformed };
  }

  /** Index to pass as `since`: only messages after now. */
  get count(): number {
    return this.messages.length;
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
    this.sentFrames++;
  }

  /**
   * Sends `pcm` (8 kHz) as μ-law `media` messages of `chunkMs`. `paced` sends one chunk per chunk
   * duration (a realtime bot); otherwise all at once (a TTS burst — the gateway must pace it).
   */
  async sendAudio(pcm: Int16Array, options: { paced?: boolean; chunkMs?: number } = {}): Promise<void> {
    const chunk = Math.round((8000 * (options.chunkMs ?? FRAME_MS)) / 1000);
    const start = performance.now();
    for (let i = 0, n = 0; i < pcm.length; i += chunk, n++) {
      if (options.paced) {
        const due = start + n * (options.chunkMs ?? FRAME_MS) - performance.now();
        if (due > 0) await sleep(due);
      }
      const payload = Buffer.from(muLawEncode(pcm.subarray(i, Math.min(pcm.length, i + chunk)))).toString('base64');
      this.send({ event: 'media', streamSid: this.streamSid, media: { payload } });
    }
  }

  /** Sends PCM16 at `sampleRate` as native binary frames of `chunkMs` (all at once). */
  sendNativeAudio(pcm: Int16Array, sampleRate: number, chunkMs = FRAME_MS): void {
    const chunk = Math.round((sampleRate * chunkMs) / 1000);
    for (let i = 0; i < pcm.length; i += chunk) {
      this.ws.send(nativeFrame(pcm.subarray(i, Math.min(pcm.length, i + chunk))), { binary: true });
      this.sentFrames++;
    }
  }

  mark(name: string): void {
    this.send({ event: 'mark', streamSid: this.streamSid, mark: { name } });
  }

  clear(): void {
    this.send({ event: 'clear', streamSid: this.streamSid });
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
  }

  /** A one-line account of what arrived (event counts, in order of first arrival). */
  summary(): string {
    const counts = new Map<string, number>();
    for (const m of this.messages) {
      const k = m.binary ? 'binary' : String(m.json?.event);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const parts = [...counts].map(([k, n]) => `${k}×${n}`);
    if (this.badFrames.length) parts.push(`non-JSON×${this.badFrames.length}`);
    if (this.closeCode !== undefined) parts.push(`closed ${this.closeCode}`);
    return parts.join(', ') || 'nothing';
  }
}

export interface ConnectBotOptions {
  /** Sent as `Authorization: Bearer <apiKey>`; omit to connect without. */
  apiKey?: string;
  /** Query string parameters (`mode`, `sample_rate`, `encoding`). */
  query?: Record<string, string>;
  /** Retry a 404 answer for this long (the call may be a moment from streamable). Default 0. */
  retry404Ms?: number;
  timeoutMs?: number;
}

/** The HTTP status of a refused upgrade. */
export class UpgradeRefused extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(`WebSocket upgrade refused: HTTP ${status} ${body}`);
  }
}

/** `ws://host/ws/{callId}` from the gateway's HTTP base URL. */
export function wsUrlOf(httpUrl: string, callId: string, query?: Record<string, string>): string {
  const u = new URL(`/ws/${encodeURIComponent(callId)}`, httpUrl.replace(/^http/, 'ws'));
  for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, v);
  return u.toString();
}

function openOnce(url: string, headers: Record<string, string>, timeoutMs: number): Promise<BotSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, handshakeTimeout: timeoutMs });
    // Record from the first frame: `connected` may arrive in the same read as the 101.
    const bot = new BotSocket(ws);
    ws.once('open', () => resolve(bot));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)));
      res.on('error', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)));
    });
    ws.once('error', (err) => reject(err));
  });
}

/** Connects a bot to `url` (see wsUrlOf); rejects with UpgradeRefused when the gateway says no. */
export async function connectBot(url: string, options: ConnectBotOptions = {}): Promise<BotSocket & { retries: number }> {
  const u = new URL(url);
  for (const [k, v] of Object.entries(options.query ?? {})) u.searchParams.set(k, v);
  const headers: Record<string, string> = options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {};
  const deadline = Date.now() + (options.retry404Ms ?? 0);
  let retries = 0;
  for (;;) {
    try {
      const bot = await openOnce(u.toString(), headers, options.timeoutMs ?? 5000);
      return Object.assign(bot, { retries });
    } catch (err) {
      if (err instanceof UpgradeRefused && err.status === 404 && Date.now() < deadline) {
        retries++;
        await sleep(100);
        continue;
      }
      throw err;
    }
  }
}

/** The HTTP status an upgrade to `url` gets (101 when it is accepted; the socket is closed again). */
export async function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  try {
    const bot = await openOnce(url, headers, 5000);
    bot.close();
    return { status: 101, body: '' };
  } catch (err) {
    if (err instanceof UpgradeRefused) return { status: err.status, body: err.body };
    throw err;
  }
}

/** A connect-out bot: a WebSocket server on 127.0.0.1 that the gateway dials. */
export class BotServer {
  readonly sockets: BotSocket[] = [];
  /** The upgrade requests' URLs and headers, in order. */
  readonly requests: Array<{ url: string; headers: Record<string, string | string[] | undefined> }> = [];
  readonly #wss: WebSocketServer;
  #waiters: Array<() => void> = [];

  private constructor(wss: WebSocketServer) {
    this.#wss = wss;
    wss.on('connection', (ws, req) => {
      this.requests.push({ url: req.url ?? '', headers: req.headers });
      this.sockets.push(new BotSocket(ws));
      const w = this.#waiters;
      this.#waiters = [];
      for (const f of w) f();
    });
  }

  static async start(): Promise<BotServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    return new BotServer(wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.#wss.address() as AddressInfo).port}`;
  }

  /** The `n`-th (0-based) connection the gateway made. */
  async waitConnection(n = 0, timeoutMs = 10_000): Promise<BotSocket> {
    const deadline = Date.now() + timeoutMs;
    while (this.sockets.length <= n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`connect-out: the gateway made ${this.sockets.length} connection(s) to ${this.url} within ${timeoutMs} ms, expected ${n + 1}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.sockets[n]!;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}

/** Goertzel level (dB re full-scale amplitude, as e2e/support/baresip-phone.ts reads) at each frequency. */
export function levelsDbfs(samples: Int16Array, sampleRate: number, freqs: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const f of freqs) out[f] = 10 * Math.log10(goertzelPower(samples, sampleRate, f) + 1e-9) - 20 * Math.log10(32768);
  return out;
}
