/**
 * Keeps the README's bot examples honest. The echo bot (examples/echo-bot.mjs, run as its own
 * `node` process exactly as a user would) is the webhook target of a real gateway; a SIP phone
 * (TestPhone, a trunk-host peer on 127.0.0.1) calls in; the bot answers /incoming, opens
 * /ws/{call_id} in native 16 kHz mode and echoes — the phone hears its own tone come back, and a
 * change of tone too; DTMF '#' makes the bot hang up over REST and the phone gets the BYE.
 * The signature snippet (examples/verify-signature.mjs) is checked against signWebhook and against
 * a request really signed and sent by the gateway's webhook poster. Both files must appear verbatim
 * in README.md. All traffic stays on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaClock } from '../media/index.ts';
import { resolveConfig } from '../gateway/config/index.ts';
import { RtpPortPool } from '../gateway/rtp/index.ts';
import { TestPhone } from '../gateway/calls/testing/phone.ts';
import { startReceiver } from '../gateway/api/testing/webhook-receiver.ts';
import { signWebhook, checkWebhookSignature } from '../gateway/api/webhooks/signature.ts';
import { postWebhook } from '../gateway/api/webhooks/post-webhook.ts';
import { Gateway } from '../gateway/cli/gateway.ts';
import { freePort } from '../testing/free-port.ts';
// @ts-expect-error — a plain .mjs example without type declarations
import { verifyPatchbaySignature } from './verify-signature.mjs';

const verify = verifyPatchbaySignature as (secret: string, headers: Record<string, string | string[] | undefined>, body: string | Buffer) => boolean;
const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const KEY = 'example-key';

async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('README examples', () => {
  it('README.md carries both example files verbatim', () => {
    const readme = readFileSync(here('../README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
    for (const file of ['echo-bot.mjs', 'verify-signature.mjs']) {
      assert.ok(blocks.includes(readFileSync(here(file), 'utf8').trim()), `README.md has examples/${file} as a js block`);
    }
  });

  describe('echo bot against a running gateway', () => {
    let clock: MediaClock;
    let ports: RtpPortPool;
    let phone: TestPhone;
    let gateway: Gateway;
    let bot: ChildProcess;
    let botLog = '';
    let base: string;
    let sipPort: number;
    let dataDir: string;

    const api = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { Authorization: `Bearer ${KEY}` } });

    before(async () => {
      clock = new MediaClock();
      clock.start();
      ports = new RtpPortPool({ bindAddress: '127.0.0.1' });
      phone = await TestPhone.start(clock, ports);
      sipPort = await freePort();
      const botPort = await freePort();
      dataDir = mkdtempSync(join(tmpdir(), 'patchbay-echo-bot-'));
      gateway = new Gateway(
        resolveConfig({
          listen: { http: '127.0.0.1:0' },
          server: { listen: `127.0.0.1:${sipPort}`, peers: [{ name: 'lab', host: '127.0.0.1', port: phone.port }] },
          webhook: { url: `http://127.0.0.1:${botPort}`, secret: 'whsec', retry: 0 },
          auth: { api_key: KEY },
          data_dir: dataDir,
          log: { level: 'silent' },
        }),
      );
      await gateway.start();
      base = `http://127.0.0.1:${gateway.httpAddress!.port}`;
      bot = spawn(process.execPath, [here('echo-bot.mjs')], {
        env: { ...process.env, GATEWAY: base, API_KEY: KEY, HOST: '127.0.0.1', PORT: String(botPort) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      bot.stdout!.on('data', (d) => (botLog += d));
      bot.stderr!.on('data', (d) => (botLog += d));
      await until(() => fetch(`http://127.0.0.1:${botPort}/`, { method: 'POST', body: '{}' }).then((r) => r.ok, () => false), 10_000, 'the bot listening');
    });

    after(async () => {
      if (bot && bot.exitCode === null) {
        const exited = new Promise((r) => bot.once('exit', r));
        bot.kill('SIGTERM');
        await exited;
      }
      await phone?.close();
      await gateway?.stop();
      clock?.stop();
      await ports?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('accepts the call, echoes the caller, and hangs up over REST on #', async () => {
      const { call } = await phone.call(`sip:5551234@127.0.0.1:${sipPort}`, { user: '5550000' });
      const info = await until(async () => ((await (await api('/v1/calls')).json()) as { calls: Record<string, string>[] }).calls[0], 5000, 'the call in GET /v1/calls');
      assert.deepEqual({ ...info }, { call_id: info.call_id, from: '5550000', to: '5551234', direction: 'inbound', status: 'in_progress', peer: 'lab' });
      const id = info.call_id!;

      // The bot streams (native mode: binary frames both ways) and what the phone says comes back.
      call.startTone(1000);
      await until(() => call.heard(1000) > 0.5, 8000, `the phone hearing its 1 kHz echoed (bot log: ${botLog})`);
      const from = call.received.length + 10;
      call.startTone(600);
      await until(() => call.heard(600, from) > 0.5, 8000, 'the phone hearing its 600 Hz echoed');
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const frames = (dir: string) => Number(new RegExp(`^patchbay_ws_frames_total\\{direction="${dir}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
      assert.ok(frames('sent') > 20, `gateway sent the bot audio frames (${frames('sent')})`);
      assert.ok(frames('received') > 20, `the bot sent audio frames back (${frames('received')})`);
      assert.match(metrics, /^patchbay_ws_connections 1$/m);

      // '#' from the phone → stream dtmf event → the bot's DELETE /v1/calls/{id} → BYE to the phone.
      call.stopTone();
      await call.session.media.leg.sendDtmf('#', 120);
      await until(() => call.ended, 5000, 'the phone getting BYE');
      assert.equal((await api(`/v1/calls/${id}`)).status, 404);
      const { cdrs } = (await (await api('/v1/cdrs')).json()) as { cdrs: { callId: string; endReason: string }[] };
      assert.equal(cdrs.find((c) => c.callId === id)?.endReason, 'normal');
      // Every webhook (/incoming, call.answered, call.dtmf, call.ended) reached the bot and got its 200.
      const webhooks = async (result: string) => {
        const text = await (await fetch(`${base}/metrics`)).text();
        return Number(new RegExp(`^patchbay_webhooks_total\\{result="${result}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? -1);
      };
      await until(async () => (await webhooks('success')) === 4, 5000, 'four webhook deliveries');
      assert.equal(await webhooks('failure'), 0);
      assert.equal(bot.exitCode, null, `the bot is still running (log: ${botLog})`);
      assert.equal(botLog, '', 'the bot logged no WebSocket error');
    });
  });

  describe('webhook signature snippet', () => {
    const secret = 'whsec_test';
    const body = JSON.stringify({ event: 'call.answered', call_id: 'c-1' });
    const headersAt = (ts: number, b: string | Buffer = body, s = secret) => ({
      'x-patchbay-timestamp': String(ts),
      'x-patchbay-signature': signWebhook(s, ts, b),
    });
    const now = () => Math.floor(Date.now() / 1000);

    it('accepts what signWebhook signs, and only that', () => {
      assert.equal(verify(secret, headersAt(now()), body), true);
      assert.equal(verify(secret, headersAt(now()), Buffer.from(body)), true, 'raw body as a Buffer');
      const unicode = JSON.stringify({ event: 'call.ringing', call_id: 'c-2', from: 'Zoë ☎', to: '1001' });
      assert.equal(verify(secret, headersAt(now(), unicode), unicode), true, 'non-ASCII body');
      assert.equal(verify(secret, headersAt(now() - 299), body), true, 'just inside 5 minutes');
      assert.equal(verify(secret, headersAt(now() - 301), body), false, 'older than 5 minutes');
      assert.equal(verify(secret, headersAt(now() + 301), body), false, 'from the future');
      assert.equal(verify(secret, headersAt(now()), body.replace('c-1', 'c-2')), false, 'tampered body');
      assert.equal(verify('other', headersAt(now()), body), false, 'wrong secret');
      assert.equal(verify(secret, { 'x-patchbay-timestamp': String(now()) }, body), false, 'no signature');
      assert.equal(verify(secret, {}, body), false, 'no headers');
      const h = headersAt(now());
      assert.equal(verify(secret, { ...h, 'x-patchbay-timestamp': String(now() - 1) }, body), false, 'timestamp not the signed one');
      assert.equal(verify(secret, { ...h, 'x-patchbay-signature': `v1=${'0'.repeat(64)}, ${h['x-patchbay-signature']}` }, body), true, 'several signatures (rotation)');
    });

    it('verifies a request as the gateway really sends it', async () => {
      const receiver = await startReceiver();
      try {
        const out = await postWebhook({ url: `${receiver.url}/`, body, secret, timeoutMs: 5000, signal: new AbortController().signal, headers: {} });
        assert.equal(out.ok, true);
        const [req] = receiver.requests;
        assert.match(String(req!.headers['x-patchbay-signature']), /^v1=[0-9a-f]{64}$/);
        assert.equal(verify(secret, req!.headers, req!.body), true);
        assert.equal(checkWebhookSignature(secret, String(req!.headers['x-patchbay-timestamp']), req!.body, String(req!.headers['x-patchbay-signature'])).valid, true);
        assert.equal(verify('wrong', req!.headers, req!.body), false);
      } finally {
        await receiver.close();
      }
    });
  });
});
