/**
 * G.711 tests: the table codec against two independent straightforward reference algorithms over
 * every 16-bit input and every code word, plus the frame API and concealment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alawDecode,
  alawDecodeSample,
  alawEncode,
  alawEncodeSample,
  PcmaDecoder,
  PcmaEncoder,
  PcmuDecoder,
  PcmuEncoder,
  ulawDecode,
  ulawDecodeSample,
  ulawEncode,
  ulawEncodeSample,
} from './g711.ts';
import { loadSpeech } from '../testing/speech.ts';
import { snrDb } from '../testing/signal.ts';

// ---------------------------------------------------------------------------------------------
// Reference 1: the classic Sun Microsystems g711.c (BIAS 0x84, 16-bit segment end table, linear
// segment search). `itu` selects how a negative sample's magnitude is taken: the ITU-T reference
// uses the one's complement (-x - 1; WebRTC carries the same one-line fix "to get bitexact to the
// reference implementation"); the classic code uses -x (μ-law) and -x - 8 (A-law).
// ---------------------------------------------------------------------------------------------
const BIAS = 0x84;
const SEG_END = [0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff, 0x3fff, 0x7fff];

function search(value: number): number {
  for (let i = 0; i < SEG_END.length; i++) if (value <= SEG_END[i]!) return i;
  return SEG_END.length;
}

function sunLinear2ulaw(pcm: number, itu: boolean): number {
  let mask: number;
  if (pcm < 0) {
    pcm = itu ? BIAS - pcm - 1 : BIAS - pcm;
    mask = 0x7f;
  } else {
    pcm += BIAS;
    mask = 0xff;
  }
  const seg = search(pcm);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((pcm >> (seg + 3)) & 0x0f)) ^ mask;
}

function sunLinear2alaw(pcm: number, itu: boolean): number {
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    pcm = itu ? -pcm - 1 : -pcm - 8;
  }
  const seg = search(pcm);
  if (seg >= 8) return 0x7f ^ mask;
  const aval = seg << 4;
  // `>>` on a negative pcm (classic code, inputs -1..-7) reproduces C's arithmetic shift.
  return (aval | ((seg < 2 ? pcm >> 4 : pcm >> (seg + 3)) & 0x0f)) ^ mask;
}

function sunUlaw2linear(code: number): number {
  const u = ~code & 0xff;
  let t = ((u & 0x0f) << 3) + BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? BIAS - t : t - BIAS;
}

function sunAlaw2linear(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

// ---------------------------------------------------------------------------------------------
// Reference 2: the ITU-T G.191 STL formulation (shift-and-count loops, no tables).
// ---------------------------------------------------------------------------------------------
function stlUlawCompress(x: number): number {
  let absno = x < 0 ? (~x >> 2) + 33 : (x >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let i = absno >> 6;
  let segno = 1;
  while (i !== 0) {
    segno++;
    i >>= 1;
  }
  const high = 8 - segno;
  const low = 0x0f - ((absno >> segno) & 0x0f);
  let y = (high << 4) | low;
  if (x >= 0) y |= 0x80;
  return y;
}

function stlAlawCompress(x: number): number {
  let ix = x < 0 ? ~x >> 4 : x >> 4;
  if (ix > 15) {
    let iexp = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      iexp++;
    }
    ix -= 16;
    ix += iexp << 4;
  }
  if (x >= 0) ix |= 0x80;
  return ix ^ 0x55;
}

function stlUlawExpand(code: number): number {
  const sign = code < 0x80 ? -1 : 1;
  const m = ~code;
  const exponent = (m >> 4) & 0x07;
  const segment = exponent + 1;
  const mantissa = m & 0x0f;
  const step = 4 << segment;
  return (sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33)) | 0; // | 0: no -0
}

function stlAlawExpand(code: number): number {
  let ix = code ^ 0x55;
  ix &= 0x7f;
  const iexp = ix >> 4;
  let mant = ix & 0x0f;
  if (iexp > 0) mant += 16;
  mant = (mant << 4) + 0x08;
  if (iexp > 1) mant <<= iexp - 1;
  return code > 127 ? mant : -mant;
}

const ALL = new Int16Array(65536);
for (let i = 0; i < 65536; i++) ALL[i] = i - 32768;

test('μ-law encoding is bit-exact with both references for all 65 536 inputs', () => {
  const out = new Uint8Array(65536);
  ulawEncode(ALL, out);
  let mismatches = 0;
  for (let i = 0; i < 65536; i++) {
    const x = ALL[i]!;
    const want = stlUlawCompress(x);
    if (out[i] !== want || sunLinear2ulaw(x, true) !== want || ulawEncodeSample(x) !== want) {
      if (mismatches++ < 5) assert.fail(`x=${x}: got ${out[i]}, STL ${want}, Sun ${sunLinear2ulaw(x, true)}`);
    }
  }
  assert.equal(mismatches, 0);
});

test('A-law encoding is bit-exact with both references for all 65 536 inputs', () => {
  const out = new Uint8Array(65536);
  alawEncode(ALL, out);
  for (let i = 0; i < 65536; i++) {
    const x = ALL[i]!;
    const want = stlAlawCompress(x);
    if (out[i] !== want || sunLinear2alaw(x, true) !== want || alawEncodeSample(x) !== want) {
      assert.fail(`x=${x}: got ${out[i]}, STL ${want}, Sun ${sunLinear2alaw(x, true)}`);
    }
  }
});

test('decoding matches both references for all 256 code words', () => {
  const codes = new Uint8Array(256).map((_, i) => i);
  const mu = new Int16Array(256);
  const a = new Int16Array(256);
  ulawDecode(codes, mu);
  alawDecode(codes, a);
  for (let c = 0; c < 256; c++) {
    assert.equal(mu[c], sunUlaw2linear(c), `μ-law code ${c}`);
    assert.equal(mu[c], stlUlawExpand(c), `μ-law code ${c} (STL)`);
    assert.equal(ulawDecodeSample(c), mu[c]);
    assert.equal(a[c], sunAlaw2linear(c), `A-law code ${c}`);
    assert.equal(a[c], stlAlawExpand(c), `A-law code ${c} (STL)`);
    assert.equal(alawDecodeSample(c), a[c]);
  }
});

test('known code words and full-scale clipping', () => {
  assert.deepEqual(
    [0, -1, 1, 32767, -32768, 8159 * 4, -8159 * 4].map(ulawEncodeSample),
    [0xff, 0x7f, 0xff, 0x80, 0x00, 0x80, 0x00],
  );
  assert.deepEqual([0, -1, -8, 32767, -32768].map(alawEncodeSample), [0xd5, 0x55, 0x55, 0xaa, 0x2a]);
  assert.deepEqual([0x00, 0x80, 0xff, 0x7f].map(ulawDecodeSample), [-32124, 32124, 0, 0]);
  assert.deepEqual([0x2a, 0xaa, 0xd5, 0x55].map(alawDecodeSample), [-32256, 32256, 8, -8]);
});

test('the unmodified classic Sun code differs only on negative inputs, by one step', () => {
  let muDiff = 0;
  let aDiff = 0;
  for (let x = -32768; x < 32768; x++) {
    const ours = ulawEncodeSample(x);
    const sun = sunLinear2ulaw(x, false);
    if (x >= 0) assert.equal(sun, ours, `μ-law x=${x}`);
    else if (sun !== ours) {
      muDiff++;
      // Neighbouring code word (μ-law negative codes are ordered), i.e. a boundary decision.
      assert.equal(Math.abs(sun - ours), 1, `μ-law x=${x}`);
    }
    const oursA = alawEncodeSample(x);
    const sunA = sunLinear2alaw(x, false);
    if (x >= 0) assert.equal(sunA, oursA, `A-law x=${x}`);
    else if (sunA !== oursA && x < -7) {
      aDiff++;
      assert.equal(Math.abs((sunA ^ 0x55) - (oursA ^ 0x55)), 1, `A-law x=${x}`);
    }
  }
  // μ-law: |x| vs |x| - 1 moves exactly one input across each of the 127 decision boundaries
  // between the 128 negative code words; A-law: -x - 8 vs -x - 1 moves seven inputs across each.
  assert.equal(muDiff, 127);
  assert.equal(aDiff, 127 * 7);
  // The classic A-law code maps -1..-7 to a code worth -248 (the known `-pcm_val - 8` defect).
  for (let x = -7; x <= -1; x++) {
    assert.equal(sunAlaw2linear(sunLinear2alaw(x, false)), -248);
    assert.equal(alawDecodeSample(alawEncodeSample(x)), -8);
  }
});

test('decode∘encode is idempotent on every code word', () => {
  for (let c = 0; c < 256; c++) {
    const mu = ulawDecodeSample(c);
    // 0x7f is μ-law "negative zero": it decodes to 0, which encodes as 0xff (positive zero).
    assert.equal(ulawEncodeSample(mu), c === 0x7f ? 0xff : c, `μ-law code ${c}`);
    assert.equal(ulawDecodeSample(ulawEncodeSample(mu)), mu);
    assert.equal(alawEncodeSample(alawDecodeSample(c)), c, `A-law code ${c}`);
  }
});

test('quantisation is monotonic and the error is at most half the local step', () => {
  // Step of the segment a code word lies in: μ-law 8·2^seg, A-law 16 (seg 0, 1) then 16·2^(seg-1).
  const ulawStep = (c: number) => 8 << ((~c >> 4) & 7);
  const alawStep = (c: number) => {
    const seg = ((c ^ 0x55) >> 4) & 7;
    return seg < 2 ? 16 : 16 << (seg - 1);
  };
  for (const [enc, dec, step, top] of [
    [ulawEncodeSample, ulawDecodeSample, ulawStep, 32124],
    [alawEncodeSample, alawDecodeSample, alawStep, 32256],
  ] as const) {
    let previous = -Infinity;
    let worst = 0;
    for (let x = -32768; x < 32768; x++) {
      const code = enc(x);
      const y = dec(code);
      assert.ok(y >= previous, `non-monotonic at ${x}`);
      previous = y;
      const error = Math.abs(y - Math.max(-top, Math.min(top, x))); // beyond the top level: clipping
      assert.ok(error <= step(code) / 2, `x=${x} → ${y} (step ${step(code)})`);
      worst = Math.max(worst, error);
    }
    assert.equal(worst, 512); // half of the 1024 step of the top segment
  }
});

test('speech through μ-law and A-law keeps ~38 dB SNR', () => {
  const speech = loadSpeech(8000);
  const codes = new Uint8Array(speech.length);
  const back = new Int16Array(speech.length);
  ulawDecode(codes.subarray(0, ulawEncode(speech, codes)), back);
  const mu = snrDb(speech, back);
  alawDecode(codes.subarray(0, alawEncode(speech, codes)), back);
  const a = snrDb(speech, back);
  // Measured 37.4 dB (μ) and 37.6 dB (A) on the -3 dBFS fixture; G.711 gives ≈ 38 dB on a loud
  // signal. A wrong segment or mantissa in a table costs whole dB, not tenths.
  assert.ok(mu > 36 && mu < 40, `μ-law SNR ${mu.toFixed(2)} dB`);
  assert.ok(a > 36 && a < 40, `A-law SNR ${a.toFixed(2)} dB`);
});

test('array functions honour length and reject short outputs', () => {
  const pcm = Int16Array.from([0, 1000, -1000, 32767]);
  const out = new Uint8Array(4).fill(0x11);
  assert.equal(ulawEncode(pcm, out, 2), 2);
  assert.deepEqual([...out], [0xff, ulawEncodeSample(1000), 0x11, 0x11]);
  assert.throws(() => ulawEncode(pcm, new Uint8Array(3)), RangeError);
  assert.throws(() => alawEncode(pcm, new Uint8Array(3)), RangeError);
  assert.throws(() => ulawDecode(new Uint8Array(4), new Int16Array(3)), RangeError);
  assert.throws(() => alawDecode(new Uint8Array(4), new Int16Array(3)), RangeError);
});

test('encoder/decoder classes round-trip a 20 ms frame', () => {
  const pcm = new Int16Array(160);
  for (let i = 0; i < 160; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  for (const [Enc, Dec, name, dec] of [
    [PcmuEncoder, PcmuDecoder, 'PCMU', ulawDecodeSample],
    [PcmaEncoder, PcmaDecoder, 'PCMA', alawDecodeSample],
  ] as const) {
    const enc = new Enc();
    const d = new Dec();
    assert.equal(enc.codec, name);
    assert.equal(d.codec, name);
    assert.equal(enc.sampleRate, 8000);
    const payload = new Uint8Array(160);
    assert.equal(enc.encode(pcm, payload), 160);
    const out = new Int16Array(160);
    assert.equal(d.decode(payload, out), 160);
    for (let i = 0; i < 160; i++) assert.equal(out[i], dec(payload[i]!));
    assert.throws(() => enc.encode(pcm, new Uint8Array(159)), RangeError);
  }
});

test('conceal() repeats the last frame fading to silence over three frames', () => {
  const dec = new PcmuDecoder();
  const silent = new Int16Array(160);
  assert.equal(dec.conceal(silent.fill(7), 160), 160);
  assert.ok(silent.every((v) => v === 0), 'no history → silence');

  const pcm = new Int16Array(160);
  for (let i = 0; i < 160; i++) pcm[i] = Math.round(10000 * Math.sin((2 * Math.PI * 400 * i) / 8000));
  const payload = new Uint8Array(160);
  ulawEncode(pcm, payload);
  const last = new Int16Array(160);
  dec.decode(payload, last);

  const frames: Int16Array[] = [];
  for (let f = 0; f < 4; f++) {
    const out = new Int16Array(160);
    assert.equal(dec.conceal(out, 160), 160);
    frames.push(out);
  }
  const fade = 480;
  for (let f = 0; f < 3; f++) {
    for (let k = 0; k < 160; k++) {
      const n = f * 160 + k;
      assert.equal(frames[f]![k], Math.round((last[k]! * (fade - n)) / fade), `frame ${f} sample ${k}`);
    }
  }
  assert.equal(frames[0]![0], last[0]);
  assert.ok(frames[3]!.every((v) => v === 0), 'fully faded after three frames');

  // A good frame resets the fade: the next concealment starts at full level again.
  dec.decode(payload, last);
  const again = new Int16Array(80);
  dec.conceal(again, 80);
  assert.equal(again[1], Math.round((last[1]! * (fade - 1)) / fade));
  assert.throws(() => dec.conceal(new Int16Array(10), 11), RangeError);
});
