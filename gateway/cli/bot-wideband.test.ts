/**
 * A gateway whose `stream` config asks for wideband PCM (audio/x-l16 at 16 kHz): the bot's side of
 * the call speaks L16/16000, the bridge transcodes the caller's PCMU, and the bot gets 640-byte
 * little-endian frames carrying the caller's tone; a 16 kHz tone from the bot reaches the caller.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { MediaClock, ToneGenerator } from '../../media/index.ts';
import { goertzelPower } from '../../media/testing/signal.ts';
import { resolveConfig } from '../config/index.ts';
import { RtpPortPool } from '../rtp/index.ts';
import { TestPhone } from '../calls/testing/phone.ts';
import { startReceiver, type WebhookReceiver } from '../api/testing/webhook-receiver.ts';
import { freePort } from '../../testing/free-port.ts';
import { Gateway } from './gateway.ts';

let gateway: Gateway;
let hooks: WebhookReceiver;
let phone: TestPhone;
let clock: MediaClock;
let ports: RtpPortPool;
let sipPort: number;

before(async () => {
  hooks = await startReceiver((req) => ({ status: 200, body: req.path.endsWith('/incoming') ? JSON.stringify({ action: 'accept', stream: true }) : '' }));
  clock = new MediaClock();
  clock.start();
  ports = new RtpPortPool({ bindAddress: '127.0.0.1' });
  phone = await TestPhone.start(clock, ports);
  sipPort = await freePort();
  gateway = new Gateway(
    resolveConfig({
      listen: { http: '127.0.0.1:0' },
      server: { listen: `127.0.0.1:${sipPort}`, peers: [{ name: 'lab', host: '127.0.0.1' }] },
      webhook: { url: hooks.url, retry: 0 },
      stream: { encoding: 'audio/x-l16', sample_rate: 16000 },
      log: { level: 'silent' },
    }),
  );
  await gateway.start();
});

after(async () => {
  await phone?.close();
  await gateway?.stop();
  clock?.stop();
  await ports?.close();
  await hooks?.close();
});

test('stream.encoding audio/x-l16 at 16 kHz: wideband frames both ways', async () => {
  const { call } = await phone.call(`sip:5551234@127.0.0.1:${sipPort}`, { user: '5550000' });
  await hooks.waitFor(1);
  const id = String(JSON.parse(hooks.requests[0]!.body).call_id);
  const ws = new WebSocket(`ws://127.0.0.1:${gateway.httpAddress!.port}/ws/${id}`);
  const media: Buffer[] = [];
  let start: any;
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.event === 'start') start = m;
    if (m.event === 'media') media.push(Buffer.from(m.media.payload, 'base64'));
  });
  await new Promise((r) => ws.once('open', r));
  call.startTone(1000);
  const deadline = Date.now() + 5000;
  while (media.length < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(start.start.mediaFormat, { encoding: 'audio/x-l16', sampleRate: 16000, channels: 1 });
  assert.ok(media.length >= 60, `got ${media.length} frames`);
  assert.ok(media.every((f) => f.length === 640), '20 ms of 16 kHz PCM16 per frame');
  const tail = Buffer.concat(media.slice(-25));
  const pcm = new Int16Array(tail.length / 2);
  for (let i = 0; i < pcm.length; i++) pcm[i] = tail.readInt16LE(i * 2);
  assert.ok(goertzelPower(pcm, 16000, 1000) > 100 * goertzelPower(pcm, 16000, 3000), 'the caller\'s 1 kHz in little-endian 16 kHz PCM');

  const tone = new ToneGenerator({ frequency: 700, sampleRate: 16000 });
  const out = new Int16Array(16 * 1000);
  tone.fill(out);
  const bytes = Buffer.alloc(out.length * 2);
  out.forEach((s, i) => bytes.writeInt16LE(s, i * 2));
  ws.send(JSON.stringify({ event: 'media', media: { payload: bytes.toString('base64') } }));
  await new Promise((r) => setTimeout(r, 700));
  assert.ok(call.heard(700, call.received.length - 20) > 0.5, `the caller hears the bot's 700 Hz: ${call.heard(700, call.received.length - 20)}`);
  ws.close();
  call.hangup();
});

test('server.listen on 0.0.0.0 without rtp_address: SDP advertises our address toward the peer, and the call works', async () => {
  const sip = await freePort();
  const gw = new Gateway(
    resolveConfig({
      listen: { http: '127.0.0.1:0' },
      server: { listen: `0.0.0.0:${sip}`, peers: [{ name: 'lab', host: '127.0.0.1' }] },
      webhook: { url: hooks.url, retry: 0 },
      log: { level: 'silent' },
    }),
  );
  await gw.start();
  try {
    const { call, invite } = await phone.call(`sip:5551234@127.0.0.1:${sip}`, { user: '5550000' });
    const answer = call.dialog!.remoteSdp ?? '';
    assert.match(answer, /^c=IN IP4 127\.0\.0\.1\r?$/m, `answer advertises 127.0.0.1:\n${answer}`);
    void invite;
    call.hangup();
  } finally {
    await gw.stop();
  }
});
