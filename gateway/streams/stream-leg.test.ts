/**
 * StreamLeg in twilio mode over a real WebSocket on 127.0.0.1, on a hand-cranked media clock:
 * every message's exact shape (field by field against the Twilio doc's examples), sequenceNumber
 * / chunk / timestamp progression, DTMF, stop and close, paced playout, mark timing, clear
 * latency, queue overflow, and invalid bot messages ignored without harm.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBot, until } from './testing/harness.ts';

const SID = /^MZ[0-9a-f]{32}$/;

/** `ms` of μ-law bytes whose values count up from `from` (so order and identity can be checked). */
function ulawRamp(ms: number, from = 0): Buffer {
  const b = Buffer.alloc(ms * 8);
  for (let i = 0; i < b.length; i++) b[i] = (from + i) & 0xff;
  return b;
}

const media = (streamSid: string, bytes: Uint8Array) => ({ event: 'media', streamSid, media: { payload: Buffer.from(bytes).toString('base64') } });
const mark = (streamSid: string, name: string) => ({ event: 'mark', streamSid, mark: { name } });

test('connected, then start: exactly the Twilio shapes (string sequenceNumber "1", numeric sampleRate/channels)', async () => {
  await withBot({ parameters: { FirstName: 'Jane' }, accountSid: 'AC0123456789abcdef0123456789abcdef' }, async ({ leg, bot }) => {
    const [first, second] = bot.frames;
    assert.equal(first!.kind, 'text');
    assert.equal(first!.kind === 'text' && first!.raw, '{"event":"connected","protocol":"Call","version":"1.0.0"}');
    assert.match(leg.streamSid, SID);
    assert.equal(second!.kind, 'text');
    const start = second!.kind === 'text' ? second!.json : undefined;
    assert.deepEqual(start, {
      event: 'start',
      sequenceNumber: '1',
      streamSid: leg.streamSid,
      start: {
        accountSid: 'AC0123456789abcdef0123456789abcdef',
        streamSid: leg.streamSid,
        callSid: 'call-1',
        tracks: ['inbound'],
        customParameters: { FirstName: 'Jane' },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    // Key order of Twilio's example.
    assert.deepEqual(Object.keys(start), ['event', 'sequenceNumber', 'streamSid', 'start']);
    assert.deepEqual(Object.keys(start.start), ['accountSid', 'streamSid', 'callSid', 'tracks', 'customParameters', 'mediaFormat']);
  });
});

test('defaults: accountSid AC+32 zeros, callSid = call id, customParameters {}', async () => {
  await withBot({}, async ({ bot }) => {
    const start = bot.events('start')[0];
    assert.equal(start.start.accountSid, `AC${'0'.repeat(32)}`);
    assert.match(start.start.accountSid, /^AC[0-9a-fA-F]{32}$/);
    assert.equal(start.start.callSid, 'call-1');
    assert.deepEqual(start.start.customParameters, {});
  });
});

test('caller audio → media messages: track "inbound", chunk "1","2",…, timestamp ms since start, payload = the μ-law bytes', async () => {
  await withBot({}, async ({ leg, bot, clock }) => {
    const sent: Buffer[] = [];
    clock.tick(5); // the caller's first packet comes 100 ms after start
    for (let i = 0; i < 4; i++) {
      const frame = ulawRamp(20, i * 7);
      sent.push(frame);
      assert.equal(leg.sendRtp(frame, 1000 + i * 160, i === 0), true);
      clock.tick();
    }
    const msgs = await bot.waitEvents('media', 4);
    msgs.forEach((m, i) => {
      assert.deepEqual(Object.keys(m), ['event', 'sequenceNumber', 'media', 'streamSid']);
      assert.deepEqual(Object.keys(m.media), ['track', 'chunk', 'timestamp', 'payload']);
      assert.deepEqual(m, {
        event: 'media',
        sequenceNumber: String(2 + i),
        media: { track: 'inbound', chunk: String(1 + i), timestamp: String(100 + 20 * i), payload: sent[i]!.toString('base64') },
        streamSid: leg.streamSid,
      });
      assert.equal(Buffer.from(m.media.payload, 'base64').length, 160);
    });
    assert.equal(leg.getStats().packetsSent, 4);
    assert.equal(leg.getStats().bytesSent, 640);
  });
});

test('media.timestamp follows the RTP timestamps (a 60 ms gap shows as 60 ms), wrap-safe', async () => {
  await withBot({}, async ({ leg, bot }) => {
    const base = 0xffffff00; // wraps after two frames
    for (const [k, ts] of [base, base + 160, base + 320, base + 800].entries()) leg.sendRtp(ulawRamp(20, k), ts >>> 0, false);
    const msgs = await bot.waitEvents('media', 4);
    assert.deepEqual(msgs.map((m) => m.media.timestamp), ['0', '20', '40', '100']);
  });
});

test('caller DTMF → dtmf {track: "inbound_track", digit}; invalid digits skipped', async () => {
  await withBot({}, async ({ leg, bot }) => {
    await leg.sendDtmf('1#x');
    const msgs = await bot.waitEvents('dtmf', 2);
    await bot.settle();
    assert.equal(bot.events('dtmf').length, 2);
    assert.deepEqual(msgs[0], { event: 'dtmf', streamSid: leg.streamSid, sequenceNumber: '2', dtmf: { track: 'inbound_track', digit: '1' } });
    assert.deepEqual(msgs[1], { event: 'dtmf', streamSid: leg.streamSid, sequenceNumber: '3', dtmf: { track: 'inbound_track', digit: '#' } });
    assert.equal(leg.getStats().dtmfSent, 2);
  });
});

test('close(): stop {accountSid, callSid} last, then the socket closes (1000); idempotent; close("local") once', async () => {
  await withBot({}, async ({ leg, bot }) => {
    const reasons: string[] = [];
    leg.on('close', (r) => reasons.push(r));
    leg.sendRtp(ulawRamp(20), 0, true);
    leg.close();
    leg.close();
    leg.parentClosed();
    assert.equal(leg.closed, true);
    assert.equal(await bot.waitClosed(), 1000);
    const last = bot.json.at(-1);
    assert.deepEqual(last, {
      event: 'stop',
      sequenceNumber: '3',
      stop: { accountSid: `AC${'0'.repeat(32)}`, callSid: 'call-1' },
      streamSid: leg.streamSid,
    });
    assert.deepEqual(Object.keys(last), ['event', 'sequenceNumber', 'stop', 'streamSid']);
    assert.deepEqual(reasons, ['local']);
    assert.equal(leg.sendRtp(ulawRamp(20), 160, false), false);
    await assert.rejects(leg.sendDtmf('1'), { name: 'StreamError', code: 'invalid-state' });
  });
});

test('parentClosed(): stop then close, reason "parent"; the bot closing first gives "remote" and no stop', async () => {
  await withBot({}, async ({ leg, bot }) => {
    const reasons: string[] = [];
    leg.on('close', (r) => reasons.push(r));
    leg.parentClosed();
    await bot.waitClosed();
    assert.equal(bot.json.at(-1).event, 'stop');
    assert.deepEqual(reasons, ['parent']);
  });
  await withBot({}, async ({ leg, bot }) => {
    const reasons: string[] = [];
    leg.on('close', (r) => reasons.push(r));
    bot.ws.close(1000);
    await until(() => leg.closed, 'leg closed');
    assert.deepEqual(reasons, ['remote']);
    assert.equal(bot.events('stop').length, 0);
  });
});

test('autoStart false: only connected until start(); then start "1" and the connected event', async () => {
  await withBot({ autoStart: false }, async ({ leg, bot }) => {
    await until(() => bot.frames.length >= 1, 'connected');
    await bot.settle();
    assert.equal(bot.frames.length, 1);
    assert.equal(leg.sendRtp(ulawRamp(20), 0, true), false);
    let connected = 0;
    leg.on('connected', () => connected++);
    leg.start();
    leg.start();
    const [start] = await bot.waitEvents('start', 1);
    assert.equal(start.sequenceNumber, '1');
    assert.equal(connected, 1);
    assert.equal(leg.getStats().callerDropped, 1);
  });
});

test('before start (autoStart false): bot media and marks wait, a clear keeps its marks, all echoed right after start', async () => {
  await withBot({ autoStart: false }, async ({ leg, bot, call, clock }) => {
    await until(() => bot.frames.length >= 1, 'connected');
    bot.send(media(leg.streamSid, ulawRamp(100)));
    bot.send(mark(leg.streamSid, 'early'));
    bot.send({ event: 'clear', streamSid: leg.streamSid });
    bot.send(media(leg.streamSid, ulawRamp(40)));
    await bot.settle();
    clock.tick(3);
    assert.equal(call.played.length, 0, 'nothing plays before start');
    assert.equal(bot.frames.length, 1, 'nothing but connected before start');
    leg.start();
    const msgs = await bot.waitEvents('mark', 1);
    assert.deepEqual(bot.json.slice(1).map((m) => [m.event, m.sequenceNumber]), [['start', '1'], ['mark', '2']]);
    assert.equal(msgs[0].mark.name, 'early');
    clock.tick(2);
    assert.equal(call.played.length, 2);
  });
});

test('pacing: 5 s of audio sent at once plays one 20 ms frame per tick — 250 frames over 250 consecutive ticks, bytes in order', async () => {
  await withBot({}, async ({ leg, bot, call, clock }) => {
    const audio = ulawRamp(5000);
    for (let off = 0; off < audio.length; off += 800) bot.send(media(leg.streamSid, audio.subarray(off, off + 800)));
    await bot.settle();
    assert.equal(leg.queuedMs, 5000);
    clock.tick(100);
    assert.equal(call.played.length, 100);
    assert.equal(leg.queuedMs, 3000);
    clock.tick(160);
    assert.equal(call.played.length, 250);
    const first = call.played[0]!.tick;
    call.played.forEach((f, i) => {
      assert.equal(f.tick, first + i, 'one frame per tick');
      assert.equal(f.payload.length, 160);
      assert.equal(f.payloadType, 0);
      assert.equal(f.marker, i === 0);
      assert.equal(f.timestamp, i * 160);
      assert.equal(f.sequenceNumber, (call.played[0]!.sequenceNumber + i) & 0xffff);
    });
    assert.deepEqual(Buffer.concat(call.played.map((f) => f.payload)), audio);
    assert.equal(leg.getStats().packetsReceived, 250);
    assert.equal(leg.queuedMs, 0);
  });
});

test('marks echo when the audio before them has played: delay = queued audio (1000 ms → 50 ticks, 1500 ms → 75), in order', async () => {
  await withBot({}, async ({ leg, bot, call, clock }) => {
    const echoes: Array<{ name: string; tick: number }> = [];
    leg.on('mark', (name) => echoes.push({ name, tick: clock.index }));
    bot.send(media(leg.streamSid, ulawRamp(1000)));
    bot.send(mark(leg.streamSid, 'first'));
    bot.send(media(leg.streamSid, ulawRamp(500)));
    bot.send(mark(leg.streamSid, 'second'));
    await bot.settle();
    assert.equal(echoes.length, 0, 'not echoed on receipt');
    assert.equal(leg.getStats().pendingMarks, 2);
    const t0 = clock.index; // last tick before playout begins
    clock.tick(80);
    assert.deepEqual(echoes.map((e) => e.name), ['first', 'second']);
    const delayMs = echoes.map((e) => (e.tick - t0) * 20);
    assert.deepEqual(delayMs, [1000, 1500]);
    // Echoed in the very tick that played the last frame before each mark.
    assert.equal(echoes[0]!.tick, call.played[49]!.tick);
    assert.equal(echoes[1]!.tick, call.played[74]!.tick);
    const msgs = await bot.waitEvents('mark', 2);
    assert.deepEqual(msgs[0], { event: 'mark', sequenceNumber: msgs[0].sequenceNumber, streamSid: leg.streamSid, mark: { name: 'first' } });
    assert.deepEqual(Object.keys(msgs[0]), ['event', 'sequenceNumber', 'streamSid', 'mark']);
    assert.equal(Number(msgs[1].sequenceNumber), Number(msgs[0].sequenceNumber) + 1);
    console.log(`  mark echo delay: queued 1000 ms → ${delayMs[0]} ms, 1500 ms → ${delayMs[1]} ms`);
  });
});

test('a mark with nothing queued is echoed at once (Twilio: "or if there is no audio buffered")', async () => {
  await withBot({}, async ({ leg, bot, clock }) => {
    const echoes: number[] = [];
    leg.on('mark', () => echoes.push(clock.index));
    const before = clock.index;
    await bot.sendAndSettle(mark(leg.streamSid, 'idle'));
    assert.deepEqual(echoes, [before]);
    const [m] = await bot.waitEvents('mark', 1);
    assert.equal(m.mark.name, 'idle');
  });
});

test('a partial last frame waits one tick for more audio, then plays padded with μ-law silence (0xff)', async () => {
  await withBot({}, async ({ leg, bot, call, clock }) => {
    const echoes: number[] = [];
    leg.on('mark', () => echoes.push(clock.index));
    bot.send(media(leg.streamSid, ulawRamp(25)));
    bot.send(mark(leg.streamSid, 'tail'));
    await bot.settle();
    clock.tick(3);
    assert.equal(call.played.length, 2);
    assert.equal(call.played[1]!.tick, call.played[0]!.tick + 2, 'the 5 ms tail waited one tick');
    const tail = call.played[1]!.payload;
    assert.deepEqual([...tail.subarray(0, 40)], [...ulawRamp(25).subarray(160)]);
    assert.ok(tail.subarray(40).every((b) => b === 0xff));
    assert.deepEqual(echoes, [call.played[1]!.tick]);
  });
});

test('clear: queued audio dropped on receipt (0 ticks of it play afterwards), then every pending mark echoed in order', async () => {
  await withBot({}, async ({ leg, bot, call, clock }) => {
    const echoes: Array<{ name: string; tick: number; played: number }> = [];
    leg.on('mark', (name) => echoes.push({ name, tick: clock.index, played: call.played.length }));
    let cleared: [number, number] | undefined;
    leg.on('clear', (ms, n) => (cleared = [ms, n]));
    bot.send(media(leg.streamSid, ulawRamp(2000)));
    bot.send(mark(leg.streamSid, 'a'));
    bot.send(media(leg.streamSid, ulawRamp(1000)));
    bot.send(mark(leg.streamSid, 'b'));
    await bot.settle();
    clock.tick(10);
    assert.equal(call.played.length, 10);
    const clearTick = clock.index;
    await bot.sendAndSettle({ event: 'clear', streamSid: leg.streamSid });
    assert.deepEqual(echoes.map((e) => [e.name, e.tick]), [['a', clearTick], ['b', clearTick]], 'echoed on receipt, before any further tick');
    assert.deepEqual(cleared, [2800, 2]);
    clock.tick(5);
    const afterClear = call.played.filter((f) => f.tick > clearTick).length;
    assert.equal(afterClear, 0, 'no queued frame plays after the clear');
    assert.equal(leg.queuedMs, 0);
    const msgs = await bot.waitEvents('mark', 2);
    assert.deepEqual(msgs.map((m) => m.mark.name), ['a', 'b']);
    // New audio after the clear plays normally (a new talkspurt: marker bit).
    await bot.sendAndSettle(media(leg.streamSid, ulawRamp(40, 99)));
    clock.tick(2);
    assert.equal(call.played.length, 12);
    assert.equal(call.played[10]!.marker, true);
    assert.deepEqual(Buffer.from(call.played[10]!.payload), ulawRamp(40, 99).subarray(0, 160));
    console.log(`  clear latency: ${afterClear} frames of cleared audio played after the clear (0 ticks)`);
  });
});

test('overflow: the queue keeps maxQueueMs, drops the rest, sends one error event per episode, logs', async () => {
  const logged: Array<{ obj: object; msg?: string }> = [];
  const logger = { error: (obj: object, msg?: string) => logged.push({ obj, msg }), warn() {}, info() {} };
  await withBot({ maxQueueMs: 1000, logger }, async ({ leg, bot, call, clock }) => {
    const overflows: number[] = [];
    leg.on('overflow', (ms) => overflows.push(ms));
    bot.send(media(leg.streamSid, ulawRamp(1500)));
    bot.send(media(leg.streamSid, ulawRamp(100))); // same episode: no second error event
    await bot.settle();
    assert.equal(leg.queuedMs, 1000);
    assert.deepEqual(overflows, [500, 100]);
    const [err] = await bot.waitEvents('error', 1);
    await bot.settle();
    assert.equal(bot.events('error').length, 1);
    assert.deepEqual(Object.keys(err), ['event', 'sequenceNumber', 'streamSid', 'error']);
    assert.equal(err.streamSid, leg.streamSid);
    assert.equal(err.sequenceNumber, '2');
    assert.equal(err.error.code, 'queue_overflow');
    assert.match(err.error.message, /dropped 500 ms/);
    assert.equal(logged.length, 2);
    assert.match(logged[0]!.msg!, /queue full/);
    clock.tick(60);
    assert.equal(call.played.length, 50, 'exactly the 1000 ms that fit');
    // A message that fits ends the episode; the next overflow is reported again.
    bot.send(media(leg.streamSid, ulawRamp(200)));
    bot.send(media(leg.streamSid, ulawRamp(1000)));
    await bot.settle();
    await bot.waitEvents('error', 2);
    const s = leg.getStats();
    assert.equal(s.overflows, 3);
    assert.equal(s.overflowDroppedMs, 800);
  });
});

test('invalid bot messages are logged, counted and ignored (error event "invalid_message"); the stream carries on', async () => {
  const logged: string[] = [];
  const logger = { error: (o: object) => logged.push((o as { reason: string }).reason), warn() {}, info() {} };
  await withBot({ logger }, async ({ leg, bot, call, clock }) => {
    const invalid: string[] = [];
    leg.on('invalid', (e) => invalid.push(`${e.code}: ${e.message}`));
    const sid = leg.streamSid;
    const bad: unknown[] = [
      'not json',
      '[1,2]',
      '{"streamSid":"x"}',
      { event: 'dtmf', streamSid: sid, dtmf: { digit: '1' } },
      { event: 'media', streamSid: sid },
      { event: 'media', streamSid: sid, media: { payload: '' } },
      { event: 'media', streamSid: sid, media: { payload: 'AA!A' } },
      { event: 'media', streamSid: 'MZ00000000000000000000000000000000', media: { payload: 'AAAA' } },
      { event: 'mark', streamSid: sid, mark: {} },
      { event: 'mark', streamSid: sid, mark: { name: 'x'.repeat(2000) } },
    ];
    for (const m of bad) bot.send(m);
    bot.sendBinary(Buffer.from([1, 0, 2, 0, 0]));
    bot.send(media(sid, ulawRamp(20, 5)));
    await bot.settle();
    assert.equal(leg.closed, false);
    assert.equal(invalid.length, 11);
    assert.ok(invalid.every((m) => m.startsWith('invalid-message: ')));
    assert.deepEqual(logged, invalid.map((m) => m.slice('invalid-message: '.length)));
    assert.match(invalid[0]!, /not JSON/);
    assert.match(invalid[3]!, /unknown event "dtmf"/);
    assert.match(invalid[6]!, /not base64/);
    assert.match(invalid[7]!, /streamSid/);
    assert.match(invalid[10]!, /binary frame in twilio mode/);
    const errors = await bot.waitEvents('error', 10);
    await bot.settle();
    assert.equal(bot.events('error').length, 10, 'at most maxInvalidNotices (10) error events');
    assert.ok(errors.every((e) => e.error.code === 'invalid_message' && e.streamSid === sid));
    assert.equal(leg.getStats().invalidMessages, 11);
    clock.tick(1);
    assert.equal(call.played.length, 1);
    assert.deepEqual(Buffer.from(call.played[0]!.payload), ulawRamp(20, 5));
  });
});

test('streamSid may be omitted by the bot (xbridge examples carry it, lenient either way)', async () => {
  await withBot({}, async ({ leg, bot, call, clock }) => {
    await bot.sendAndSettle({ event: 'media', media: { payload: ulawRamp(20).toString('base64') } });
    clock.tick(1);
    assert.equal(call.played.length, 1);
    assert.equal(leg.getStats().invalidMessages, 0);
  });
});

test('tracks both: each frame played into the call also goes to the bot as track "outbound" media', async () => {
  await withBot({ tracks: ['inbound', 'outbound'] }, async ({ leg, bot, clock }) => {
    assert.deepEqual(bot.events('start')[0].start.tracks, ['inbound', 'outbound']);
    leg.sendRtp(ulawRamp(20, 1), 0, true);
    await bot.sendAndSettle(media(leg.streamSid, ulawRamp(40, 50)));
    clock.tick(2);
    const out = (await bot.waitEvents('media', 3)).filter((m) => m.media.track === 'outbound');
    assert.equal(out.length, 2);
    assert.deepEqual(out.map((m) => m.media.chunk), ['1', '2']);
    assert.equal(Number(out[1].media.timestamp) - Number(out[0].media.timestamp), 20);
    assert.deepEqual(Buffer.from(out[0].media.payload, 'base64'), ulawRamp(40, 50).subarray(0, 160));
  });
});

test('sequenceNumber: every message after connected, strings counting from "1" with no gap, across event kinds', async () => {
  await withBot({}, async ({ leg, bot, clock }) => {
    leg.sendRtp(ulawRamp(20), 0, true);
    await leg.sendDtmf('5');
    bot.send(media(leg.streamSid, ulawRamp(20)));
    bot.send(mark(leg.streamSid, 'm'));
    bot.send('garbage');
    await bot.settle();
    clock.tick(1);
    leg.sendRtp(ulawRamp(20), 160, false);
    leg.close();
    await bot.waitClosed();
    const msgs = bot.json;
    assert.equal(msgs[0].event, 'connected');
    assert.equal('sequenceNumber' in msgs[0], false);
    const seqs = msgs.slice(1).map((m) => m.sequenceNumber);
    assert.ok(seqs.every((s) => typeof s === 'string'));
    assert.deepEqual(seqs, seqs.map((_, i) => String(i + 1)));
    assert.deepEqual(msgs.slice(1).map((m) => m.event), ['start', 'media', 'dtmf', 'error', 'mark', 'media', 'stop']);
  });
});
