/**
 * REST call control through the assembled app (`createApp` + `callRoutes`) against a
 * FakeCallControl: every route, its validation (400 naming the field), 404 for unknown calls
 * before any body check, CallControlError statuses (404/422/500/503), unexpected errors (500),
 * bearer auth (401), ws_url derivation, and the OpenAPI entries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, GatewayMetrics } from '../../observability/index.ts';
import { CallControlError } from '../../calls/control/types.ts';
import { writeWav } from '../../../media/index.ts';
import { createApp } from '../app.ts';
import { ApiDocs } from '../openapi/registry.ts';
import { callRoutes, type CallRoutesOptions } from './call-routes.ts';
import { FakeCallControl } from './testing/fake-call-control.ts';

const logger = createLogger('silent');
const health = () => ({ sip_trunks: 1, sip_server: false, active_calls: 0 });

function build(options: { apiKey?: string; routes?: Partial<CallRoutesOptions> } = {}) {
  const control = new FakeCallControl().add({ call_id: 'c1', from: '1001', to: '+15551234567', direction: 'inbound', peer: 'office-pbx' });
  const docs = new ApiDocs();
  const app = createApp({
    logger, metrics: new GatewayMetrics(), health, docs, apiKey: options.apiKey, demoPage: false,
    extra: [callRoutes({ control, docs, ...options.routes })],
  });
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(path, { method, headers, ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  return { app, control, docs, send };
}

const message = async (r: Response) => ((await r.json()) as { message: string }).message;

async function expectError(r: Response | Promise<Response>, status: number, text: string | RegExp) {
  const res = await r;
  assert.equal(res.status, status);
  const m = await message(res);
  if (typeof text === 'string') assert.equal(m, text);
  else assert.match(m, text);
}

const pcmBase64 = (samples: number[]) => Buffer.from(new Int16Array(samples).buffer).toString('base64');

// ---- POST /v1/calls

test('POST /v1/calls → 201 {call_id, status: "dialing", ws_url} and passes the request on', async () => {
  const { control, send } = build();
  const r = await send('POST', '/v1/calls', { to: '+15551234567', from: '+15559876543', trunk: 'telnyx', webhook_url: 'https://bot.example/hooks', stream: true, extra: 1 });
  assert.equal(r.status, 201);
  assert.deepEqual(await r.json(), { call_id: 'call-0', status: 'dialing', ws_url: 'ws://localhost/ws/call-0' });
  assert.deepEqual(control.calledWith('create'), [[{ to: '+15551234567', from: '+15559876543', trunk: 'telnyx', webhook_url: 'https://bot.example/hooks', stream: true }]]);
});

test('ws_url follows the request: Host header, https → wss, or the wsBase option', async () => {
  const { send, app } = build();
  const body = JSON.stringify({ to: '1', from: '2' });
  const viaHost = await send('POST', '/v1/calls', body, { Host: 'gw.example:8080' });
  assert.equal(((await viaHost.json()) as { ws_url: string }).ws_url, 'ws://gw.example:8080/ws/call-0');
  const tls = await app.request('https://gw.example:8443/v1/calls', { method: 'POST', body });
  assert.equal(((await tls.json()) as { ws_url: string }).ws_url, 'wss://gw.example:8443/ws/call-1');
  const custom = build({ routes: { wsBase: () => 'wss://public.example/' } });
  const r = await custom.send('POST', '/v1/calls', body);
  assert.equal(((await r.json()) as { ws_url: string }).ws_url, 'wss://public.example/ws/call-0');
});

test('POST /v1/calls validation → 400 naming the field; nothing is dialed', async () => {
  const { control, send } = build();
  const cases: [unknown, string | RegExp][] = [
    [{ from: '2' }, 'to: Required'],
    [{ to: '1' }, 'from: Required'],
    [{ to: '', from: '2' }, 'to: must not be empty'],
    [{ to: 1, from: '2' }, /^to: /],
    [{ to: '1', from: '2', trunk: 'a', peer: 'b' }, 'trunk and peer are mutually exclusive'],
    [{ to: '1', from: '2', trunk: '' }, 'trunk: must not be empty'],
    [{ to: '1', from: '2', webhook_url: 'not a url' }, 'webhook_url: must be an http(s) URL'],
    [{ to: '1', from: '2', webhook_url: 'ftp://x.example/' }, 'webhook_url: must be an http(s) URL'],
    [{ to: '1', from: '2', stream: 'yes' }, /^stream: /],
    ['{"to":', 'Invalid JSON body'],
  ];
  for (const [body, text] of cases) await expectError(send('POST', '/v1/calls', body), 400, text);
  assert.deepEqual(control.calledWith('create'), []);
});

test('POST /v1/calls: the engine\'s refusals keep their status and message (404, 422, 503, 500)', async () => {
  const { control, send } = build();
  const body = { to: '1', from: '2', peer: 'office-pbx' };
  const cases: [CallControlError, number][] = [
    [new CallControlError(404, 'Unknown peer: office-pbx'), 404],
    [new CallControlError(422, 'Peer office-pbx has no host'), 422],
    [new CallControlError(503, 'No SIP trunk connected'), 503],
    [new CallControlError(500, 'INVITE failed'), 500],
  ];
  for (const [err, status] of cases) {
    control.failNext('create', err);
    await expectError(send('POST', '/v1/calls', body), status, err.message);
  }
});

// ---- GET / DELETE

test('GET /v1/calls lists the calls; GET /v1/calls/:id answers one, or 404', async () => {
  const { control, send } = build();
  control.add({ call_id: 'c2', status: 'ringing' });
  const list = await send('GET', '/v1/calls');
  assert.equal(list.status, 200);
  const { calls } = (await list.json()) as { calls: { call_id: string; status: string }[] };
  assert.deepEqual(calls.map((c) => [c.call_id, c.status]), [['c1', 'in_progress'], ['c2', 'ringing']]);
  const one = await send('GET', '/v1/calls/c1');
  assert.equal(one.status, 200);
  assert.deepEqual(await one.json(), { call_id: 'c1', from: '1001', to: '+15551234567', direction: 'inbound', status: 'in_progress', peer: 'office-pbx' });
  await expectError(send('GET', '/v1/calls/nope'), 404, 'Call not found');
});

test('GET /v1/calls is {"calls": []} with no calls', async () => {
  const { control, send } = build();
  control.calls.clear();
  assert.deepEqual(await (await send('GET', '/v1/calls')).json(), { calls: [] });
});

test('DELETE /v1/calls/:id → 204 with no body and hangs up; 404 for an unknown call', async () => {
  const { control, send } = build();
  const r = await send('DELETE', '/v1/calls/c1');
  assert.equal(r.status, 204);
  assert.equal(await r.text(), '');
  assert.deepEqual(control.calledWith('hangup'), [['c1']]);
  await expectError(send('DELETE', '/v1/calls/c1'), 404, 'Call not found');
});

test('a call that ends between the check and the operation is still a 404', async () => {
  const { control, send } = build();
  control.failNext('hangup', new CallControlError(404, 'Call not found'));
  await expectError(send('DELETE', '/v1/calls/c1'), 404, 'Call not found');
});

// ---- hold, resume, mute, unmute

test('hold, resume, mute, unmute → 200 {"status":"ok"}, 404 for an unknown call, 500 when the operation fails', async () => {
  const { control, send } = build();
  for (const action of ['hold', 'resume', 'mute', 'unmute'] as const) {
    const r = await send('POST', `/v1/calls/c1/${action}`);
    assert.equal(r.status, 200, action);
    assert.deepEqual(await r.json(), { status: 'ok' });
    assert.deepEqual(control.calledWith(action), [['c1']], action);
    await expectError(send('POST', `/v1/calls/nope/${action}`), 404, 'Call not found');
    control.failNext(action, new CallControlError(500, `${action} failed: 488 Not Acceptable Here`));
    await expectError(send('POST', `/v1/calls/c1/${action}`), 500, `${action} failed: 488 Not Acceptable Here`);
  }
  assert.equal(control.calledWith('hold').length, 2, 'the unknown call never reached the engine');
});

test('an unexpected engine error is a 500 without details', async () => {
  const { control, send } = build();
  control.failNext('hold', new TypeError('secret internals'));
  await expectError(send('POST', '/v1/calls/c1/hold'), 500, 'Internal server error');
});

// ---- transfer

test('POST /v1/calls/:id/transfer {target} → 200; 400 without a target; 404 (before the body) for an unknown call', async () => {
  const { control, send } = build();
  const r = await send('POST', '/v1/calls/c1/transfer', { target: 'sip:operator@pbx.local' });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: 'ok' });
  assert.deepEqual(control.calledWith('transfer'), [['c1', 'sip:operator@pbx.local']]);
  await expectError(send('POST', '/v1/calls/c1/transfer', {}), 400, 'target: Required');
  await expectError(send('POST', '/v1/calls/c1/transfer', { target: '' }), 400, 'target: must not be empty');
  await expectError(send('POST', '/v1/calls/c1/transfer', 'garbage'), 400, 'Invalid JSON body');
  await expectError(send('POST', '/v1/calls/nope/transfer', 'garbage'), 404, 'Call not found');
  control.failNext('transfer', new CallControlError(500, 'REFER rejected: 603 Decline'));
  await expectError(send('POST', '/v1/calls/c1/transfer', { target: '100' }), 500, 'REFER rejected: 603 Decline');
});

// ---- dtmf

test('POST /v1/calls/:id/dtmf {digits} → 200 with a-d upper-cased; 400 naming digits otherwise', async () => {
  const { control, send } = build();
  const r = await send('POST', '/v1/calls/c1/dtmf', { digits: '0123456789*#abcdABCD' });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: 'ok' });
  assert.deepEqual(control.calledWith('dtmf'), [['c1', '0123456789*#ABCDABCD']]);
  for (const digits of ['12e', '1 2', '', 'ｱ']) await expectError(send('POST', '/v1/calls/c1/dtmf', { digits }), 400, /^digits: /);
  await expectError(send('POST', '/v1/calls/c1/dtmf', { digits: 5 }), 400, /^digits: /);
  await expectError(send('POST', '/v1/calls/c1/dtmf', {}), 400, 'digits: Required');
  await expectError(send('POST', '/v1/calls/nope/dtmf', { digits: '1' }), 404, 'Call not found');
  control.failNext('dtmf', new CallControlError(500, 'DTMF failed'));
  await expectError(send('POST', '/v1/calls/c1/dtmf', { digits: '1' }), 500, 'DTMF failed');
  assert.equal(control.calledWith('dtmf').length, 2);
});

// ---- play

test('POST /v1/calls/:id/play {audio} → 200 {play_id}; the engine gets the samples and loop_count (default 1)', async () => {
  const { control, send } = build();
  const r = await send('POST', '/v1/calls/c1/play', { audio: pcmBase64([1, -2, 32767, -32768]) });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { play_id: 'play_0' });
  const r2 = await send('POST', '/v1/calls/c1/play', { audio: pcmBase64([5]), loop_count: 0 });
  assert.deepEqual(await r2.json(), { play_id: 'play_1' });
  const played = control.calledWith('play').map(([, req]) => req as { pcm: Int16Array; loopCount: number });
  assert.deepEqual(played.map((p) => [[...p.pcm], p.loopCount]), [[[1, -2, 32767, -32768], 1], [[5], 0]]);
});

test('POST /v1/calls/:id/play {url} fetches the WAV (through playFetch) and plays it', async () => {
  const wav = writeWav({ sampleRate: 8000, channels: 1, samples: new Int16Array([7, 8, 9]) });
  const fetched: string[] = [];
  const fakeFetch = (async (url: string | URL | Request) => {
    fetched.push(String(url));
    return String(url).endsWith('/missing.wav') ? new Response('nope', { status: 404 }) : new Response(new Uint8Array(wav));
  }) as typeof fetch;
  const { control, send } = build({ routes: { playFetch: { fetch: fakeFetch } } });
  const r = await send('POST', '/v1/calls/c1/play', { url: 'http://media.example/hello.wav', loop_count: 3 });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { play_id: 'play_0' });
  const [[, req]] = control.calledWith('play') as [[string, { pcm: Int16Array; loopCount: number }]];
  assert.deepEqual([[...req.pcm], req.loopCount], [[7, 8, 9], 3]);
  await expectError(send('POST', '/v1/calls/c1/play', { url: 'http://media.example/missing.wav' }), 500, 'Audio fetch failed: HTTP 404');
  assert.deepEqual(fetched, ['http://media.example/hello.wav', 'http://media.example/missing.wav']);
});

test('POST /v1/calls/:id/play: 400 for no source, both sources, bad base64, odd bytes, bad loop_count or url; the engine is not called', async () => {
  const { control, send } = build();
  const cases: [unknown, string | RegExp][] = [
    [{}, 'No audio source'],
    [{ loop_count: 2 }, 'No audio source'],
    [{ url: 'http://x.example/a.wav', audio: pcmBase64([1]) }, 'Give either url or audio, not both'],
    [{ audio: 'not base64!' }, 'audio: invalid base64'],
    [{ audio: 'AAA' }, 'audio: invalid base64'],
    [{ audio: Buffer.from([1, 2, 3]).toString('base64') }, /^audio: odd byte count 3/],
    [{ audio: '' }, 'audio: empty'],
    [{ audio: pcmBase64([1]), loop_count: -1 }, /^loop_count: /],
    [{ audio: pcmBase64([1]), loop_count: 1.5 }, /^loop_count: /],
    [{ audio: pcmBase64([1]), loop_count: '2' }, /^loop_count: /],
    [{ url: 'file:///etc/passwd' }, 'url: must be an http(s) URL'],
    [{ audio: 42 }, /^audio: /],
  ];
  for (const [body, text] of cases) await expectError(send('POST', '/v1/calls/c1/play', body), 400, text);
  assert.deepEqual(control.calledWith('play'), []);
});

test('POST /v1/calls/:id/play: 404 for an unknown call (before the body); 500 when the engine cannot play', async () => {
  const { control, send } = build();
  await expectError(send('POST', '/v1/calls/nope/play', {}), 404, 'Call not found');
  control.failNext('play', new CallControlError(500, 'Audio writer not available'));
  await expectError(send('POST', '/v1/calls/c1/play', { audio: pcmBase64([1]) }), 500, 'Audio writer not available');
});

test('POST /v1/calls/:id/play/stop → 200 while playing, 404 when nothing plays or the call is unknown', async () => {
  const { control, send } = build();
  await expectError(send('POST', '/v1/calls/c1/play/stop'), 404, 'No active playback');
  await send('POST', '/v1/calls/c1/play', { audio: pcmBase64([1]) });
  const r = await send('POST', '/v1/calls/c1/play/stop');
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: 'ok' });
  await expectError(send('POST', '/v1/calls/nope/play/stop'), 404, 'Call not found');
  assert.deepEqual(control.calledWith('stopPlay'), [['c1'], ['c1']]);
});

// ---- auth, docs

test('with auth.api_key every call route needs the bearer key (401, nothing reaches the engine)', async () => {
  const { control, send } = build({ apiKey: 'topsecret' });
  const routes: [string, string, unknown?][] = [
    ['POST', '/v1/calls', { to: '1', from: '2' }], ['GET', '/v1/calls'], ['GET', '/v1/calls/c1'], ['DELETE', '/v1/calls/c1'],
    ['POST', '/v1/calls/c1/hold'], ['POST', '/v1/calls/c1/resume'], ['POST', '/v1/calls/c1/mute'], ['POST', '/v1/calls/c1/unmute'],
    ['POST', '/v1/calls/c1/transfer', { target: '1' }], ['POST', '/v1/calls/c1/dtmf', { digits: '1' }],
    ['POST', '/v1/calls/c1/play', { audio: pcmBase64([1]) }], ['POST', '/v1/calls/c1/play/stop'],
  ];
  for (const [method, path, body] of routes) {
    await expectError(send(method, path, body), 401, 'Missing Authorization header');
    await expectError(send(method, path, body, { Authorization: 'Bearer wrong' }), 401, 'Invalid API key');
  }
  assert.deepEqual(control.log, []);
  const ok = await send('GET', '/v1/calls/c1', undefined, { Authorization: 'Bearer topsecret' });
  assert.equal(ok.status, 200);
  const created = await send('POST', '/v1/calls', { to: '1', from: '2' }, { Authorization: 'Bearer topsecret' });
  assert.equal(created.status, 201);
});

test('every call route, and the /ws upgrade, is in the OpenAPI document under the "calls" tag', async () => {
  const { send } = build();
  const doc = (await (await send('GET', '/openapi.json')).json()) as { paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown>; requestBody?: unknown; parameters?: { name: string; in: string }[] }>> };
  const expected: [string, string, string[]][] = [
    ['/v1/calls', 'post', ['201', '400', '401', '404', '422', '429', '503']],
    ['/v1/calls', 'get', ['200']],
    ['/v1/calls/{call_id}', 'get', ['200', '404']],
    ['/v1/calls/{call_id}', 'delete', ['204', '404']],
    ['/v1/calls/{call_id}/hold', 'post', ['200', '404', '500']],
    ['/v1/calls/{call_id}/resume', 'post', ['200', '404', '500']],
    ['/v1/calls/{call_id}/mute', 'post', ['200', '404', '500']],
    ['/v1/calls/{call_id}/unmute', 'post', ['200', '404', '500']],
    ['/v1/calls/{call_id}/transfer', 'post', ['200', '400', '404', '500']],
    ['/v1/calls/{call_id}/dtmf', 'post', ['200', '400', '404', '500']],
    ['/v1/calls/{call_id}/play', 'post', ['200', '400', '404', '500']],
    ['/v1/calls/{call_id}/play/stop', 'post', ['200', '404']],
    ['/ws/{call_id}', 'get', ['101', '400', '401', '404']],
  ];
  for (const [path, method, statuses] of expected) {
    const op = doc.paths[path]?.[method];
    assert.ok(op, `${method} ${path}`);
    assert.deepEqual(op.tags, ['calls']);
    for (const s of statuses) assert.ok(op.responses[s], `${method} ${path} ${s}`);
    if (path.includes('{call_id}')) assert.ok(op.parameters?.some((p) => p.name === 'call_id' && p.in === 'path'));
  }
  assert.ok(doc.paths['/v1/calls']!.post!.requestBody);
  assert.ok(doc.paths['/ws/{call_id}']!.get!.parameters!.some((p) => p.name === 'mode' && p.in === 'query'));
});
