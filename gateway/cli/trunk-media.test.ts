/**
 * Trunk media settings through a real gateway on loopback: a trunk's `stun_server` gives the
 * address our SDP advertises toward that trunk (a scripted STUN server plays a NAT that maps us
 * to 203.0.113.7), its `rtp_port_min..max` the ports; another trunk without STUN keeps our local
 * address toward it and the engine's ports. Checked on the INVITE a REST call sends to the
 * provider and on the 200 OK the gateway answers a call the provider delivers. A STUN server
 * that never answers delays start by at most the STUN wait, and calls still carry an address.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaClock } from '../../media/index.ts';
import { resolveConfig } from '../config/index.ts';
import { RtpPortPool } from '../rtp/index.ts';
import { stunResponder, xorMappedResponse, type StunResponder } from '../rtp/testing/stun-responder.ts';
import { SipStack } from '../sip/stack/index.ts';
import type { IncomingInvite } from '../sip/index.ts';
import { TestPhone } from '../calls/testing/phone.ts';
import { startReceiver, type WebhookReceiver } from '../api/testing/webhook-receiver.ts';
import { freePort } from '../../testing/free-port.ts';
import { until } from '../../testing/until.ts';
import { Gateway } from './gateway.ts';

const PUBLIC = '203.0.113.7';
let stun: StunResponder;
let providerA: SipStack;
let providerB: SipStack;
let gateway: Gateway;
let hooks: WebhookReceiver;
let phone: TestPhone;
let clock: MediaClock;
let ports: RtpPortPool;
let rangeMin: number;
const invites: IncomingInvite[] = [];

const providerPorts = new Map<SipStack, number>();

async function provider(user: string): Promise<SipStack> {
  const port = await freePort();
  const p = await SipStack.start({ listen: { host: '127.0.0.1', port }, ws: false, users: [{ username: user, password: 'pw' }], realm: 'carrier' });
  providerPorts.set(p, port);
  p.ua.on('invite', (invite: IncomingInvite) => {
    invites.push(invite);
    invite.reject(486);
  });
  return p;
}

const hostOf = (p: SipStack) => `127.0.0.1:${providerPorts.get(p)}`;

function media(sdp: string | undefined): { address: string; port: number } {
  const c = /^c=IN IP4 (\S+)/m.exec(sdp ?? '');
  const m = /^m=audio (\d+)/m.exec(sdp ?? '');
  assert.ok(c && m, `no c=/m= in ${sdp}`);
  return { address: c[1]!, port: Number(m[1]) };
}

before(async () => {
  stun = await stunResponder((req) => xorMappedResponse(req, PUBLIC, 40_000));
  providerA = await provider('acctA');
  providerB = await provider('acctB');
  hooks = await startReceiver((req) => ({ status: 200, body: req.path.endsWith('/incoming') ? JSON.stringify({ action: 'accept', stream: true }) : '' }));
  clock = new MediaClock();
  clock.start();
  ports = new RtpPortPool({ bindAddress: '127.0.0.1' });
  phone = await TestPhone.start(clock, ports);
  rangeMin = 30_000 + 2 * Math.floor(Math.random() * 5000);
  gateway = new Gateway(
    resolveConfig({
      listen: { http: '127.0.0.1:0' },
      trunks: [
        { name: 'natted', username: 'acctA', password: 'pw', host: hostOf(providerA), stun_server: `stun:127.0.0.1:${stun.port}`, rtp_port_min: rangeMin, rtp_port_max: rangeMin + 19 },
        { name: 'plain', username: 'acctB', password: 'pw', host: hostOf(providerB) },
      ],
      webhook: { url: hooks.url, retry: 0 },
      log: { level: (process.env.GW_LOG as 'info') ?? 'silent' },
    }),
  );
  await gateway.start();
  await until(() => gateway.sip!.registeredTrunks === 2, 10_000, 'both trunk registrations');
});

after(async () => {
  await phone?.close();
  await gateway?.stop();
  await providerA?.close();
  await providerB?.close();
  clock?.stop();
  await ports?.close();
  await hooks?.close();
  await stun?.close();
});

async function restCall(trunk: string, to: string): Promise<IncomingInvite> {
  const base = `http://127.0.0.1:${gateway.httpAddress!.port}`;
  const r = await fetch(`${base}/v1/calls`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ to, from: '+15550002', trunk }) });
  assert.equal(r.status, 201, await r.text());
  return until(() => invites.find((i) => i.uri.includes(to)), 5000, `the INVITE for ${to}`);
}

test('toward a trunk with stun_server our SDP advertises the STUN-mapped address and ports from its own range', async () => {
  assert.ok(stun.requests >= 1, 'the gateway asked the STUN server at start');
  const invite = await restCall('natted', '+15551111');
  const m = media(invite.sdp);
  assert.equal(m.address, PUBLIC);
  assert.ok(m.port >= rangeMin && m.port <= rangeMin + 19, `RTP port ${m.port} in ${rangeMin}..${rangeMin + 19}`);
  assert.match(invite.sdp!, new RegExp(`^o=\\S+ \\d+ \\d+ IN IP4 ${PUBLIC.replace(/\./g, '\\.')}`, 'm'));
});

test('a trunk without STUN keeps our local address toward it and the engine ports', async () => {
  const invite = await restCall('plain', '+15552222');
  const m = media(invite.sdp);
  assert.equal(m.address, '127.0.0.1');
  assert.ok(m.port < rangeMin || m.port > rangeMin + 19, `port ${m.port} is not from the other trunk's range`);
});

test('a call the natted trunk delivers is answered with the STUN-mapped address and a port from its range', async () => {
  const [binding] = providerA.location.lookup('acctA');
  assert.ok(binding);
  const { call } = await phone.call(binding.contact, { user: '+15550003' });
  try {
    const m = media(call.dialog?.remoteSdp);
    assert.equal(m.address, PUBLIC);
    assert.ok(m.port >= rangeMin && m.port <= rangeMin + 19, `RTP port ${m.port}`);
  } finally {
    call.hangup();
  }
});

test('a STUN server that never answers: start waits at most the STUN wait, then calls use the address toward the trunk', async () => {
  const silentPort = await freePort(); // nothing listens there
  const p = await provider('acctC');
  const gw = new Gateway(
    resolveConfig({
      listen: { http: '127.0.0.1:0' },
      trunks: [{ name: 'c', username: 'acctC', password: 'pw', host: hostOf(p), stun_server: `127.0.0.1:${silentPort}` }],
      webhook: { url: hooks.url, retry: 0 },
      log: { level: 'silent' },
    }),
  );
  try {
    const t0 = Date.now();
    await gw.start();
    assert.ok(Date.now() - t0 < 15_000, 'start did not hang on STUN');
    await until(() => gw.sip!.registeredTrunks === 1, 10_000, 'registration');
    const base = `http://127.0.0.1:${gw.httpAddress!.port}`;
    const r = await fetch(`${base}/v1/calls`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ to: '+15553333', from: '1', trunk: 'c' }) });
    assert.equal(r.status, 201);
    const invite = await until(() => invites.find((i) => i.uri.includes('+15553333')), 5000, 'the INVITE');
    assert.equal(media(invite.sdp).address, '127.0.0.1');
  } finally {
    await gw.stop();
    await p.close();
  }
});

test('config: a malformed stun_server is refused with its path', () => {
  assert.throws(
    () => resolveConfig({ listen: { http: '127.0.0.1:0' }, sip: { username: 'u', password: 'p', host: 'example.com', stun_server: 'stun:bad host:x' } }),
    /sip\.stun_server.*not a STUN server/,
  );
  // Validation only: no gateway starts here, so nothing is ever sent to these names.
  for (const ok of ['stun.example.com', 'stun.example.com:19302', 'stun:stun.example.com:3478', '[2001:db8::1]:3478', '192.0.2.1']) {
    assert.doesNotThrow(() => resolveConfig({ listen: { http: '127.0.0.1:0' }, sip: { username: 'u', password: 'p', host: 'example.com', stun_server: ok } }), ok);
  }
});
