/**
 * Native binary mode (`?mode=native`) over a real WebSocket on 127.0.0.1: start announces PCM16,
 * caller audio goes out as `[0x01][len BE][PCM16 LE]` binary frames (no JSON media), the bot's
 * binary frames are validated and played paced, mark/clear stay JSON, and bad frames are ignored.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBot } from './testing/harness.ts';

/** `n` PCM16 samples counting up from `from`, as big-endian (RTP L16) and little-endian bytes. */
function samples(n: number, from = 0): { be: Buffer; le: Buffer } {
  const be = Buffer.alloc(n * 2);
  const le = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const v = ((from + i * 37) % 65536) - 32768;
    be.writeInt16BE(v, i * 2);
    le.writeInt16LE(v, i * 2);
  }
  return { be, le };
}

function nativeFrame(le: Uint8Array): Buffer {
  const f = Buffer.alloc(3 + le.length);
  f[0] = 0x01;
  f.writeUInt16BE(le.length, 1);
  f.set(le, 3);
  return f;
}

test('native: start says audio/x-l16; caller audio → binary frames [0x01][0x01 0x40][320 bytes PCM16 LE], no JSON media', async () => {
  await withBot({ query: 'mode=native' }, async ({ leg, bot }) => {
    const start = bot.events('start')[0];
    assert.deepEqual(start.start.mediaFormat, { encoding: 'audio/x-l16', sampleRate: 8000, channels: 1 });
    assert.deepEqual(leg.sendCodec, { name: 'L16', payloadType: 96, clockRate: 8000, channels: 1 });
    const a = samples(160, 1);
    const b = samples(160, 9000);
    leg.sendRtp(a.be, 0, true);
    leg.sendRtp(b.be, 160, false);
    await bot.settle();
    await leg.sendDtmf('7');
    await bot.waitEvents('dtmf', 1);
    const frames = bot.binary();
    assert.equal(frames.length, 2);
    for (const [i, f] of frames.entries()) {
      assert.equal(f.length, 323);
      assert.deepEqual([...f.subarray(0, 3)], [0x01, 0x01, 0x40]);
      assert.deepEqual(f.subarray(3), [a, b][i]!.le);
    }
    assert.equal(bot.events('media').length, 0);
    // JSON messages keep their own sequence (binary frames carry none).
    assert.deepEqual(bot.json.map((m) => [m.event, m.sequenceNumber]), [['connected', undefined], ['start', '1'], ['dtmf', '2']]);
  });
});

test('native at 16 kHz: 640-byte frames (header 0x01 0x02 0x80)', async () => {
  await withBot({ query: 'mode=native&sample_rate=16000' }, async ({ leg, bot }) => {
    assert.equal(bot.events('start')[0].start.mediaFormat.sampleRate, 16000);
    leg.sendRtp(samples(320).be, 0, true);
    await bot.settle();
    const [f] = bot.binary();
    assert.deepEqual([...f!.subarray(0, 3)], [0x01, 0x02, 0x80]);
    assert.equal(f!.length, 643);
  });
});

test('native: the bot\'s binary frames play one per tick as L16 (big-endian toward the call); marks and clear are JSON', async () => {
  await withBot({ query: 'mode=native' }, async ({ leg, bot, call, clock }) => {
    const echoes: number[] = [];
    leg.on('mark', () => echoes.push(clock.index));
    const audio = samples(8000, 5); // 1 s
    for (let off = 0; off < audio.le.length; off += 3200) bot.sendBinary(nativeFrame(audio.le.subarray(off, off + 3200)));
    bot.send({ event: 'mark', streamSid: leg.streamSid, mark: { name: 'spoken' } });
    bot.sendBinary(nativeFrame(samples(1600).le)); // 200 ms more, to be cleared
    await bot.settle();
    assert.equal(leg.queuedMs, 1200);
    const t0 = clock.index;
    clock.tick(50);
    assert.equal(call.played.length, 50);
    assert.deepEqual(Buffer.concat(call.played.map((f) => f.payload)), audio.be);
    assert.ok(call.played.every((f) => f.payload.length === 320 && f.payloadType === 96));
    assert.deepEqual(echoes, [t0 + 50]);
    await bot.sendAndSettle({ event: 'clear', streamSid: leg.streamSid });
    clock.tick(3);
    assert.equal(call.played.length, 50);
    const [m] = await bot.waitEvents('mark', 1);
    assert.equal(m.mark.name, 'spoken');
  });
});

test('native: bad binary frames (short, wrong tag, length mismatch, odd length, empty) are ignored; the stream carries on', async () => {
  await withBot({ query: 'mode=native' }, async ({ leg, bot, call, clock }) => {
    const reasons: string[] = [];
    leg.on('invalid', (e) => reasons.push(e.message));
    const good = samples(160, 3);
    bot.sendBinary(Buffer.from([0x01, 0x00]));
    bot.sendBinary(Buffer.concat([Buffer.from([0x02, 0x01, 0x40]), good.le]));
    bot.sendBinary(Buffer.concat([Buffer.from([0x01, 0x01, 0x00]), good.le]));
    bot.sendBinary(Buffer.from([0x01, 0x00, 0x03, 1, 2, 3]));
    bot.sendBinary(Buffer.from([0x01, 0x00, 0x00]));
    bot.send({ event: 'media', streamSid: leg.streamSid, media: { payload: Buffer.from([1, 2, 3]).toString('base64') } });
    bot.sendBinary(nativeFrame(good.le));
    await bot.settle();
    assert.equal(reasons.length, 6);
    assert.match(reasons[0]!, /shorter than the 3-byte header/);
    assert.match(reasons[1]!, /tag 0x02/);
    assert.match(reasons[2]!, /declares 256 audio bytes but carries 320/);
    assert.match(reasons[3]!, /not whole 16-bit samples/);
    assert.match(reasons[4]!, /no audio/);
    assert.match(reasons[5]!, /3 bytes is not whole 16-bit samples/);
    assert.equal(leg.closed, false);
    clock.tick(1);
    assert.equal(call.played.length, 1);
    assert.deepEqual(Buffer.from(call.played[0]!.payload), good.be);
  });
});

test('native mode refuses an outbound track and an explicit μ-law encoding', async () => {
  await assert.rejects(withBot({ query: 'mode=native', tracks: ['inbound', 'outbound'] }, async () => {}), { code: 'bad-options' });
  await assert.rejects(withBot({ query: 'mode=native&encoding=audio/x-mulaw' }, async () => {}), { code: 'bad-format' });
});
