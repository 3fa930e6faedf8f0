/**
 * Wideband streams: `audio/x-l16` at 8/16/24/48 kHz, chosen by `?sample_rate=` (or the config).
 * Frame sizes on the wire (R/50 samples, 2 bytes each, little-endian), and a 1 kHz tone from a
 * PCMU (8 kHz) caller surviving the round trip caller → resample → bot → resample → caller,
 * judged by frequency (Goertzel) and level on what the bot and the call receive.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initResampler, ToneGenerator, ulawDecode, ulawEncode } from '../../media/index.ts';
import { goertzelPower, rmsDbfs, toneCorrelation } from '../../media/testing/index.ts';
import { STREAM_SAMPLE_RATES } from './stream-format.ts';
import { withBot } from './testing/harness.ts';

before(() => initResampler());

const PCMU = { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 } as const;

function le16(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
  return out;
}

/** How clearly `pcm` is a 1 kHz tone: Goertzel power at 1 kHz over the strongest of some other bins (dB). */
function toneMarginDb(pcm: Int16Array, rate: number): number {
  const at = goertzelPower(pcm, rate, 1000);
  const others = [300, 500, 700, 1300, 1500, 2000, 3000].map((f) => goertzelPower(pcm, rate, f));
  return 10 * Math.log10(at / Math.max(...others));
}

for (const rate of STREAM_SAMPLE_RATES) {
  test(`l16 @ ${rate} Hz: start announces it; 20 ms frames are ${rate / 25} bytes each way (call codec L16/${rate})`, async () => {
    await withBot({ query: `sample_rate=${rate}&encoding=audio/x-l16` }, async ({ leg, bot, call, clock }) => {
      assert.deepEqual(bot.events('start')[0].start.mediaFormat, { encoding: 'audio/x-l16', sampleRate: rate, channels: 1 });
      assert.deepEqual(leg.sendCodec, { name: 'L16', payloadType: 96, clockRate: rate, channels: 1 });
      const be = Buffer.alloc(rate / 25);
      for (let i = 0; i < be.length / 2; i++) be.writeInt16BE(i * 11 - 1000, i * 2);
      leg.sendRtp(be, 0, true);
      leg.sendRtp(be, rate / 50, false);
      const msgs = await bot.waitEvents('media', 2);
      for (const m of msgs) {
        const wire = Buffer.from(m.media.payload, 'base64');
        assert.equal(wire.length, rate / 25);
        for (let i = 0; i < wire.length / 2; i++) assert.equal(wire.readInt16LE(i * 2), be.readInt16BE(i * 2));
      }
      assert.deepEqual(msgs.map((m) => m.media.timestamp), ['0', '20']);
      // Back: 100 ms of the bot's LE audio → 5 frames of rate/25 bytes, big-endian toward the call.
      const back = Buffer.alloc((rate / 25) * 5);
      for (let i = 0; i < back.length / 2; i++) back.writeInt16LE((i * 7) % 30000, i * 2);
      await bot.sendAndSettle({ event: 'media', streamSid: leg.streamSid, media: { payload: back.toString('base64') } });
      clock.tick(5);
      assert.equal(call.played.length, 5);
      const played = Buffer.concat(call.played.map((f) => f.payload));
      assert.ok(call.played.every((f) => f.payload.length === rate / 25));
      for (let i = 0; i < back.length / 2; i++) assert.equal(played.readInt16BE(i * 2), back.readInt16LE(i * 2));
      assert.deepEqual(call.played.map((f) => f.timestamp), [0, 1, 2, 3, 4].map((k) => (k * rate) / 50));
    });
  });

  test(`1 kHz tone round trip, PCMU caller ⇄ bot at l16 ${rate} Hz (sample_rate query only; leg resamples)`, async () => {
    await withBot({ query: `sample_rate=${rate}`, config: { encoding: 'audio/x-mulaw', sample_rate: 8000 }, callCodec: PCMU }, async ({ leg, bot, call, clock }) => {
      assert.equal(bot.events('start')[0].start.mediaFormat.encoding, rate === 8000 ? 'audio/x-mulaw' : 'audio/x-l16');
      assert.equal(leg.getStats().resampling, rate !== 8000);
      const tone = new ToneGenerator({ frequency: 1000, sampleRate: 8000, dbfs: -10 });
      const pcm = new Int16Array(160);
      const ulaw = new Uint8Array(160);
      for (let i = 0; i < 50; i++) {
        tone.fill(pcm);
        ulawEncode(pcm, ulaw);
        leg.sendRtp(ulaw, i * 160, i === 0);
      }
      const msgs = await bot.waitEvents('media', 50);
      const wire = msgs.map((m) => Buffer.from(m.media.payload, 'base64'));
      const frameBytes = rate === 8000 ? 160 : rate / 25;
      assert.ok(wire.every((w) => w.length === frameBytes), `every message one 20 ms frame of ${frameBytes} bytes`);
      // What the bot hears (skip 40 ms of resampler start-up).
      const botPcm = rate === 8000 ? (() => { const o = new Int16Array(8000); ulawDecode(Buffer.concat(wire), o); return o; })() : le16(Buffer.concat(wire));
      const heard = botPcm.subarray((rate / 1000) * 40);
      const botMargin = toneMarginDb(heard, rate);
      assert.ok(toneCorrelation(heard, rate, 1000) > 0.95, 'the bot hears a clean 1 kHz tone');
      assert.ok(botMargin > 30, `1 kHz stands ${botMargin.toFixed(1)} dB above other bins at the bot`);
      assert.ok(Math.abs(rmsDbfs(heard) - (-13)) < 1, `level ${rmsDbfs(heard).toFixed(2)} dBFS ≈ -13 (a -10 dBFS peak sine)`);
      // The bot plays it straight back, all at once.
      await bot.sendAndSettle({ event: 'media', streamSid: leg.streamSid, media: { payload: Buffer.concat(wire).toString('base64') } });
      clock.tick(52);
      assert.equal(call.played.length, 50);
      assert.ok(call.played.every((f) => f.payload.length === 160 && f.payloadType === 0));
      const back = new Int16Array(8000);
      ulawDecode(Buffer.concat(call.played.map((f) => f.payload)), back);
      const caller = back.subarray(8 * 80);
      const callMargin = toneMarginDb(caller, 8000);
      assert.ok(toneCorrelation(caller, 8000, 1000) > 0.95, 'the caller hears a clean 1 kHz tone');
      assert.ok(callMargin > 25, `1 kHz stands ${callMargin.toFixed(1)} dB above other bins at the caller`);
      assert.ok(Math.abs(rmsDbfs(caller) - (-13)) < 1.5, `level ${rmsDbfs(caller).toFixed(2)} dBFS`);
      console.log(`  ${rate} Hz: tone margin at bot ${botMargin.toFixed(1)} dB, back at caller ${callMargin.toFixed(1)} dB`);
    });
  });
}

test('native 48 kHz with an L16/16000 call codec: 1920-byte frames, tone intact both ways', async () => {
  const L16_16K = { name: 'L16', payloadType: 96, clockRate: 16000, channels: 1 } as const;
  await withBot({ query: 'mode=native&sample_rate=48000', callCodec: L16_16K }, async ({ leg, bot, call, clock }) => {
    const tone = new ToneGenerator({ frequency: 1000, sampleRate: 16000, dbfs: -6 });
    const pcm = new Int16Array(320);
    const be = Buffer.alloc(640);
    for (let i = 0; i < 25; i++) {
      tone.fill(pcm);
      for (let k = 0; k < 320; k++) be.writeInt16BE(pcm[k]!, k * 2);
      leg.sendRtp(be, i * 320, i === 0);
    }
    await bot.settle();
    const frames = bot.binary();
    assert.equal(frames.length, 25);
    assert.ok(frames.every((f) => f.length === 3 + 1920 && f[0] === 1 && f.readUInt16BE(1) === 1920));
    const heard = le16(Buffer.concat(frames.map((f) => f.subarray(3)))).subarray(48 * 40);
    assert.ok(toneMarginDb(heard, 48000) > 30);
    for (const f of frames) bot.sendBinary(f);
    await bot.settle();
    clock.tick(26);
    assert.equal(call.played.length, 25);
    const back = new Int16Array(25 * 320);
    Buffer.concat(call.played.map((f) => f.payload)).forEach((_, i, b) => {
      if (i % 2 === 0) back[i / 2] = (b[i]! << 24) >> 16 | b[i + 1]!;
    });
    const caller = back.subarray(16 * 80);
    assert.ok(toneCorrelation(caller, 16000, 1000) > 0.95);
    assert.ok(toneMarginDb(caller, 16000) > 30);
  });
});
