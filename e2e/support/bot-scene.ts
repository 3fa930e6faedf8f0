/**
 * e2e harness for bot tests: the cast a programmable-voice bot meets — the bot's webhook endpoint
 * (bot-webhooks.ts), a gateway child process with `auth.api_key`, `webhook.url` + `webhook.secret`
 * and trunk-host peers from the test, the bot's REST client (bot-api.ts), and optionally an
 * unregistered baresip on 127.0.0.1 (a peer by IP) whose own SIP trace (`baresip -s`) shows what the
 * gateway sent it (re-INVITE directions, REFER). `report()` gathers logs for a failing assertion.
 */
import type { ConfigInput } from '../../gateway/config/index.ts';
import { BaresipPhone } from './baresip-phone.ts';
import { BotApi } from './bot-api.ts';
import { BotWebhooks, type BotWebhooksOptions } from './bot-webhooks.ts';
import { GatewayProcess } from './gateway.ts';

export interface BotSceneOptions {
  apiKey?: string;
  secret?: string;
  /** Config merged over the scene's (auth, webhook, server.peers). */
  config?: Partial<ConfigInput>;
  /** Trunk-host peers (`server.peers`). */
  peers?: NonNullable<ConfigInput['server']>['peers'];
  /** webhook block fields beyond url and secret (retry, timeout). */
  webhook?: Partial<NonNullable<ConfigInput['webhook']>>;
  /** Start baresip as an unregistered peer sending a sine of this frequency. */
  baresipHz?: number;
  decide?: BotWebhooksOptions['decide'];
  /** Extra environment for the gateway process (e.g. NODE_EXTRA_CA_CERTS to trust a test provider's certificate). */
  env?: Record<string, string>;
}

export interface BotScene {
  gateway: GatewayProcess;
  hooks: BotWebhooks;
  api: BotApi;
  apiKey: string;
  secret: string;
  /** Present when `baresipHz` was given. */
  baresip?: BaresipPhone;
  report(extra?: string): string;
  close(): Promise<void>;
}

export async function setUpBotScene(o: BotSceneOptions = {}): Promise<BotScene> {
  const apiKey = o.apiKey ?? 'bot-e2e-key';
  const secret = o.secret ?? 'bot-e2e-webhook-secret';
  const started: Array<() => Promise<unknown>> = [];
  try {
    const hooks = await BotWebhooks.start({ secret, decide: o.decide });
    started.push(() => hooks.close());
    const { server, webhook, auth, ...rest } = o.config ?? {};
    const gateway = await GatewayProcess.start({
      config: {
        ...rest,
        auth: { api_key: apiKey, ...auth },
        webhook: { url: hooks.url, secret, ...o.webhook, ...webhook },
        server: { peers: o.peers ?? [], ...server } as NonNullable<ConfigInput['server']>,
      },
      env: o.env,
    });
    started.push(() => gateway.stop());
    let baresip: BaresipPhone | undefined;
    if (o.baresipHz !== undefined) {
      baresip = await BaresipPhone.start({ user: 'caller', password: '', gatewaySipPort: gateway.sipPort, sineHz: o.baresipHz, register: false });
      const b = baresip;
      started.push(() => b.stop());
    }
    return {
      gateway,
      hooks,
      api: new BotApi(gateway.httpUrl, apiKey),
      apiKey,
      secret,
      baresip,
      report(extra = '') {
        const bs = baresip ? `\n--- baresip ---\n${baresip.consoleTail(2500)}` : '';
        return `${extra ? `\n${extra}` : ''}\n--- webhooks ---\n${hooks.summary()}\n--- gateway log ---\n${gateway.logTail(40)}${bs}`;
      },
      async close() {
        for (const stop of started.reverse()) await stop().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    throw err;
  }
}

/**
 * Runs a test body; when it throws, `report()` is appended to the error's message and stack (an
 * AssertionError prints its stack, which was captured with the original message).
 */
export async function withContext(report: () => string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof Error) {
      const r = report();
      err.message += r;
      if (err.stack) err.stack += `\n${r}`;
    }
    throw err;
  }
}

/** A SIP message in baresip's `-s` console trace. */
export interface BaresipSipMessage {
  from: string;
  to: string;
  firstLine: string;
  text: string;
}

/** SIP messages baresip printed after console offset `since` (`baresip.peer.output.length` earlier). */
export function baresipSipMessages(phone: BaresipPhone, since = 0): BaresipSipMessage[] {
  const out = phone.peer.output.slice(since).replace(/\r/g, '');
  const re = /^(?:UDP|TCP) (\S+) -> (\S+)\n([^\n]+)\n([\s\S]*?)(?=^#\s*$|^(?:UDP|TCP) \S+ -> \S+$|(?![\s\S]))/gm;
  const messages: BaresipSipMessage[] = [];
  for (const m of out.matchAll(re)) messages.push({ from: m[1]!, to: m[2]!, firstLine: m[3]!.trim(), text: `${m[3]}\n${m[4]}` });
  return messages;
}

/** Requests baresip received (sent to its SIP port) whose method is `method`, after `since`. */
export function baresipReceived(phone: BaresipPhone, method: string, since = 0): BaresipSipMessage[] {
  return baresipSipMessages(phone, since).filter((m) => m.to.endsWith(`:${phone.peer.sipPort}`) && m.firstLine.startsWith(`${method} `));
}

/** Polls until baresip received a `method` request matching `pred` after `since`. */
export async function waitBaresipReceived(phone: BaresipPhone, method: string, since: number, pred: (m: BaresipSipMessage) => boolean = () => true, timeoutMs = 5000): Promise<BaresipSipMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = baresipReceived(phone, method, since).find(pred);
    if (m) return m;
    if (Date.now() > deadline) {
      const seen = baresipSipMessages(phone, since).map((x) => `${x.from}→${x.to} ${x.firstLine}`).join('; ');
      throw new Error(`baresip received no matching ${method} within ${timeoutMs} ms; SIP seen since: ${seen || 'nothing'}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The SDP direction attribute of a message (sendrecv when absent). */
export function directionOf(text: string): string {
  return /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(text)?.[1] ?? 'sendrecv';
}
