/**
 * Connect-out (`<Connect><Stream>`): dialStream opens the WebSocket to a bot on 127.0.0.1 and
 * speaks the same protocol — parameters arrive as start.customParameters, extra headers on the
 * upgrade, media both ways, stop at the end, over ws:// and wss:// — and fails with a clear StreamError code otherwise.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { dialStream } from './dial-stream.ts';
import { BotServer, CallSide, TestClock, until } from './testing/harness.ts';

test('dials the bot: upgrade headers, connected + start with customParameters, media both ways, stop on close', async () => {
  const server = await BotServer.listen();
  const clock = new TestClock();
  try {
    const result = await dialStream(`${server.url}/bot/stream`, {
      clock: clock.clock,
      callId: 'c-42',
      parameters: { FirstName: 'Jane', lang: 'de' },
      headers: { 'x-patchbay-signature': 'sig' },
    });
    assert.ok(result.ok, !result.ok ? result.error.message : '');
    const leg = result.leg;
    const call = new CallSide(leg, () => clock.index);
    const bot = await server.waitEnd();
    const [start] = await bot.waitEvents('start', 1);
    assert.equal(server.requests[0]!.url, '/bot/stream');
    assert.equal(server.requests[0]!.headers['x-patchbay-signature'], 'sig');
    assert.equal(bot.frames[0]!.kind === 'text' && bot.frames[0]!.raw, '{"event":"connected","protocol":"Call","version":"1.0.0"}');
    assert.deepEqual(start, {
      event: 'start',
      sequenceNumber: '1',
      streamSid: leg.streamSid,
      start: {
        accountSid: `AC${'0'.repeat(32)}`,
        streamSid: leg.streamSid,
        callSid: 'c-42',
        tracks: ['inbound'],
        customParameters: { FirstName: 'Jane', lang: 'de' },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    leg.sendRtp(Buffer.alloc(160, 0x55), 0, true);
    const [m] = await bot.waitEvents('media', 1);
    assert.deepEqual(m.media, { track: 'inbound', chunk: '1', timestamp: '0', payload: Buffer.alloc(160, 0x55).toString('base64') });
    await bot.sendAndSettle({ event: 'media', streamSid: leg.streamSid, media: { payload: Buffer.alloc(320, 0x11).toString('base64') } });
    await bot.sendAndSettle({ event: 'mark', streamSid: leg.streamSid, mark: { name: 'done' } });
    clock.tick(2);
    assert.equal(call.played.length, 2);
    await bot.waitEvents('mark', 1);
    leg.close();
    const [stop] = await bot.waitEvents('stop', 1);
    assert.deepEqual(stop.stop, { accountSid: `AC${'0'.repeat(32)}`, callSid: 'c-42' });
    assert.equal(await bot.waitClosed(), 1000);
  } finally {
    clock.stop();
    await server.close();
  }
});

test('dials in native mode at 16 kHz (binary frames to the bot)', async () => {
  const server = await BotServer.listen();
  const clock = new TestClock();
  try {
    const result = await dialStream(server.url, { clock: clock.clock, callId: 'c-1', mode: 'native', sampleRate: 16000 });
    assert.ok(result.ok);
    const bot = await server.waitEnd();
    const [start] = await bot.waitEvents('start', 1);
    assert.deepEqual(start.start.mediaFormat, { encoding: 'audio/x-l16', sampleRate: 16000, channels: 1 });
    result.leg.sendRtp(Buffer.alloc(640), 0, true);
    await bot.settle();
    assert.deepEqual([...bot.binary()[0]!.subarray(0, 3)], [0x01, 0x02, 0x80]);
    result.leg.close();
  } finally {
    clock.stop();
    await server.close();
  }
});

test('a refused upgrade (HTTP 401) → dial-handshake with the status', async () => {
  const server = await BotServer.listen({ verifyClient: () => false });
  const clock = new TestClock();
  try {
    const result = await dialStream(server.url, { clock: clock.clock, callId: 'c-1' });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.code, 'dial-handshake');
    assert.equal(!result.ok && result.error.status, 401);
  } finally {
    clock.stop();
    await server.close();
  }
});

test('nothing listening → dial-network', async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const clock = new TestClock();
  const result = await dialStream(`ws://127.0.0.1:${port}/`, { clock: clock.clock, callId: 'c-1' });
  clock.stop();
  assert.equal(!result.ok && result.error.code, 'dial-network');
  assert.match(!result.ok ? result.error.message : '', /ECONNREFUSED/);
});

test('a server that never answers the upgrade → dial-timeout; an abort signal → dial-aborted', async () => {
  const sockets: Socket[] = [];
  const silent: Server = createServer((sock) => sockets.push(sock));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const url = `ws://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
  const clock = new TestClock();
  try {
    const timedOut = await dialStream(url, { clock: clock.clock, callId: 'c-1', connectTimeoutMs: 150 });
    assert.equal(!timedOut.ok && timedOut.error.code, 'dial-timeout');
    const controller = new AbortController();
    const pending = dialStream(url, { clock: clock.clock, callId: 'c-1', signal: controller.signal, connectTimeoutMs: 60_000 });
    setTimeout(() => controller.abort(), 20);
    const aborted = await pending;
    assert.equal(!aborted.ok && aborted.error.code, 'dial-aborted');
  } finally {
    clock.stop();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});

test('bad URLs and formats are refused before dialling', async () => {
  const clock = new TestClock();
  const http = await dialStream('http://127.0.0.1:1/', { clock: clock.clock, callId: 'c' });
  const junk = await dialStream('not a url', { clock: clock.clock, callId: 'c' });
  const ulaw16k = await dialStream('ws://127.0.0.1:1/', { clock: clock.clock, callId: 'c', encoding: 'audio/x-mulaw', sampleRate: 16000 });
  const opus = await dialStream('ws://127.0.0.1:1/', { clock: clock.clock, callId: 'c', callCodec: { name: 'opus', payloadType: 111, clockRate: 48000, channels: 2 } });
  clock.stop();
  assert.equal(!http.ok && http.error.code, 'dial-bad-url');
  assert.equal(!junk.ok && junk.error.code, 'dial-bad-url');
  assert.equal(!ulaw16k.ok && ulaw16k.error.code, 'bad-format');
  assert.equal(!opus.ok && opus.error.code, 'bad-options');
});

test('dials wss:// (TLS with the test CA); an untrusted certificate → dial-network (TLS)', async () => {
  const cert = readFileSync(new URL('./testing/localhost-cert.pem', import.meta.url));
  const key = readFileSync(new URL('./testing/localhost-key.pem', import.meta.url));
  const https = createHttpsServer({ cert, key });
  const wss = new WebSocketServer({ server: https });
  const got: string[] = [];
  wss.on('connection', (ws) => ws.on('message', (d) => got.push(String(d))));
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  const url = `wss://127.0.0.1:${(https.address() as AddressInfo).port}/bot`;
  const clock = new TestClock();
  try {
    const untrusted = await dialStream(url, { clock: clock.clock, callId: 'c' });
    assert.equal(!untrusted.ok && untrusted.error.code, 'dial-network');
    assert.match(!untrusted.ok ? untrusted.error.message : '', /^TLS/);
    const result = await dialStream(url, { clock: clock.clock, callId: 'c', parameters: { secure: 'yes' }, tls: { ca: cert } });
    assert.ok(result.ok, !result.ok ? result.error.message : '');
    await until(() => got.length >= 2, 'connected and start');
    assert.deepEqual(JSON.parse(got[1]!).start.customParameters, { secure: 'yes' });
    result.leg.close();
  } finally {
    clock.stop();
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await new Promise<void>((r) => https.close(() => r()));
  }
});
