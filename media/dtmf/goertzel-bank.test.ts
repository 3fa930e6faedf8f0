import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoertzelBank } from './goertzel-bank.ts';
import { ToneGenerator } from '../tone.ts';

test('a tone reads as A²/2 at its frequency and barely elsewhere; block power matches', () => {
  const x = new Int16Array(102);
  new ToneGenerator({ frequency: 770, sampleRate: 8000, amplitude: 0.5, phase: 1 }).fill(x);
  const bank = new GoertzelBank([697, 770, 1209], 8000, 102);
  assert.equal(bank.feed(x, 0), 102);
  assert.equal(bank.blockReady, true);
  const a = 0.5 * 32767;
  // 9.8 cycles in the block: the negative-frequency image adds a few per cent (3 % here).
  assert.ok(Math.abs(bank.power[1]! / (a * a / 2) - 1) < 0.05, `at 770: ${bank.power[1]}`);
  assert.ok(bank.power[0]! / bank.power[1]! < 0.01, 'neighbouring row 73 Hz away is > 20 dB down');
  assert.ok(bank.power[2]! / bank.power[1]! < 0.01, 'a column 439 Hz away is > 20 dB down');
  assert.ok(Math.abs(bank.meanPower / (a * a / 2) - 1) < 0.03);
});

test('frames of any size give the same blocks; the phase step between blocks is ω·N', () => {
  const x = new Int16Array(102 * 4);
  new ToneGenerator({ frequency: 1336, sampleRate: 8000, amplitude: 0.3 }).fill(x);
  const whole = new GoertzelBank([1336], 8000, 102);
  const chunked = new GoertzelBank([1336], 8000, 102);
  const steps: number[] = [];
  let prev: [number, number] | undefined;
  for (let i = 0; i < x.length; ) {
    i = whole.feed(x, i);
    assert.equal(whole.blockReady, true);
    const cur: [number, number] = [whole.re[0]!, whole.im[0]!];
    if (prev) steps.push(Math.atan2(cur[1] * prev[0] - cur[0] * prev[1], cur[0] * prev[0] + cur[1] * prev[1]));
    prev = cur;
  }
  const expected = Math.atan2(Math.sin((2 * Math.PI * 1336 * 102) / 8000), Math.cos((2 * Math.PI * 1336 * 102) / 8000));
  for (const s of steps) assert.ok(Math.abs(s - expected) < 0.01, `step ${s} vs ${expected}`);
  const powers: number[] = [];
  for (let i = 0; i < x.length; i += 37) {
    const frame = x.subarray(i, i + 37);
    for (let j = 0; j < frame.length; ) {
      j = chunked.feed(frame, j);
      if (chunked.blockReady) powers.push(chunked.power[0]!);
    }
  }
  assert.equal(powers.length, 4);
  assert.ok(Math.abs(powers[3]! - whole.power[0]!) < 1e-6 * whole.power[0]!);
  assert.equal(chunked.fill, 0);
});
