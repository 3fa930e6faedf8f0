import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaClock, initResampler } from '../../../media/index.ts';
import { ManualClockDriver } from '../../../media/clock-manual.ts';
import { legCodec } from '../leg-codec.ts';
import { BotMediaLeg } from './bot-media-leg.ts';
import { Player } from './player.ts';

await initResampler();

test('Player cuts 8 kHz PCM into 20 ms frames of the codec, loops, and pads the last frame', () => {
  const pcm = new Int16Array(400).fill(1000); // 50 ms
  const p = new Player('play_0', pcm, 2, legCodec('PCMU'));
  const frames: number[] = [];
  for (let f = p.next(); f; f = p.next()) frames.push(f.length);
  // 50 ms → 3 frames per loop (the third padded), two loops.
  assert.deepEqual(frames, [160, 160, 160, 160, 160, 160]);
  assert.equal(p.done, true);
  p.close();
});

test('Player resamples into a wideband codec', () => {
  const p = new Player('play_1', new Int16Array(160), 1, { name: 'L16', payloadType: 96, clockRate: 16000, channels: 1 });
  assert.equal(p.next()!.length, 640);
  p.close();
});

test('BotMediaLeg plays on the tick grid and reports how playback ended', () => {
  const driver = new ManualClockDriver();
  const clock = new MediaClock({ driver, spinMs: 0 });
  clock.start();
  const leg = new BotMediaLeg({ codec: legCodec('PCMU'), clock, id: 'bot-1' });
  const sent: number[] = [];
  leg.on('rtp', (p) => sent.push(p.timestamp));
  const finished: Array<[string, boolean]> = [];
  leg.onBot('playFinished', (id, interrupted) => finished.push([id, interrupted]));
  const id = leg.play(new Int16Array(480), 1);
  assert.equal(id, 'play_0');
  driver.advance(100);
  assert.deepEqual(sent.slice(0, 3), [0, 160, 320]);
  assert.deepEqual(finished, [['play_0', false]]);
  leg.play(new Int16Array(8000), 0);
  assert.equal(leg.playing, 'play_1');
  assert.equal(leg.stopPlay(), true);
  assert.equal(leg.stopPlay(), false);
  assert.deepEqual(finished.at(-1), ['play_1', true]);
  leg.play(new Int16Array(8000), 0);
  leg.parentClosed();
  assert.deepEqual(finished.at(-1), ['play_2', true]);
  clock.stop();
});

test('BotMediaLeg sends silence every tick while nothing else plays (callers get an unbroken stream)', () => {
  const driver = new ManualClockDriver();
  const clock = new MediaClock({ driver, spinMs: 0 });
  clock.start();
  const leg = new BotMediaLeg({ codec: legCodec('PCMA'), clock, id: 'bot-2' });
  const frames: Uint8Array[] = [];
  leg.on('rtp', (p) => frames.push(p.payload.slice()));
  driver.advance(200);
  assert.equal(frames.length, 10);
  assert.ok(frames.every((f) => f.length === 160 && f.every((b) => b === 0xd5)), 'A-law silence');
  leg.parentClosed();
  driver.advance(100);
  assert.equal(frames.length, 10, 'nothing after close');
  clock.stop();
});
