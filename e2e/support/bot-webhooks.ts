/**
 * e2e harness: the bot's webhook endpoint, on top of gateway/api/testing/webhook-receiver.ts (a
 * real HTTP server on 127.0.0.1). It answers `POST /incoming` with a decision the test programs
 * (default `{"action":"accept","stream":true}`), acknowledges lifecycle events POSTed to `/`, and
 * serves files (WAVs for `play` by `url`) from `/files/…`. Every webhook's signature is checked
 * the way a bot would check it — HMAC-SHA256 over `${X-Patchbay-Timestamp}.${raw body}` with the
 * shared secret, hex, `v1=` prefix — independently of the gateway's own signing code.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { startReceiver, type RecordedRequest, type Reply, type WebhookReceiver } from '../../gateway/api/testing/webhook-receiver.ts';

/** The /incoming payload (xbridge "Incoming Call"). */
export interface IncomingCallPayload {
  call_id: string;
  from: string;
  to: string;
  direction: string;
  peer?: string;
  [key: string]: unknown;
}

/** What /incoming answers: a decision object (sent as JSON, 200), or a raw reply. */
export type IncomingAnswer = Record<string, unknown> | { raw: Reply };

/** One webhook as received, with its parsed body and the signature verdict. */
export interface ReceivedWebhook {
  path: string;
  body: any;
  raw: string;
  at: number;
  signature: 'valid' | 'missing' | 'mismatch' | 'stale' | 'malformed';
  headers: RecordedRequest['headers'];
}

export interface BotWebhooksOptions {
  /** `webhook.secret` the gateway signs with. */
  secret: string;
  /** Decides each /incoming (default: accept with stream). May wait (the gateway waits with it). */
  decide?: (call: IncomingCallPayload, n: number) => IncomingAnswer | Promise<IncomingAnswer>;
}

/** A bot's verification of X-Patchbay-Signature: `v1=<hex HMAC-SHA256(secret, "${ts}.${body}")>`, ts within 5 min. */
export function verifySignature(secret: string, headers: RecordedRequest['headers'], raw: string): ReceivedWebhook['signature'] {
  const ts = headers['x-patchbay-timestamp'];
  const sig = headers['x-patchbay-signature'];
  if (typeof ts !== 'string' || typeof sig !== 'string') return 'missing';
  if (!/^\d+$/.test(ts)) return 'malformed';
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return 'stale';
  const expected = createHmac('sha256', secret).update(`${ts}.${raw}`).digest();
  const given = sig.split(',').map((s) => s.trim()).find((s) => s.startsWith('v1='));
  if (!given || !/^v1=[0-9a-f]{64}$/.test(given)) return 'malformed';
  return timingSafeEqual(Buffer.from(given.slice(3), 'hex'), expected) ? 'valid' : 'mismatch';
}

export class BotWebhooks {
  readonly receiver: WebhookReceiver;
  readonly secret: string;
  /** Every webhook POST (incoming and lifecycle), in arrival order. */
  readonly received: ReceivedWebhook[] = [];
  /** Files served at `/files/<name>`. */
  readonly files = new Map<string, { body: Uint8Array; contentType: string }>();
  decide: NonNullable<BotWebhooksOptions['decide']>;
  #waiters: Array<() => void> = [];

  private constructor(receiver: WebhookReceiver, options: BotWebhooksOptions) {
    this.receiver = receiver;
    this.secret = options.secret;
    this.decide = options.decide ?? (() => ({ action: 'accept', stream: true }));
  }

  static async start(options: BotWebhooksOptions): Promise<BotWebhooks> {
    let self: BotWebhooks | undefined;
    const receiver = await startReceiver((req) => self!.#reply(req));
    self = new BotWebhooks(receiver, options);
    return self;
  }

  get url(): string {
    return this.receiver.url;
  }

  /** URL of a served file. */
  serve(name: string, body: Uint8Array, contentType = 'audio/wav'): string {
    this.files.set(name, { body, contentType });
    return `${this.url}/files/${name}`;
  }

  async #reply(req: RecordedRequest): Promise<Reply> {
    const path = req.path.split('?')[0]!;
    if (req.method === 'GET' && path.startsWith('/files/')) {
      const f = this.files.get(decodeURIComponent(path.slice('/files/'.length)));
      return f ? { status: 200, body: f.body, headers: { 'Content-Type': f.contentType } } : { status: 404, body: '' };
    }
    let body: any;
    try {
      body = JSON.parse(req.body);
    } catch {
      body = undefined;
    }
    const hook: ReceivedWebhook = { path, body, raw: req.body, at: req.at, signature: verifySignature(this.secret, req.headers, req.body), headers: req.headers };
    this.received.push(hook);
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
    if (path.endsWith('/incoming')) {
      const n = this.incoming().length - 1;
      const answer = await this.decide(body as IncomingCallPayload, n);
      if ('raw' in answer && typeof answer.raw === 'object' && answer.raw !== null && !Array.isArray(answer.raw)) return answer.raw as Reply;
      return { status: 200, body: JSON.stringify(answer) };
    }
    return { status: 200, body: '' };
  }

  /** /incoming requests so far. */
  incoming(): ReceivedWebhook[] {
    return this.received.filter((h) => h.path.endsWith('/incoming'));
  }

  /** Lifecycle events so far (optionally one call's, one event name's). */
  events(name?: string, callId?: string): any[] {
    return this.received
      .filter((h) => !h.path.endsWith('/incoming') && h.body && (!name || h.body.event === name) && (!callId || h.body.call_id === callId))
      .map((h) => h.body);
  }

  async #until<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = find();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`webhooks: no ${what} within ${timeoutMs} ms; received: ${this.summary()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The `n`-th (0-based) /incoming request. */
  waitIncoming(n = 0, timeoutMs = 15_000): Promise<ReceivedWebhook> {
    return this.#until(() => this.incoming()[n], `/incoming #${n + 1}`, timeoutMs);
  }

  /** The first lifecycle event `name` of `callId` matching `pred`. */
  waitEvent(name: string, callId?: string, pred: (e: any) => boolean = () => true, timeoutMs = 15_000): Promise<any> {
    return this.#until(() => this.events(name, callId).find(pred), `${name}${callId ? ` for ${callId}` : ''}`, timeoutMs);
  }

  /** Webhooks whose signature did not verify. */
  badlySigned(): ReceivedWebhook[] {
    return this.received.filter((h) => h.signature !== 'valid');
  }

  summary(): string {
    return this.received.map((h) => (h.path.endsWith('/incoming') ? `incoming(${h.body?.call_id})` : `${h.body?.event}(${h.body?.call_id})`)).join(', ') || 'nothing';
  }

  close(): Promise<void> {
    return this.receiver.close();
  }
}
