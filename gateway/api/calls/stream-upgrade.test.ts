/**
 * The /ws/{call_id} upgrade on a real HTTP server on 127.0.0.1 (routed by routeUpgrades) with the
 * `ws` client: 401 without/with a wrong key, 429 once the rate limit is spent, 404 for unknown or
 * non-streaming calls, 400 for a bad query — each a JSON body — and a successful upgrade reaching
 * attachStream with the query, counted in patchbay_ws_connections and patchbay_ws_frames_total.
 * Other paths are left to the next handler.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { createLogger, GatewayMetrics } from '../../observability/index.ts';
import { CallControlError } from '../../calls/control/types.ts';
import { routeUpgrades, type UpgradeHandler } from '../../sip/stack/index.ts';
import { parseStreamQuery } from '../../streams/index.ts';
import { createStreamUpgrades, type StreamUpgradeOptions } from './stream-upgrade.ts';
import { FakeCallControl } from './testing/fake-call-control.ts';

const servers: Server[] = [];
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function rig(options: Partial<StreamUpgradeOptions> = {}, extra: UpgradeHandler[] = []) {
  const control = new FakeCallControl().add({ call_id: 'c1' }, { stream: true }).add({ call_id: 'quiet' }).add({ call_id: 'a b/c' }, { stream: true });
  const metrics = new GatewayMetrics();
  const upgrades = createStreamUpgrades({ control, metrics, logger: createLogger('silent'), ...options });
  const server = createServer((_req, res) => res.end('plain http'));
  servers.push(server);
  routeUpgrades(server, () => [upgrades.upgradeHandler, ...extra]);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { control, metrics, upgrades, base };
}

/** Connects; resolves with the open socket, or with the refusal's status, headers and body. */
function connect(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ ws: WebSocket } | { status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    ws.once('error', (err) => reject(err));
  });
}

async function refused(url: string, status: number, message: string, headers: Record<string, string> = {}) {
  const r = await connect(url, headers);
  assert.ok(!('ws' in r), `${url} was upgraded`);
  assert.equal(r.status, status, url);
  assert.match(String(r.headers['content-type']), /application\/json/);
  assert.deepEqual(JSON.parse(r.body), { message });
  return r;
}

const gauge = async (m: GatewayMetrics) => (await m.wsConnections.get()).values[0]?.value ?? 0;
const frames = async (m: GatewayMetrics, direction: string) => (await m.wsFramesTotal.get()).values.find((v) => v.labels.direction === direction)!.value;
const closed = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));

async function eventually(check: () => Promise<boolean> | boolean, what: string) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`never: ${what}`);
}

test('an upgrade for a streaming call reaches attachStream with its query, and is counted while open', async () => {
  const { control, metrics, base, upgrades } = await rig();
  const r = await connect(`${base}/ws/c1?mode=native&sample_rate=16000&foo=bar`);
  assert.ok('ws' in r);
  await eventually(() => control.attached.length === 1, 'attached');
  const [{ callId, socket, query }] = control.attached as [(typeof control.attached)[0]];
  assert.equal(callId, 'c1');
  assert.equal(query.get('mode'), 'native');
  assert.equal(query.get('sample_rate'), '16000');
  assert.equal(query.get('foo'), 'bar');
  assert.equal(await gauge(metrics), 1);
  assert.equal(upgrades.connections, 1);
  // frames both ways, counted once each
  const got = new Promise<string>((resolve) => r.ws.once('message', (d) => resolve(d.toString())));
  socket.send('{"event":"connected"}');
  assert.equal(await got, '{"event":"connected"}');
  const heard = new Promise<string>((resolve) => socket.once('message', (d) => resolve(d.toString())));
  r.ws.send('{"event":"mark"}');
  assert.equal(await heard, '{"event":"mark"}');
  assert.equal(await frames(metrics, 'sent'), 1);
  assert.equal(await frames(metrics, 'received'), 1);
  r.ws.close();
  await eventually(async () => (await gauge(metrics)) === 0, 'gauge back to 0');
});

test('a percent-encoded call id is decoded before the lookup', async () => {
  const { control, base } = await rig();
  const r = await connect(`${base}/ws/${encodeURIComponent('a b/c')}`);
  assert.ok('ws' in r);
  await eventually(() => control.attached.length === 1, 'attached');
  assert.equal(control.attached[0]!.callId, 'a b/c');
  r.ws.close();
});

test('unknown calls, calls that do not stream and malformed ids → 404 JSON; nothing is attached', async () => {
  const { control, base } = await rig();
  await refused(`${base}/ws/nope`, 404, 'Call not found');
  await refused(`${base}/ws/`, 404, 'Call not found');
  await refused(`${base}/ws/c1/extra`, 404, 'Call not found');
  await refused(`${base}/ws/%E0%A4%A`, 404, 'Call not found');
  await refused(`${base}/ws/quiet`, 404, 'Call does not stream');
  assert.deepEqual(control.attached, []);
});

test('a bad query → 400 JSON naming the problem (parseStreamQuery\'s message), before any upgrade', async () => {
  const { control, base } = await rig();
  const cases: [string, RegExp][] = [
    ['mode=binary', /^query mode: /],
    ['sample_rate=44100', /^query sample_rate: one of 8000, 16000, 24000, 48000$/],
    ['encoding=audio/x-mulaw&sample_rate=16000', /audio\/x-mulaw is 8000 Hz only/],
  ];
  for (const [query, text] of cases) {
    const parsed = parseStreamQuery(new URLSearchParams(query));
    assert.ok(!parsed.ok);
    assert.match(parsed.error.message, text);
    await refused(`${base}/ws/c1?${query}`, 400, parsed.error.message);
  }
  assert.deepEqual(control.attached, []);
});

test('with an api key: 401 JSON with a Bearer challenge without it or with a wrong one; the right key upgrades', async () => {
  const { control, base } = await rig({ apiKey: 'topsecret' });
  const none = await refused(`${base}/ws/c1`, 401, 'Missing Authorization header');
  assert.equal(none.headers['www-authenticate'], 'Bearer');
  await refused(`${base}/ws/c1`, 401, 'Invalid API key', { Authorization: 'Bearer nope' });
  await refused(`${base}/ws/nope`, 401, 'Missing Authorization header'); // auth first: no probing for call ids
  assert.deepEqual(control.attached, []);
  const ok = await connect(`${base}/ws/c1`, { Authorization: 'Bearer topsecret' });
  assert.ok('ws' in ok);
  ok.ws.close();
});

test('the rate limit applies to upgrades: 429 with Retry-After once the bucket is empty, counted', async () => {
  let now = 0;
  const metrics = new GatewayMetrics();
  const { base } = await rig({ rateLimit: { requestsPerSecond: 2, now: () => now, rejections: metrics.rateLimitRejectionsTotal } });
  await refused(`${base}/ws/nope`, 404, 'Call not found');
  const ok = await connect(`${base}/ws/c1`);
  assert.ok('ws' in ok);
  ok.ws.close();
  const limited = await refused(`${base}/ws/c1`, 429, 'Too many requests');
  assert.equal(limited.headers['retry-after'], '1');
  assert.equal((await metrics.rateLimitRejectionsTotal.get()).values[0]!.value, 1);
  now += 1000;
  await refused(`${base}/ws/nope`, 404, 'Call not found');
});

test('attachStream failing closes the new socket with 1011 and its message', async () => {
  const { control, base, metrics } = await rig();
  control.failNext('attachStream', new CallControlError(404, 'Call not found'));
  const r = await connect(`${base}/ws/c1`);
  assert.ok('ws' in r);
  assert.deepEqual(await closed(r.ws), { code: 1011, reason: 'Call not found' });
  await eventually(async () => (await gauge(metrics)) === 0, 'gauge back to 0');
});

test('other paths are not claimed: the next handler gets them, else routeUpgrades answers 404', async () => {
  const seen: string[] = [];
  const { base } = await rig({}, [(req) => (seen.push(req.url ?? ''), false)]);
  for (const path of ['/sip', '/wsx/c1', '/ws', '/socket.io/?EIO=4']) {
    const r = await connect(`${base}${path}`);
    assert.ok(!('ws' in r));
    assert.equal(r.status, 404);
    assert.equal(r.body, '', 'the generic 404 of routeUpgrades, not ours');
  }
  assert.deepEqual(seen, ['/sip', '/wsx/c1', '/ws', '/socket.io/?EIO=4']);
});

test('close() closes open bot sockets with 1001 and stops claiming upgrades', async () => {
  const { base, upgrades } = await rig();
  const r = await connect(`${base}/ws/c1`);
  assert.ok('ws' in r);
  const done = closed(r.ws);
  upgrades.close();
  assert.equal((await done).code, 1001);
  const after = await connect(`${base}/ws/c1`);
  assert.ok(!('ws' in after));
  assert.equal(after.status, 404);
  assert.equal(after.body, '');
  upgrades.close();
});
