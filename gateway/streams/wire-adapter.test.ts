/**
 * WireAdapter by itself: passthrough (μ-law untouched, PCM16 byte-swapped BE ⇄ LE), and the
 * transcoding paths for other call codecs — PCMA opposite μ-law, G.722 opposite PCM16 16 kHz,
 * PCMU opposite PCM16 48 kHz through the resampler — judged by sizes and a 1 kHz tone.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createDecoder, createEncoder, initResampler, ToneGenerator, type CodecName } from '../../media/index.ts';
import { toneCorrelation } from '../../media/testing/index.ts';
import { resolveStreamFormat } from './stream-format.ts';
import { WireAdapter, wireCallCodec } from './wire-adapter.ts';

before(() => initResampler());

test('passthrough: μ-law returns the very bytes; PCM16 swaps byte pairs each way; views reused, plain Uint8Array', () => {
  const mulaw = new WireAdapter(resolveStreamFormat());
  assert.equal(mulaw.passthrough, true);
  const p = new Uint8Array(160).fill(7);
  assert.equal(mulaw.toWire(p), p);
  assert.equal(mulaw.fromWire(p), p);
  const l16 = new WireAdapter(resolveStreamFormat({ sampleRate: 16000 }));
  assert.deepEqual(l16.callCodec, wireCallCodec({ encoding: 'audio/x-l16', sampleRate: 16000 }));
  const be = Uint8Array.from({ length: 640 }, (_, i) => i & 0xff);
  const le = l16.toWire(be);
  assert.equal(le.constructor, Uint8Array);
  assert.deepEqual([...le.subarray(0, 4)], [1, 0, 3, 2]);
  assert.deepEqual([...l16.fromWire(le)], [...be]);
  assert.equal(l16.fromWire(le), l16.fromWire(le), 'same view each frame');
});

function toneFrames(codec: CodecName, rate: number, frames: number): Uint8Array[] {
  const enc = createEncoder(codec, { sampleRate: rate });
  const tone = new ToneGenerator({ frequency: 1000, sampleRate: rate, dbfs: -10 });
  const pcm = new Int16Array(rate / 50);
  return Array.from({ length: frames }, () => {
    tone.fill(pcm);
    const out = new Uint8Array(2000);
    return out.slice(0, enc.encode(pcm, out));
  });
}

for (const [name, codec, rate, wireRate, wireBytes] of [
  ['PCMA ⇄ μ-law 8 kHz', 'PCMA', 8000, 8000, 160],
  ['G.722 ⇄ PCM16 16 kHz', 'G722', 16000, 16000, 640],
  ['PCMU ⇄ PCM16 48 kHz (resampled)', 'PCMU', 8000, 48000, 1920],
] as const) {
  test(`transcoding: ${name} keeps 20 ms frames and a 1 kHz tone`, () => {
    const format = resolveStreamFormat({ sampleRate: wireRate, encoding: wireRate === 8000 ? 'audio/x-mulaw' : 'audio/x-l16' });
    const callCodec = { name: codec, payloadType: 100, clockRate: 8000, channels: 1 };
    const a = new WireAdapter(format, callCodec);
    assert.equal(a.passthrough, false);
    assert.equal(a.resampling, rate !== wireRate);
    const wire = toneFrames(codec, rate, 25).map((f) => a.toWire(f).slice());
    assert.ok(wire.every((w) => w.length === wireBytes), `${wire[0]!.length} bytes per 20 ms on the wire`);
    const back = wire.map((w) => a.fromWire(w).slice());
    const dec = createDecoder(codec, { sampleRate: rate });
    const pcm = new Int16Array((rate / 50) * 25);
    back.forEach((b, i) => dec.decode(b, pcm.subarray(i * (rate / 50))));
    assert.ok(toneCorrelation(pcm.subarray(rate / 10), rate, 1000) > 0.95);
    a.close();
    a.close();
  });
}

test('an Opus call codec is refused (the Bridge codes Opus at the stream rate instead)', () => {
  assert.throws(() => new WireAdapter(resolveStreamFormat(), { name: 'opus', payloadType: 111, clockRate: 48000, channels: 2 }), { code: 'bad-options' });
});
