/**
 * Test harness for gateway/streams: a real `ws` server and client on 127.0.0.1, a MediaClock on a
 * hand-cranked driver (ticks happen only when the test calls `tick()`), a `BotEnd` recording what
 * the bot receives (text frames parsed, binary frames raw, in order) and a `CallSide` recording
 * the frames the leg plays into the call with the tick they came in.
 *
 * `withBot` plays the xbridge direction (the bot connects to our `/ws/:callId`, `handleSocket`
 * makes the leg); `BotServer` plays a connect-out bot (we dial it with `dialStream`).
 */
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { MediaClock } from '../../../media/clock.ts';
import { ManualClockDriver } from '../../../media/clock-manual.ts';
import { handleSocket, type HandleSocketParams } from '../handle-socket.ts';
import type { StreamLeg } from '../stream-leg.ts';
import type { StreamRtpPacket } from '../stream-leg-options.ts';

/** Wait (on I/O, not on the media clock) until `cond()` holds; fails after `limitMs` of wall time. */
export async function until(cond: () => boolean, what = 'condition', limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** A message as the bot received it. */
export type BotFrame = { kind: 'text'; raw: string; json: any } | { kind: 'binary'; data: Buffer };

/** One end of a bot socket (client or server side) that records everything it receives. */
export class BotEnd {
  readonly frames: BotFrame[] = [];
  closeCode: number | undefined;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.frames.push({ kind: 'binary', data: Buffer.from(data) });
      else {
        const raw = data.toString('utf8');
        this.frames.push({ kind: 'text', raw, json: JSON.parse(raw) });
      }
    });
    ws.on('close', (code) => {
      this.closeCode = code;
    });
    ws.on('error', () => {});
  }

  /** Parsed text messages, in order. */
  get json(): any[] {
    return this.frames.flatMap((f) => (f.kind === 'text' ? [f.json] : []));
  }

  /** Parsed text messages with `event === name`. */
  events(name: string): any[] {
    return this.json.filter((m) => m.event === name);
  }

  binary(): Buffer[] {
    return this.frames.flatMap((f) => (f.kind === 'binary' ? [f.data] : []));
  }

  async waitEvents(name: string, count: number): Promise<any[]> {
    await until(() => this.events(name).length >= count, `${count} "${name}" message(s)`);
    return this.events(name);
  }

  async waitClosed(): Promise<number> {
    await until(() => this.closeCode !== undefined, 'socket close');
    return this.closeCode!;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  sendBinary(data: Uint8Array): void {
    this.ws.send(data, { binary: true });
  }

  /** Send a text frame, then resolve once the peer has surely processed it (a ping round trip). */
  async sendAndSettle(message: unknown): Promise<void> {
    this.send(message);
    await this.settle();
  }

  /** Resolves after a ping/pong round trip: everything sent before has been handled by the peer. */
  settle(): Promise<void> {
    return new Promise((resolve) => {
      const onPong = () => {
        this.ws.off('pong', onPong);
        resolve();
      };
      this.ws.on('pong', onPong);
      this.ws.ping();
    });
  }
}

/** Frames the leg played into the call. */
export interface PlayedFrame {
  /** Media clock tick index it was played in. */
  tick: number;
  payload: Uint8Array;
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
  payloadType: number;
}

export class CallSide {
  readonly played: PlayedFrame[] = [];
  constructor(leg: StreamLeg, now: () => number) {
    leg.on('rtp', (p: StreamRtpPacket) => {
      this.played.push({ tick: now(), payload: new Uint8Array(p.payload), sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, marker: p.marker, payloadType: p.payloadType });
    });
  }
}

/** A MediaClock that only moves when told. */
export class TestClock {
  readonly driver = new ManualClockDriver();
  readonly clock = new MediaClock({ driver: this.driver, spinMs: 0 });
  /** Index of the tick running now / last run. */
  index = 0;
  constructor() {
    this.clock.subscribe((t) => {
      this.index = t.index;
    });
    this.clock.start();
  }
  /** Run `n` ticks (20 ms each). */
  tick(n = 1): void {
    for (let i = 0; i < n; i++) this.driver.advance(20);
  }
  stop(): void {
    this.clock.stop();
  }
}

export interface BotContext {
  leg: StreamLeg;
  bot: BotEnd;
  call: CallSide;
  clock: TestClock;
  /** The upgrade URL's path and query. */
  url: string;
}

export interface WithBotOptions extends Partial<Omit<HandleSocketParams, 'clock' | 'query'>> {
  /** Query string of the bot's URL, e.g. 'mode=native&sample_rate=16000'. */
  query?: string;
}

/** A bot connects to our /ws/:callId on 127.0.0.1; the leg is made by handleSocket. Cleans up after `fn`. */
export async function withBot(options: WithBotOptions, fn: (ctx: BotContext) => Promise<void>): Promise<void> {
  const clock = new TestClock();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as AddressInfo).port;
  const { query, ...params } = options;
  let leg: StreamLeg | undefined;
  let legError: Error | undefined;
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const callId = url.pathname.split('/').pop()!;
    const result = handleSocket(ws, { callId, ...params, clock: clock.clock, query: url.searchParams });
    if (result.ok) leg = result.leg;
    else legError = result.error;
  });
  const path = `/ws/call-1${query ? `?${query}` : ''}`;
  const client = new WebSocket(`ws://127.0.0.1:${port}${path}`);
  const bot = new BotEnd(client);
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('open', () => resolve());
      client.once('error', reject);
    });
    await until(() => leg !== undefined || legError !== undefined, 'the leg');
    if (legError) throw legError;
    const call = new CallSide(leg!, () => clock.index);
    if (options.autoStart !== false) await bot.waitEvents('start', 1);
    await fn({ leg: leg!, bot, call, clock, url: path });
  } finally {
    leg?.close();
    client.terminate();
    clock.stop();
    await new Promise<void>((r) => wss.close(() => r()));
  }
}

/** A bot that waits for us to dial it (connect-out): records each upgrade request and connection. */
export class BotServer {
  readonly wss: WebSocketServer;
  readonly requests: IncomingMessage[] = [];
  readonly ends: BotEnd[] = [];
  private constructor(wss: WebSocketServer) {
    this.wss = wss;
    wss.on('connection', (ws, req) => {
      this.requests.push(req);
      this.ends.push(new BotEnd(ws));
    });
  }

  static async listen(options: { verifyClient?: (info: { req: IncomingMessage }) => boolean } = {}): Promise<BotServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: options.verifyClient });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    return new BotServer(wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  async waitEnd(): Promise<BotEnd> {
    await until(() => this.ends.length > 0, 'a connection');
    return this.ends[0]!;
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}
