/**
 * The bot path end to end inside one process, over real loopback sockets: a SIP phone (our own
 * parts) calls the gateway as a trunk-host peer; /incoming (a local webhook receiver) accepts with
 * a stream; a bot connects to /ws/{call_id} and hears the phone's tone; the bot's tone reaches
 * the phone; DTMF both ways; play with loop and stop; REST hold/resume; hang-up over REST with
 * call.ended; outbound POST /v1/calls toward a peer; /incoming rejects mapped to SIP statuses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { MediaClock, ToneGenerator, ulawEncode, ulawDecode } from '../../media/index.ts';
import { goertzelPower } from '../../media/testing/signal.ts';
import { resolveConfig } from '../config/index.ts';
import { RtpPortPool } from '../rtp/index.ts';
import { TestPhone } from '../calls/testing/phone.ts';
import { startReceiver, type WebhookReceiver } from '../api/testing/webhook-receiver.ts';
import { freePort } from '../../testing/free-port.ts';
import { until } from '../../testing/until.ts';
import { Gateway } from './gateway.ts';

const KEY = 'bot-key';
let gateway: Gateway;
let hooks: WebhookReceiver;
let phone: TestPhone;
let clock: MediaClock;
let ports: RtpPortPool;
let sipPort: number;
let decision: Record<string, unknown> = { action: 'accept', stream: true };
let base: string;

const events = () => hooks.requests.filter((r) => r.path === '/' || r.path === '').map((r) => JSON.parse(r.body) as Record<string, unknown>);
const incoming = () => hooks.requests.filter((r) => r.path.endsWith('/incoming')).map((r) => JSON.parse(r.body) as Record<string, unknown>);


function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}${path}`, { ...init, headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
}

class Bot {
  readonly messages: Record<string, any>[] = [];
  readonly ws: WebSocket;
  constructor(callId: string) {
    this.ws = new WebSocket(`${base.replace('http', 'ws')}/ws/${callId}`, { headers: { Authorization: `Bearer ${KEY}` } });
    this.ws.on('message', (d) => this.messages.push(JSON.parse(String(d))));
  }
  of(event: string) {
    return this.messages.filter((m) => m.event === event);
  }
  heard(freq: number): number {
    const media = this.of('media').slice(-50);
    if (media.length < 20) return 0;
    const bytes = Buffer.concat(media.map((m) => Buffer.from(m.media.payload, 'base64')));
    const pcm = new Int16Array(bytes.length);
    ulawDecode(bytes, pcm, bytes.length);
    return goertzelPower(pcm, 8000, freq) / Math.max(1, goertzelPower(pcm, 8000, 350));
  }
  sendTone(freq: number, ms: number): void {
    const tone = new ToneGenerator({ frequency: freq, sampleRate: 8000 });
    const pcm = new Int16Array(8 * ms);
    tone.fill(pcm);
    const mu = new Uint8Array(pcm.length);
    ulawEncode(pcm, mu, pcm.length);
    this.ws.send(JSON.stringify({ event: 'media', media: { payload: Buffer.from(mu).toString('base64') } }));
  }
}

before(async () => {
  hooks = await startReceiver((req) => (req.path.endsWith('/incoming') ? { status: 200, body: JSON.stringify(decision) } : { status: 200, body: '' }));
  clock = new MediaClock();
  clock.start();
  ports = new RtpPortPool({ bindAddress: '127.0.0.1' });
  phone = await TestPhone.start(clock, ports);
  sipPort = await freePort();
  const config = resolveConfig({
    listen: { http: '127.0.0.1:0' },
    server: { listen: `127.0.0.1:${sipPort}`, peers: [{ name: 'lab', host: '127.0.0.1', port: phone.port }] },
    webhook: { url: hooks.url, secret: 'shh', retry: 0 },
    auth: { api_key: KEY },
    log: { level: 'silent' },
  });
  gateway = new Gateway(config);
  await gateway.start();
  base = `http://127.0.0.1:${gateway.httpAddress!.port}`;
});

after(async () => {
  await phone?.close();
  await gateway?.stop();
  clock?.stop();
  await ports?.close();
  await hooks?.close();
});

describe('bot calls through the gateway', () => {
  it('accepts with a stream: audio, DTMF, play, hold, hangup and webhooks', async () => {
    decision = { action: 'accept', stream: true };
    const { call } = await phone.call(`sip:5551234@127.0.0.1:${sipPort}`, { user: '5550000' });
    const q = await until(() => incoming()[0], 5000, '/incoming');
    assert.equal(q.from, '5550000');
    assert.equal(q.to, '5551234');
    assert.equal(q.peer, 'lab');
    const id = String(q.call_id);
    const info = (await (await api(`/v1/calls/${id}`)).json()) as Record<string, unknown>;
    assert.deepEqual({ ...info }, { call_id: id, from: '5550000', to: '5551234', direction: 'inbound', status: 'in_progress', peer: 'lab' });

    const bot = new Bot(id);
    await until(() => bot.of('start')[0], 5000, 'start');
    assert.equal(bot.of('connected')[0]!.protocol, 'Call');
    call.startTone(1000);
    await until(() => bot.heard(1000) > 50, 5000, 'the bot hearing 1 kHz');

    bot.sendTone(600, 2000);
    await new Promise((r) => setTimeout(r, 800));
    const recent = () => call.heard(600, call.received.length - 25); // the last 500 ms: silence came before the bot spoke
    assert.ok(recent() > 0.5, `phone hears the bot's 600 Hz (share ${recent()})`);

    // DTMF: phone → bot (stream + webhook), bot → phone over REST.
    await call.session.media.leg.sendDtmf('5', 120);
    await until(() => bot.of('dtmf')[0], 3000, 'dtmf at the bot');
    assert.equal(bot.of('dtmf')[0]!.dtmf.digit, '5');
    await until(() => events().find((e) => e.event === 'call.dtmf'), 3000, 'call.dtmf');
    assert.equal((await api(`/v1/calls/${id}/dtmf`, { method: 'POST', body: JSON.stringify({ digits: '12#' }) })).status, 200);
    await until(() => call.dtmf.join('') === '12#' && call.dtmf, 4000, 'digits at the phone');

    // play with loop 0, then stop → interrupted.
    const pcm = Buffer.alloc(8000 * 2);
    const r = await api(`/v1/calls/${id}/play`, { method: 'POST', body: JSON.stringify({ audio: pcm.toString('base64'), loop_count: 0 }) });
    assert.equal(r.status, 200);
    const { play_id } = (await r.json()) as { play_id: string };
    assert.equal((await api(`/v1/calls/${id}/play/stop`, { method: 'POST' })).status, 200);
    const fin = await until(() => events().find((e) => e.event === 'call.play_finished'), 3000, 'play_finished');
    assert.deepEqual({ id: fin.play_id, i: fin.interrupted }, { id: play_id, i: true });
    assert.equal((await api(`/v1/calls/${id}/play/stop`, { method: 'POST' })).status, 404);

    // hold / resume toward the phone.
    assert.equal((await api(`/v1/calls/${id}/hold`, { method: 'POST' })).status, 200);
    assert.equal(((await (await api(`/v1/calls/${id}`)).json()) as { status: string }).status, 'on_hold');
    assert.equal((await api(`/v1/calls/${id}/resume`, { method: 'POST' })).status, 200);
    await until(() => events().find((e) => e.event === 'call.resumed'), 3000, 'call.resumed');

    assert.equal((await api(`/v1/calls/${id}`, { method: 'DELETE' })).status, 204);
    const ended = await until(() => events().find((e) => e.event === 'call.ended'), 5000, 'call.ended');
    assert.equal(ended.reason, 'normal');
    assert.equal(typeof ended.duration, 'number');
    await until(() => bot.of('stop')[0], 3000, 'stop');
    await until(() => call.ended, 3000, 'phone sees BYE');
    assert.deepEqual(
      events().filter((e) => e.call_id === id).map((e) => e.event),
      ['call.answered', 'call.dtmf', 'call.play_finished', 'call.hold', 'call.resumed', 'call.ended'],
    );
    assert.equal((await api(`/v1/calls/${id}`)).status, 404);
  });

  it('transfers the caller with REFER and ends the call once the transferee reports 200', async () => {
    decision = { action: 'accept', stream: true };
    const { call } = await phone.call(`sip:5551234@127.0.0.1:${sipPort}`, { user: '5550000' });
    const id = String((await until(() => incoming().at(-1), 5000, '/incoming')).call_id);
    let referTo = '';
    call.dialog!.on('refer', (refer) => {
      referTo = refer.target;
      setTimeout(() => void refer.notify(200, 'OK'), 100);
    });
    const r = await api(`/v1/calls/${id}/transfer`, { method: 'POST', body: JSON.stringify({ target: '1003' }) });
    assert.equal(r.status, 200);
    // The caller is behind peer "lab": a bare number is in the peer's own plan (it dials it itself).
    assert.equal(referTo, `sip:1003@127.0.0.1:${phone.port}`);
    const ended = await until(() => events().find((e) => e.call_id === id && e.event === 'call.ended'), 5000, 'call.ended');
    assert.equal(ended.reason, 'normal');
    assert.equal((await api(`/v1/calls/nope/transfer`, { method: 'POST', body: JSON.stringify({ target: '1003' }) })).status, 404);
  });

  it('bridges to a person (connect) while a bot listens on /ws, and connects out to a stream URL', async () => {
    decision = { action: 'accept', stream: true, connect: 'echo' };
    const { call } = await phone.call(`sip:5551234@127.0.0.1:${sipPort}`, { user: '5550000' });
    const id = String((await until(() => incoming().at(-1), 5000, '/incoming')).call_id);
    const bot = new Bot(id);
    await until(() => bot.of('start')[0], 5000, 'start');
    call.startTone(1000);
    await until(() => bot.heard(1000) > 50, 5000, 'the listening bot hearing 1 kHz');
    await until(() => call.heard(1000, call.received.length - 25) > 0.5, 5000, 'the caller hearing its echo');
    call.hangup();
    await until(() => bot.of('stop')[0], 5000, 'stop');

    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    const got: Record<string, any>[] = [];
    wss.on('connection', (ws) => ws.on('message', (d) => got.push(JSON.parse(String(d)))));
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    decision = { action: 'accept', stream: { url: `ws://127.0.0.1:${port}/bot`, parameters: { lang: 'en' } } };
    const second = await phone.call(`sip:5551234@127.0.0.1:${sipPort}`, { user: '5550000' });
    const start = await until(() => got.find((m) => m.event === 'start'), 5000, 'connect-out start');
    assert.deepEqual(start.start.customParameters, { lang: 'en' });
    second.call.startTone(1000);
    await until(() => got.filter((m) => m.event === 'media').length > 10, 5000, 'connect-out media');
    second.call.hangup();
    await until(() => got.find((m) => m.event === 'stop'), 5000, 'connect-out stop');
    wss.close();
  });

  it('maps reject reasons to SIP statuses', async () => {
    for (const [reason, status] of [['busy', 486], ['declined', 603], ['not_found', 404], ['whatever', 480]] as const) {
      decision = { action: 'reject', reason };
      await assert.rejects(phone.call(`sip:5551234@127.0.0.1:${sipPort}`, { user: '5550000' }), (e: { status?: number }) => e.status === status);
    }
  });

  it('places a REST call to an extension (no trunk needed) and the bot hears its own echo', async () => {
    const r = await api('/v1/calls', { method: 'POST', body: JSON.stringify({ to: 'echo', from: 'bot' }) });
    assert.equal(r.status, 201);
    const { call_id } = (await r.json()) as { call_id: string };
    await until(() => events().find((e) => e.call_id === call_id && e.event === 'call.answered'), 5000, 'answered');
    const bot = new Bot(call_id);
    await until(() => bot.of('start')[0], 5000, 'start');
    const timer = setInterval(() => bot.sendTone(800, 100), 100);
    try {
      await until(() => bot.heard(800) > 50, 5000, 'the bot hearing its echo');
    } finally {
      clearInterval(timer);
    }
    assert.equal((await api(`/v1/calls/${call_id}`, { method: 'DELETE' })).status, 204);
  });

  it('places an outbound call to a peer over REST', async () => {
    phone.answer({});
    const r = await api('/v1/calls', { method: 'POST', body: JSON.stringify({ to: '7000', from: '100', peer: 'lab' }) });
    assert.equal(r.status, 201);
    const body = (await r.json()) as { call_id: string; status: string; ws_url: string };
    assert.equal(body.status, 'dialing');
    assert.match(body.ws_url, /^ws:\/\/127\.0\.0\.1:\d+\/ws\//);
    await until(() => events().find((e) => e.call_id === body.call_id && e.event === 'call.answered'), 5000, 'answered');
    assert.ok(events().find((e) => e.call_id === body.call_id && e.event === 'call.ringing'));
    const info = (await (await api(`/v1/calls/${body.call_id}`)).json()) as Record<string, unknown>;
    assert.equal(info.direction, 'outbound');
    assert.equal(info.status, 'in_progress');
    assert.equal(info.peer, 'lab');
    assert.equal((await api('/v1/calls', { method: 'POST', body: JSON.stringify({ to: '7000', from: '100', peer: 'nope' }) })).status, 404);
    assert.equal((await api('/v1/calls', { method: 'POST', body: JSON.stringify({ to: '7000', from: '100' }) })).status, 503);
    assert.equal((await api(`/v1/calls/${body.call_id}`, { method: 'DELETE' })).status, 204);
  });
});
