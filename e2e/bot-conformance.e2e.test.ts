/**
 * Issue 5 e2e — the conformance suite: every endpoint and status code of the xbridge reference
 * (`../shared/reference/xbridge-api-reference.md`, `patchbay_` metrics, X-Patchbay-Signature),
 * walked by a bot's own clients (e2e/support/bot*.ts) against gateways run as child processes with
 * real SIP peers on loopback:
 *  - gateway A: `auth.api_key`, signed webhooks to the test's receiver, trunk-host peers — sipp
 *    answering outbound calls (`uas`, 127.0.0.1 + port), a digest-only peer with no host
 *    (`hostless`, for 422) — and a trunk whose registrar is a closed port (`down`, for 503).
 *    Inbound calls come from sipp on 127.0.0.1, so they are calls from peer `uas`.
 *  - gateway B: `rate_limit` (429), webhooks to a closed port with `retry: 0` and its own
 *    `data_dir`, restarted on the same directory to show the dead-letter queue survives.
 * Public routes (/health, /metrics, /openapi.json), 401 on /v1 and /ws, POST /v1/calls 201 and
 * 400/404/422/503 (and its per-call webhook_url), GET list/get, DELETE 204/404, every control endpoint 200/400/404, play's 400s,
 * native mode (binary PCM16, 8 and 16 kHz), /incoming reject → SIP 486/603, connect-out with
 * customParameters, a caller's hangup, metrics after the fact, and signatures on every webhook.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deadUrl } from '../gateway/api/testing/webhook-receiver.ts';
import { writeWav } from '../media/wav.ts';
import { freePort } from '../testing/free-port.ts';
import { sleep } from './support/audio-checks.ts';
import { REFERENCE_METRICS, metricValue, type ApiResponse } from './support/bot-api.ts';
import { BotServer, connectBot, levelsDbfs, pcm16le, tone, upgradeStatus, wsUrlOf, type BotSocket } from './support/bot.ts';
import { setUpBotScene, directionOf, withContext, type BotScene } from './support/bot-scene.ts';
import { BotWebhooks } from './support/bot-webhooks.ts';
import { SippPeer, describeFlow, sippCalls } from './support/sipp-peers.ts';

const STREAM_SID = /^MZ[0-9a-fA-F]{32}$/;

/** The reference's paths, as OpenAPI writes them, with their methods. */
const REFERENCE_PATHS: Array<[path: string, methods: string[]]> = [
  ['/health', ['get']],
  ['/metrics', ['get']],
  ['/v1/calls', ['get', 'post']],
  ['/v1/calls/{call_id}', ['get', 'delete']],
  ...['hold', 'resume', 'transfer', 'dtmf', 'mute', 'unmute', 'play', 'play/stop'].map((a): [string, string[]] => [`/v1/calls/{call_id}/${a}`, ['post']]),
  ['/v1/webhooks/failures', ['get', 'delete']],
];

/** `{"message": "…"}` with the status expected. */
function assertError(r: ApiResponse, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: ${r.line}`);
  assert.equal(typeof r.json?.message, 'string', `${what}: errors are JSON {"message": …}: ${r.line}`);
}

describe('xbridge conformance', () => {
  let a: BotScene;
  let b: BotScene;
  let peer: SippPeer;
  let botServer: BotServer;
  let dataDirB: string;
  const sockets: BotSocket[] = [];

  before(async () => {
    [peer, botServer] = await Promise.all([SippPeer.start(), BotServer.start()]);
    const downPort = await freePort();
    dataDirB = mkdtempSync(join(tmpdir(), 'patchbay-e2e-dlq-'));
    const dead = await deadUrl();
    const scenes = await Promise.allSettled([
      setUpBotScene({
        peers: [
          { name: 'uas', host: '127.0.0.1', port: peer.port },
          { name: 'hostless', auth: { username: 'hostless', password: 'hostless-secret' } },
        ],
        config: { trunks: [{ name: 'down', username: 'u', password: 'p', host: `127.0.0.1:${downPort}`, transport: 'udp' }] },
        decide: (call) => {
          if (call.to === 'busy') return { action: 'reject', reason: 'busy' };
          if (call.to === 'declined') return { action: 'reject', reason: 'declined' };
          if (call.to === 'connect-out') return { action: 'accept', stream: { url: botServer.url, parameters: { a: 'b' } } };
          return { action: 'accept', stream: true };
        },
      }),
      setUpBotScene({
        peers: [{ name: 'sipp', host: '127.0.0.1' }],
        webhook: { url: dead, retry: 0, timeout: '2s' },
        config: { rate_limit: { requests_per_second: 5 }, data_dir: dataDirB },
      }),
    ]);
    const failed = scenes.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      for (const s of scenes) if (s.status === 'fulfilled') await s.value.close();
      throw failed.reason;
    }
    [a, b] = scenes.map((s) => (s as PromiseFulfilledResult<BotScene>).value) as [BotScene, BotScene];
  });
  after(async () => {
    for (const s of sockets) s.close();
    await a?.close();
    await b?.close();
    await botServer?.close();
    await peer?.stop();
    if (dataDirB) rmSync(dataDirB, { recursive: true, force: true });
  });

  /** Runs a test body; a failure's message gets the webhooks, the gateway log and the sipp peer's flow. */
  function on(scene: () => BotScene, fn: () => Promise<void>): Promise<void> {
    return withContext(() => scene().report(`--- sipp peer ---\n${peer?.flow() ?? ''}`), fn);
  }

  test('GET /health is public and reports the trunk host server', (t) =>
    on(() => a, async () => {
      const r = await a.api.request('GET', '/health', undefined, { auth: false });
      t.diagnostic(r.line);
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.json).sort(), ['active_calls', 'sip_server', 'sip_trunks', 'status']);
      assert.equal(r.json.status, 'ok');
      assert.equal(r.json.sip_server, true);
      assert.equal(r.json.sip_trunks, 0, 'the trunk whose registrar is down is not connected');
      assert.equal(r.json.active_calls, 0);
      const wrongKey = await a.api.request('GET', '/health', undefined, { auth: 'wrong' });
      assert.equal(wrongKey.status, 200, 'a wrong key does not matter on a public route');
    }));

  test('GET /metrics is public and declares every patchbay_ metric of the reference', (t) =>
    on(() => a, async () => {
      const r = await a.api.request('GET', '/metrics', undefined, { auth: false });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const missing = REFERENCE_METRICS.filter(([name, type]) => !new RegExp(`^# TYPE ${name} ${type}$`, 'm').test(r.text));
      t.diagnostic(`declared: ${REFERENCE_METRICS.length - missing.length}/${REFERENCE_METRICS.length}`);
      assert.deepEqual(missing, [], 'metrics missing or of the wrong type');
      for (const [name] of REFERENCE_METRICS) assert.match(r.text, new RegExp(`^# HELP ${name} \\S`, 'm'), `${name} has HELP`);
      assert.ok(!/^xbridge_/m.test(r.text), 'no xbridge_ names');
    }));

  test('GET /openapi.json is public: OpenAPI 3.1 with every path and webhook of the reference', (t) =>
    on(() => a, async () => {
      const r = await a.api.request('GET', '/openapi.json', undefined, { auth: false });
      assert.equal(r.status, 200, r.line);
      const doc = r.json;
      assert.match(String(doc.openapi), /^3\.1\./);
      const missing = REFERENCE_PATHS.flatMap(([path, methods]) => methods.filter((m) => !doc.paths?.[path]?.[m]).map((m) => `${m.toUpperCase()} ${path}`));
      t.diagnostic(`paths: ${Object.keys(doc.paths ?? {}).join(', ')}`);
      assert.deepEqual(missing, [], 'operations missing from /openapi.json');
      assert.ok(doc.webhooks && Object.keys(doc.webhooks).length >= 2, 'the /incoming and lifecycle webhooks are documented');
      const docs = await a.api.request('GET', '/docs', undefined, { auth: false });
      assert.equal(docs.status, 200, 'a readable API page at /docs');
    }));

  test('GET/DELETE /v1/webhooks/failures on an empty dead-letter queue', () =>
    on(() => a, async () => {
      const list = await a.api.failures();
      assert.equal(list.status, 200, list.line);
      assert.deepEqual(list.json, { failures: [] });
      const drained = await a.api.drainFailures();
      assert.equal(drained.status, 200, drained.line);
      assert.deepEqual(drained.json, { drained: 0 });
    }));

  test('401 without a valid bearer key on every /v1 route', (t) =>
    on(() => a, async () => {
      const routes: Array<[string, string, unknown?]> = [
        ['GET', '/v1/calls'],
        ['POST', '/v1/calls', { to: '1', from: '2', peer: 'uas' }],
        ['GET', '/v1/calls/x'],
        ['DELETE', '/v1/calls/x'],
        ...['hold', 'resume', 'transfer', 'dtmf', 'mute', 'unmute', 'play', 'play/stop'].map((c): [string, string] => ['POST', `/v1/calls/x/${c}`]),
        ['GET', '/v1/webhooks/failures'],
        ['DELETE', '/v1/webhooks/failures'],
      ];
      for (const [method, path, body] of routes) {
        assertError(await a.api.request(method, path, body, { auth: false }), 401, `${method} ${path} without Authorization`);
        assertError(await a.api.request(method, path, body, { auth: 'not-the-key' }), 401, `${method} ${path} with a wrong key`);
      }
      const basic = await a.api.request('GET', '/v1/calls', undefined, { auth: false, headers: { Authorization: `Basic ${Buffer.from(`x:${a.apiKey}`).toString('base64')}` } });
      assertError(basic, 401, 'Basic auth carrying the key');
      t.diagnostic(`${routes.length} routes × 2 answered 401`);
      assert.equal((await a.api.listCalls()).status, 200, 'the right key gets through');
    }));

  test('401 on the /ws upgrade without a valid bearer key; 404 for an unknown call with one', () =>
    on(() => a, async () => {
      const url = wsUrlOf(a.gateway.httpUrl, 'no-such-call');
      const none = await upgradeStatus(url);
      assert.equal(none.status, 401, `upgrade without Authorization: ${none.status} ${none.body}`);
      const wrong = await upgradeStatus(url, { Authorization: 'Bearer not-the-key' });
      assert.equal(wrong.status, 401, `upgrade with a wrong key: ${wrong.status} ${wrong.body}`);
      const unknown = await upgradeStatus(url, { Authorization: `Bearer ${a.apiKey}` });
      assert.equal(unknown.status, 404, `upgrade for an unknown call: ${unknown.status} ${unknown.body}`);
    }));

  test('POST /v1/calls: 400 invalid body, 404 unknown trunk or peer, 422 peer without host, 503 trunk not connected', (t) =>
    on(() => a, async () => {
      const cases: Array<[status: number, body: unknown, what: string]> = [
        [400, { from: '5550', peer: 'uas' }, 'no "to"'],
        [400, { to: '1234', peer: 'uas' }, 'no "from"'],
        [400, { to: '1234', from: '5550', trunk: 'down', peer: 'uas' }, 'both trunk and peer'],
        [404, { to: '1234', from: '5550', trunk: 'nope' }, 'unknown trunk'],
        [404, { to: '1234', from: '5550', peer: 'nope' }, 'unknown peer'],
        [422, { to: '1234', from: '5550', peer: 'hostless' }, 'peer with no host'],
        [503, { to: '1234', from: '5550', trunk: 'down' }, 'trunk not registered'],
      ];
      for (const [status, body, what] of cases) {
        const r = await a.api.createCall(body as Record<string, unknown>);
        t.diagnostic(`${what}: ${r.status} ${r.text}`);
        assertError(r, status, what);
      }
      const noTo = await a.api.createCall({ from: '5550', peer: 'uas' });
      assert.match(noTo.json?.message ?? '', /\bto\b/, 'a 400 names the field');
      assertError(await a.api.request('POST', '/v1/calls', undefined, { raw: '{"to": ' }), 400, 'invalid JSON');
      assert.equal(peer.requests('INVITE').length, 0, 'no INVITE went out for a refused call');
    }));

  test('every per-call endpoint answers 404 for an unknown call', () =>
    on(() => a, async () => {
      const id = 'no-such-call';
      assertError(await a.api.getCall(id), 404, 'GET');
      assertError(await a.api.hangup(id), 404, 'DELETE');
      const bodies: Record<string, unknown> = { transfer: { target: 'sip:x@127.0.0.1' }, dtmf: { digits: '1' }, play: { audio: pcm16le(tone(440, 100)).toString('base64') } };
      for (const c of ['hold', 'resume', 'transfer', 'dtmf', 'mute', 'unmute', 'play', 'play/stop']) {
        assertError(await a.api.control(id, c, bodies[c]), 404, `POST ${c}`);
      }
    }));

  test('an outbound call through a peer: 201, webhooks, list/get, every control endpoint, DELETE 204 then 404', (t) =>
    on(() => a, async () => {
      const created = await a.api.createCall({ to: '1234', from: '5550', peer: 'uas', stream: true });
      assert.equal(created.status, 201, created.line);
      const id = created.json.call_id;
      assert.equal(typeof id, 'string');
      assert.equal(created.json.status, 'dialing');
      const ws = new URL(created.json.ws_url);
      t.diagnostic(`201 ${created.text}`);
      assert.equal(ws.protocol, 'ws:');
      assert.equal(ws.pathname, `/ws/${id}`);

      const ringing = await a.hooks.waitEvent('call.ringing', id);
      assert.deepEqual(ringing, { event: 'call.ringing', call_id: id, from: '5550', to: '1234' });
      await a.hooks.waitEvent('call.answered', id);
      const [invite] = await peer.waitRequests('INVITE');
      assert.match(invite!.firstLine, new RegExp(`^INVITE sip:1234@127\\.0\\.0\\.1:${peer.port}[;> ]`), 'the INVITE goes to the peer\'s host and port');

      const bot = await connectBot(wsUrlOf(a.gateway.httpUrl, id), { apiKey: a.apiKey });
      sockets.push(bot);
      const start = (await bot.waitEvent('start')).json;
      assert.equal(start.start.callSid, id);
      assert.match(start.streamSid, STREAM_SID);
      await bot.sendAudio(tone(1000, 200));
      const gauge = metricValue((await a.api.request('GET', '/metrics', undefined, { auth: false })).text, 'patchbay_ws_connections');
      assert.equal(gauge, 1, 'patchbay_ws_connections counts the connected bot');

      const got = await a.api.getCall(id);
      assert.deepEqual(got.json, { call_id: id, from: '5550', to: '1234', direction: 'outbound', status: 'in_progress', peer: 'uas' }, got.line);
      const list = await a.api.listCalls();
      assert.deepEqual(list.json?.calls?.find((c: { call_id: string }) => c.call_id === id), got.json, `GET /v1/calls lists the call as GET /v1/calls/{id} shows it: ${list.line}`);

      const ok = async (action: string, body?: unknown) => {
        const r = await a.api.control(id, action, body);
        assert.equal(r.status, 200, r.line);
        return r;
      };
      await ok('hold');
      const [, hold] = await peer.waitRequests('INVITE', 2);
      assert.ok(['sendonly', 'inactive'].includes(directionOf(hold!.text)), `hold offers sendonly/inactive: ${directionOf(hold!.text)}`);
      assert.equal((await a.api.getCall(id)).json?.status, 'on_hold');
      await ok('resume');
      const [, , resume] = await peer.waitRequests('INVITE', 3);
      assert.equal(directionOf(resume!.text), 'sendrecv');
      assert.equal((await a.api.getCall(id)).json?.status, 'in_progress');
      await ok('mute');
      await ok('unmute');
      await ok('dtmf', { digits: '0123456789*#' });
      assertError(await a.api.control(id, 'dtmf', {}), 400, 'dtmf without digits');
      assertError(await a.api.control(id, 'dtmf', { digits: 'x' }), 400, 'dtmf with a bad digit');

      const played = await ok('play', { audio: pcm16le(tone(600, 2000)).toString('base64') });
      assert.match(String(played.json?.play_id), /\S/, `play_id: ${played.line}`);
      await ok('play/stop');
      const finished = await a.hooks.waitEvent('call.play_finished', id, (e) => e.play_id === played.json.play_id, 5000);
      assert.equal(finished.interrupted, true);
      assertError(await a.api.control(id, 'play/stop'), 404, 'play/stop with nothing playing');

      assertError(await a.api.control(id, 'transfer', {}), 400, 'transfer without target');

      const hangup = await a.api.hangup(id);
      assert.equal(hangup.status, 204, hangup.line);
      await peer.waitRequests('BYE');
      const ended = await a.hooks.waitEvent('call.ended', id);
      t.diagnostic(`call.ended ${JSON.stringify(ended)}; peer flow: ${peer.flow()}`);
      assert.equal(ended.reason, 'normal');
      assert.equal(typeof ended.duration, 'number');
      await bot.waitEvent('stop');
      assertError(await a.api.hangup(id), 404, 'DELETE of an ended call');
      assertError(await a.api.getCall(id), 404, 'GET of an ended call');
    }));

  test('POST /play 400s: no source, bad base64, WAV of the wrong format; 500 when the URL cannot be fetched', (t) =>
    on(() => a, async () => {
      const created = await a.api.createCall({ to: '2345', from: '5550', peer: 'uas' });
      assert.equal(created.status, 201, created.line);
      const id = created.json.call_id;
      await a.hooks.waitEvent('call.answered', id);
      const wav16k = a.hooks.serve('16k.wav', writeWav({ sampleRate: 16000, channels: 1, samples: new Int16Array(1600) }));
      const stereo = a.hooks.serve('stereo.wav', writeWav({ sampleRate: 8000, channels: 2, samples: new Int16Array(1600) }));
      const notWav = a.hooks.serve('not.wav', new TextEncoder().encode('this is not a RIFF file'));
      const missing = `${a.hooks.url}/files/missing.wav`;
      const cases: Array<[number, unknown, string]> = [
        [400, {}, 'neither url nor audio'],
        [400, { audio: '%%% not base64 %%%' }, 'invalid base64'],
        [400, { url: wav16k }, 'WAV at 16 kHz'],
        [400, { url: stereo }, 'stereo WAV'],
        [400, { url: notWav }, 'not a WAV'],
        [500, { url: missing }, 'URL answers 404'],
      ];
      for (const [status, body, what] of cases) {
        const r = await a.api.control(id, 'play', body);
        t.diagnostic(`${what}: ${r.status} ${r.text}`);
        assertError(r, status, what);
      }
      assert.equal((await a.api.hangup(id)).status, 204);
      await a.hooks.waitEvent('call.ended', id);
    }));

  test('POST /transfer sends REFER to the peer; 200 once it is accepted', (t) =>
    on(() => a, async () => {
      const created = await a.api.createCall({ to: '3456', from: '5550', peer: 'uas' });
      assert.equal(created.status, 201, created.line);
      const id = created.json.call_id;
      await a.hooks.waitEvent('call.answered', id);
      const r = await a.api.control(id, 'transfer', { target: 'sip:operator@127.0.0.1' });
      assert.equal(r.status, 200, r.line);
      const [refer] = await peer.waitRequests('REFER');
      const referTo = /^(?:Refer-To|r):\s*(.*)$/im.exec(refer!.text)?.[1] ?? '';
      t.diagnostic(`REFER Refer-To: ${referTo}`);
      assert.match(referTo, /operator@127\.0\.0\.1/);
      const del = await a.api.hangup(id);
      t.diagnostic(`DELETE after the transfer: ${del.status}`);
      assert.ok([204, 404].includes(del.status), del.line);
      await a.hooks.waitEvent('call.ended', id);
    }));

  test('POST /v1/calls webhook_url: that call\'s lifecycle events go there (signed), not to webhook.url', (t) =>
    on(() => a, async () => {
      const own = await BotWebhooks.start({ secret: a.secret });
      try {
        const created = await a.api.createCall({ to: '4567', from: '5550', peer: 'uas', webhook_url: own.url });
        assert.equal(created.status, 201, created.line);
        const id = created.json.call_id;
        await own.waitEvent('call.answered', id);
        assert.equal((await a.api.hangup(id)).status, 204);
        await own.waitEvent('call.ended', id);
        t.diagnostic(`the call's own endpoint got: ${own.summary()}`);
        assert.deepEqual(own.events(undefined, id).map((e) => e.event), ['call.ringing', 'call.answered', 'call.ended']);
        assert.deepEqual(a.hooks.events(undefined, id), [], 'nothing for this call at webhook.url');
        assert.deepEqual(own.badlySigned().map((h) => h.signature), []);
      } finally {
        await own.close();
      }
    }));

  test('/incoming reject decisions: "busy" → SIP 486, "declined" → SIP 603', (t) =>
    on(() => a, async () => {
      const before = a.hooks.incoming().length;
      const busy = await sippCalls(a.gateway.sipPort, 'busy');
      t.diagnostic(`busy: ${describeFlow(busy.messages)}`);
      const declined = await sippCalls(a.gateway.sipPort, 'declined');
      t.diagnostic(`declined: ${describeFlow(declined.messages)}`);
      const offered = a.hooks.incoming().slice(before).map((h) => h.body);
      assert.deepEqual(offered.map((c) => c.to), ['busy', 'declined'], 'both calls were offered to /incoming');
      for (const c of offered) {
        assert.equal(c.direction, 'inbound');
        assert.equal(c.from, 'sipp');
        assert.equal(c.peer, 'uas');
        assert.equal(typeof c.call_id, 'string');
      }
      assert.equal(busy.status, 486);
      assert.equal(declined.status, 603);
      const ids = offered.map((c) => c.call_id);
      const left = ((await a.api.listCalls()).json?.calls ?? []).filter((c: { call_id: string }) => ids.includes(c.call_id));
      assert.deepEqual(left, [], 'a rejected call is not listed');
    }));

  test('connect-out: /incoming answers a stream url; the gateway dials it with customParameters, media flows both ways', (t) =>
    on(() => a, async () => {
      const before = a.hooks.incoming().length;
      const call = sippCalls(a.gateway.sipPort, 'connect-out', { holdMs: 4000 });
      const bot = await botServer.waitConnection(0, 15_000);
      const incoming = a.hooks.incoming()[before]!.body;
      await bot.waitEvent('start');
      const [connected, start] = bot.json;
      t.diagnostic(`upgrade ${botServer.requests[0]!.url}; start: ${JSON.stringify(start)}`);
      assert.equal(botServer.requests[0]!.url, '/', 'the URL is dialled as given (no query added)');
      assert.deepEqual(connected, { event: 'connected', protocol: 'Call', version: '1.0.0' });
      assert.equal(start.sequenceNumber, '1');
      assert.deepEqual(start.start.customParameters, { a: 'b' }, 'parameters → start.customParameters');
      assert.equal(start.start.callSid, incoming.call_id);
      assert.deepEqual(start.start.tracks, ['inbound']);
      assert.deepEqual(start.start.mediaFormat, { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 });

      // sipp echoes RTP: what the bot plays comes back as the caller's audio.
      const since = bot.count;
      await bot.sendAudio(tone(1000, 1500));
      await sleep(1800);
      const echoed = bot.callerAudio(since);
      const levels = levelsDbfs(echoed, 8000, [1000, 440]);
      t.diagnostic(`echo from sipp: ${(echoed.length / 8000).toFixed(2)} s, 1000 Hz at ${levels[1000]!.toFixed(1)} dBFS`);
      assert.ok(levels[1000]! >= -35, 'the bot\'s audio went to the caller and came back');

      const gauge = metricValue((await a.api.request('GET', '/metrics', undefined, { auth: false })).text, 'patchbay_ws_connections');
      t.diagnostic(`patchbay_ws_connections during connect-out: ${gauge}`);

      const result = await call;
      t.diagnostic(`sipp: ${describeFlow(result.messages)}`);
      assert.equal(result.status, 200, 'the call was answered');
      const stop = await bot.waitEvent('stop', () => true, 5000);
      assert.equal(stop.json.stop?.callSid, incoming.call_id);
      await bot.waitClosed(5000);
    }));

  test('the caller hangs up: 200 to its BYE, call.ended, stop on the stream, and no BYE back', (t) =>
    on(() => a, async () => {
      const before = a.hooks.incoming().length;
      const call = sippCalls(a.gateway.sipPort, 'caller-hangs-up', { holdMs: 1500 });
      const incoming = await a.hooks.waitIncoming(before);
      const id = String(incoming.body.call_id);
      const bot = await connectBot(wsUrlOf(a.gateway.httpUrl, id), { apiKey: a.apiKey, retry404Ms: 3000 });
      sockets.push(bot);
      await bot.waitEvent('start');
      const result = await call;
      t.diagnostic(`sipp: ${describeFlow(result.messages)}`);
      assert.equal(result.status, 200);
      const ended = await a.hooks.waitEvent('call.ended', id);
      t.diagnostic(`call.ended: ${JSON.stringify(ended)}`);
      assert.equal(ended.reason, 'normal');
      assert.ok(ended.duration >= 1 && ended.duration < 10, `duration ≈ 1.5 s (got ${ended.duration})`);
      await bot.waitEvent('stop');
      const byeSent = result.messages.findIndex((m) => m.direction === 'sent' && m.firstLine.startsWith('BYE '));
      assert.ok(byeSent >= 0, 'sipp hung up');
      const answered = result.messages.slice(byeSent + 1).find((m) => m.direction === 'received' && /^SIP\/2\.0 200 /.test(m.firstLine));
      assert.ok(answered, 'the gateway answered the BYE with 200');
      const strayBye = result.messages.slice(byeSent + 1).filter((m) => m.direction === 'received' && m.firstLine.startsWith('BYE '));
      assert.deepEqual(strayBye.map((m) => m.text.split(/\r?\n/).filter((l) => /^(BYE|Call-ID|CSeq)/.test(l)).join(' | ')), [], 'no BYE from the gateway on a dialog the caller already ended');
    }));

  for (const rate of [8000, 16000]) {
    const query: Record<string, string> = rate === 8000 ? { mode: 'native' } : { mode: 'native', sample_rate: String(rate) };
    test(`/ws/{call_id}?${new URLSearchParams(query)}: binary PCM16 frames both ways at ${rate} Hz, control messages stay JSON`, (t) =>
      on(() => a, async () => {
        const created = await a.api.createCall({ to: `native${rate}`, from: '5550', peer: 'uas', stream: true });
        assert.equal(created.status, 201, created.line);
        const id = created.json.call_id;
        await a.hooks.waitEvent('call.answered', id);
        const bot = await connectBot(created.json.ws_url, { apiKey: a.apiKey, query });
        sockets.push(bot);
        const start = (await bot.waitEvent('start')).json;
        t.diagnostic(`start: ${JSON.stringify(start.start.mediaFormat)}`);
        assert.deepEqual(start.start.mediaFormat, { encoding: 'audio/x-l16', sampleRate: rate, channels: 1 });

        // sipp echoes RTP: the bot's tone comes back as binary frames.
        const since = bot.count;
        bot.sendNativeAudio(tone(1000, 1000, -6, rate), rate);
        bot.mark('native-mark');
        const echo = await bot.waitEvent('mark', (m) => m.mark?.name === 'native-mark', 5000, since);
        assert.equal(typeof echo.raw, 'string', 'the mark echo is a JSON text frame');
        await sleep(400);
        const heard = bot.nativeAudio(since);
        const frameBytes = bot.messages.slice(since).find((m) => m.binary)?.binary?.length;
        const levels = levelsDbfs(heard.samples, rate, [1000, 440]);
        t.diagnostic(`${heard.frames} binary frames (first ${frameBytes} bytes), ${(heard.samples.length / rate).toFixed(2)} s, 1000 Hz at ${levels[1000]!.toFixed(1)} dBFS; malformed ${heard.malformed}`);
        assert.equal(heard.malformed, 0, 'every binary frame is [0x01][length BE][PCM16 LE]');
        assert.equal(frameBytes, 3 + (rate / 50) * 2, 'a 20 ms frame: 3-byte header + PCM16');
        assert.ok(bot.events('media').length === 0, 'no media JSON in native mode');
        assert.ok(levels[1000]! >= -35, 'the bot\'s tone came back through the call');
        assert.equal((await a.api.hangup(id)).status, 204);
        await bot.waitEvent('stop');
      }));
  }

  test('metrics count the calls, webhooks and stream frames above', (t) =>
    on(() => a, async () => {
      const text = (await a.api.request('GET', '/metrics', undefined, { auth: false })).text;
      const v = (name: string, labels?: Record<string, string>) => metricValue(text, name, labels) ?? 0;
      t.diagnostic(text.split('\n').filter((l) => /^patchbay_\w+(\{[^}]*\})? /.test(l) && !/_bucket\{/.test(l)).join('; '));
      assert.ok(v('patchbay_calls_total', { direction: 'outbound' }) >= 3, 'outbound calls');
      assert.ok(v('patchbay_calls_total', { direction: 'inbound' }) >= 1, 'inbound calls');
      assert.ok(v('patchbay_trunk_calls_total') >= 1, 'calls from trunk-host peers');
      assert.ok(v('patchbay_webhooks_total', { result: 'success' }) >= 5, 'webhooks delivered');
      const bots = [...sockets, ...botServer.sockets];
      const toBots = bots.reduce((n, s) => n + s.messages.length + s.badFrames.length, 0);
      const fromBots = bots.reduce((n, s) => n + s.sentFrames, 0);
      const tally = (s: BotSocket) => `${s.messages.length + s.badFrames.length} in (${s.summary()}), ${s.sentFrames} out`;
      t.diagnostic(`/ws bots: ${sockets.map(tally).join('; ')}; connect-out bots: ${botServer.sockets.map(tally).join('; ')}`);
      const wsSent = v('patchbay_ws_frames_total', { direction: 'sent' });
      const wsReceived = v('patchbay_ws_frames_total', { direction: 'received' });
      assert.ok(wsSent >= toBots && wsReceived >= fromBots, `patchbay_ws_frames_total counts every stream frame, /ws/{id} and connect-out alike: sent ${wsSent} (the bots received ${toBots}), received ${wsReceived} (the bots sent ${fromBots})`);
      assert.ok(v('patchbay_http_requests_total') > 0);
      assert.ok(v('patchbay_call_duration_seconds_count') >= 3, 'call durations observed');
      assert.equal(v('patchbay_active_calls'), 0);
    }));

  test('every webhook was signed: X-Patchbay-Signature v1=HMAC-SHA256(secret, timestamp.body), fresh timestamp', (t) =>
    on(() => a, async () => {
      const hooks = a.hooks.received;
      t.diagnostic(`${hooks.length} webhooks checked`);
      assert.ok(hooks.length >= 10);
      assert.deepEqual(a.hooks.badlySigned().map((h) => `${h.path} ${h.body?.event ?? ''}: ${h.signature}`), []);
      for (const h of hooks) assert.match(String(h.headers['content-type']), /^application\/json/);
    }));

  test('429 when a key exceeds rate_limit.requests_per_second; public routes are not limited', (t) =>
    on(() => b, async () => {
      const burst = await Promise.all(Array.from({ length: 30 }, () => b.api.failures()));
      const limited = burst.filter((r) => r.status === 429);
      t.diagnostic(`30 requests at once with rate_limit 5/s: ${burst.filter((r) => r.status === 200).length} × 200, ${limited.length} × 429`);
      assert.ok(limited.length >= 10, 'most of a 30-request burst is refused');
      for (const r of limited) assertError(r, 429, 'rate limited');
      assert.ok(burst.every((r) => r.status === 200 || r.status === 429));
      const health = await Promise.all(Array.from({ length: 30 }, () => b.api.request('GET', '/health', undefined, { auth: false })));
      assert.ok(health.every((r) => r.status === 200), '/health is not rate limited');
      const text = (await b.api.request('GET', '/metrics', undefined, { auth: false })).text;
      assert.ok((metricValue(text, 'patchbay_rate_limit_rejections_total') ?? 0) >= limited.length, 'patchbay_rate_limit_rejections_total counts them');
      await sleep(1500); // the bucket refills for the next test
    }));

  test('the dead-letter queue survives a restart (webhooks to a closed port, retry 0, same data_dir)', (t) =>
    on(() => b, async () => {
      const call = await sippCalls(b.gateway.sipPort, 'dlq', { holdMs: 300 });
      t.diagnostic(`inbound call with the webhook down: ${describeFlow(call.messages)}`);
      const deadline = Date.now() + 10_000;
      let listed = await b.api.failures();
      while ((listed.json?.failures?.length ?? 0) === 0 && Date.now() < deadline) {
        await sleep(200);
        listed = await b.api.failures();
      }
      assert.equal(listed.status, 200, listed.line);
      const failures = listed.json.failures as any[];
      t.diagnostic(`before restart: ${JSON.stringify(failures)}`);
      assert.ok(failures.length >= 1, 'the failed delivery is in the DLQ');
      for (const f of failures) {
        assert.equal(typeof f.event?.call_id, 'string', 'the undelivered payload is kept');
        assert.equal(typeof f.error, 'string');
        assert.equal(f.attempts, 1, 'retry 0 means one attempt');
        assert.ok(!Number.isNaN(Date.parse(f.timestamp)), 'an ISO 8601 timestamp');
      }

      await b.gateway.stop();
      const restarted = await setUpBotScene({
        apiKey: b.apiKey,
        peers: [{ name: 'sipp', host: '127.0.0.1' }],
        webhook: { url: await deadUrl(), retry: 0 },
        config: { rate_limit: { requests_per_second: 5 }, data_dir: dataDirB },
      });
      const old = b;
      b = restarted;
      await old.close();
      const after = await b.api.failures();
      assert.equal(after.status, 200, after.line);
      assert.deepEqual(after.json.failures, failures, 'the same entries after the restart');
      const drained = await b.api.drainFailures();
      assert.deepEqual(drained.json, { drained: failures.length });
      assert.deepEqual((await b.api.failures()).json, { failures: [] });
    }));
});
