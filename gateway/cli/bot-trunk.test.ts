/**
 * Bot calls through a trunk the gateway registers to (the xbridge `trunks` / `sip` block), over
 * real SIP on loopback: a provider (our own SipStack acting as registrar) accepts the gateway's
 * REGISTER with Digest; a call the provider delivers to the registered Contact goes to /incoming
 * as a trunk call (no `peer` field) and a bot hears it; POST /v1/calls through that trunk reaches
 * the provider, whose 486 ends the call with reason "busy".
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { MediaClock, ulawDecode } from '../../media/index.ts';
import { goertzelPower } from '../../media/testing/signal.ts';
import { resolveConfig } from '../config/index.ts';
import { RtpPortPool } from '../rtp/index.ts';
import { SipStack } from '../sip/stack/index.ts';
import type { IncomingInvite } from '../sip/index.ts';
import { TestPhone } from '../calls/testing/phone.ts';
import { startReceiver, type WebhookReceiver } from '../api/testing/webhook-receiver.ts';
import { freePort } from '../../testing/free-port.ts';
import { until } from '../../testing/until.ts';
import { Gateway } from './gateway.ts';

let provider: SipStack;
let gateway: Gateway;
let hooks: WebhookReceiver;
let phone: TestPhone;
let clock: MediaClock;
let ports: RtpPortPool;
const providerInvites: IncomingInvite[] = [];


const bodies = () => hooks.requests.map((r) => ({ path: r.path, body: r.body ? (JSON.parse(r.body) as Record<string, unknown>) : {} }));

before(async () => {
  const providerPort = await freePort();
  provider = await SipStack.start({ listen: { host: '127.0.0.1', port: providerPort }, ws: false, users: [{ username: 'acct1', password: 'trunk-pw' }], realm: 'carrier' });
  provider.ua.on('invite', (invite: IncomingInvite) => {
    providerInvites.push(invite);
    invite.reject(486);
  });
  hooks = await startReceiver((req) => ({ status: 200, body: req.path.endsWith('/incoming') ? JSON.stringify({ action: 'accept', stream: true }) : '' }));
  clock = new MediaClock();
  clock.start();
  ports = new RtpPortPool({ bindAddress: '127.0.0.1' });
  phone = await TestPhone.start(clock, ports);
  gateway = new Gateway(
    resolveConfig({
      listen: { http: '127.0.0.1:0' },
      trunks: [{ name: 'carrier', username: 'acct1', password: 'trunk-pw', host: `127.0.0.1:${providerPort}` }],
      webhook: { url: hooks.url, retry: 0 },
      log: { level: (process.env.GW_LOG as 'info') ?? 'silent' },
    }),
  );
  await gateway.start();
});

after(async () => {
  await phone?.close();
  await gateway?.stop();
  await provider?.close();
  clock?.stop();
  await ports?.close();
  await hooks?.close();
});

test('a call the trunk delivers goes to /incoming as a trunk call and a bot hears it', async () => {
  const base = `http://127.0.0.1:${gateway.httpAddress!.port}`;
  await until(() => gateway.sip!.registeredTrunks === 1, 10_000, 'the trunk registration');
  assert.equal(((await (await fetch(`${base}/health`)).json()) as { sip_trunks: number }).sip_trunks, 1);
  const [binding] = provider.location.lookup('acct1');
  assert.ok(binding, 'the gateway registered a contact at the provider');
  const { call } = await phone.call(binding.contact, { user: '+15550001' });
  const incoming = await until(() => bodies().find((b) => b.path.endsWith('/incoming')), 5000, '/incoming');
  assert.equal(incoming.body.from, '+15550001');
  assert.equal(incoming.body.direction, 'inbound');
  assert.equal('peer' in incoming.body, false, 'no peer field for a trunk call');
  const id = String(incoming.body.call_id);
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/${id}`);
  const media: Buffer[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.event === 'media') media.push(Buffer.from(m.media.payload, 'base64'));
  });
  call.startTone(1000);
  await until(() => media.length > 40, 5000, 'caller audio at the bot');
  const bytes = Buffer.concat(media.slice(-25));
  const pcm = new Int16Array(bytes.length);
  ulawDecode(bytes, pcm, bytes.length);
  assert.ok(goertzelPower(pcm, 8000, 1000) > 100 * goertzelPower(pcm, 8000, 300), 'the bot hears 1 kHz');
  call.hangup();
  await until(() => bodies().find((b) => b.body.event === 'call.ended' && b.body.call_id === id), 5000, 'call.ended');
  ws.close();
});

test('POST /v1/calls through the trunk reaches the provider; its 486 ends the call as busy', async () => {
  const base = `http://127.0.0.1:${gateway.httpAddress!.port}`;
  const r = await fetch(`${base}/v1/calls`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ to: '+15559999', from: '+15550002', trunk: 'carrier' }) });
  assert.equal(r.status, 201);
  const { call_id } = (await r.json()) as { call_id: string };
  await until(() => providerInvites.find((i) => i.uri.includes('+15559999')), 5000, 'the INVITE at the provider');
  const ended = await until(() => bodies().find((b) => b.body.event === 'call.ended' && b.body.call_id === call_id), 5000, 'call.ended');
  assert.equal(ended.body.reason, 'busy');
  assert.equal((await fetch(`${base}/v1/calls`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ to: '1', from: '2', trunk: 'other' }) })).status, 404);
});
