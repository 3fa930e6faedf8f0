/**
 * WAV tests on hand-built files (independent of writeWav): exact header bytes, chunk tolerance,
 * clamping of streamed sizes, and one clear WavFormatError per unsupported or broken input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  downmixToMono,
  readWav,
  readWavMono,
  WAV_HEADER_BYTES,
  WavFormatError,
  writeWav,
  writeWavHeader,
  type WavErrorCode,
} from './wav.ts';
import { speechFixturePath } from './testing/speech.ts';

// --- a tiny independent RIFF builder --------------------------------------------------------
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** A chunk with its pad byte when the body is odd; `size` overrides the declared size. */
function chunk(id: string, body: number[], size = body.length): number[] {
  return [...ascii(id), ...le32(size), ...body, ...(body.length & 1 ? [0] : [])];
}

interface Fmt {
  format?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  blockAlign?: number;
  byteRate?: number;
}
function fmtBody(f: Fmt = {}): number[] {
  const channels = f.channels ?? 1;
  const rate = f.rate ?? 8000;
  const bits = f.bits ?? 16;
  const align = f.blockAlign ?? (channels * bits) / 8;
  return [...le16(f.format ?? 1), ...le16(channels), ...le32(rate), ...le32(f.byteRate ?? rate * align), ...le16(align), ...le16(bits)];
}
function pcmBytes(samples: number[]): number[] {
  return samples.flatMap((s) => le16(s & 0xffff));
}
function riff(...chunks: number[][]): Uint8Array {
  const body = [...ascii('WAVE'), ...chunks.flat()];
  return Uint8Array.from([...ascii('RIFF'), ...le32(body.length), ...body]);
}

function expectWavError(buf: Uint8Array, code: WavErrorCode, message: string | RegExp): void {
  assert.throws(
    () => readWav(buf),
    (err: unknown) => {
      assert.ok(err instanceof WavFormatError, `not a WavFormatError: ${String(err)}`);
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'WavFormatError');
      assert.equal(err.code, code);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

// --- tests -----------------------------------------------------------------------------------
test('writeWav produces the canonical 44-byte header and little-endian samples', () => {
  const bytes = writeWav({ sampleRate: 8000, channels: 1, samples: Int16Array.from([1, -2, 0x1234]) });
  assert.deepEqual(
    [...bytes],
    [
      ...ascii('RIFF'), 42, 0, 0, 0, ...ascii('WAVE'),
      ...ascii('fmt '), 16, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0,
      ...ascii('data'), 6, 0, 0, 0, 1, 0, 0xfe, 0xff, 0x34, 0x12,
    ],
  );
});

test('read(write(x)) is x for mono and stereo at every supported rate', () => {
  for (const sampleRate of [8000, 16000, 24000, 48000]) {
    for (const channels of [1, 2]) {
      const samples = new Int16Array(channels * 101);
      for (let i = 0; i < samples.length; i++) samples[i] = ((i * 7919) % 65536) - 32768;
      const wav = readWav(writeWav({ sampleRate, channels, samples }));
      assert.equal(wav.sampleRate, sampleRate);
      assert.equal(wav.channels, channels);
      assert.deepEqual(wav.samples, samples);
    }
  }
});

test('reads the committed speech fixture', () => {
  const file = readFileSync(speechFixturePath(16000));
  const wav = readWav(file);
  assert.equal(wav.sampleRate, 16000);
  assert.equal(wav.channels, 1);
  assert.equal(wav.samples.length, 151417); // data chunk 302834 bytes
  assert.equal(wav.samples[100], file.readInt16LE(44 + 200));
});

test('tolerates LIST/fact/odd-sized chunks, any chunk order, and extensible PCM headers', () => {
  const data = chunk('data', pcmBytes([10, -10, 300]));
  const odd = chunk('junk', [1, 2, 3]); // 3-byte body + pad byte
  const list = chunk('LIST', [...ascii('INFO'), ...chunk('ISFT', [...ascii('sox'), 0])]);
  const fact = chunk('fact', le32(3));
  for (const file of [
    riff(list, chunk('fmt ', fmtBody()), odd, fact, data),
    riff(chunk('fmt ', fmtBody()), data, list),
    riff(odd, data, chunk('fmt ', fmtBody())),
    riff(chunk('fmt ', [...fmtBody(), 0, 0]), data), // 18-byte fmt (cbSize = 0)
  ]) {
    const wav = readWav(file);
    assert.deepEqual([...wav.samples], [10, -10, 300]);
  }
  // WAVE_FORMAT_EXTENSIBLE carrying PCM (what sox writes for some layouts).
  const pcmGuid = [1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71];
  const ext = [...fmtBody({ format: 0xfffe, channels: 2, rate: 48000 }), ...le16(22), ...le16(16), ...le32(3), ...pcmGuid];
  const wav = readWav(riff(chunk('fmt ', ext), chunk('data', pcmBytes([1, 2, 3, 4]))));
  assert.deepEqual([wav.sampleRate, wav.channels, ...wav.samples], [48000, 2, 1, 2, 3, 4]);
  const floatGuid = [3, ...pcmGuid.slice(1)];
  const extFloat = [...fmtBody({ format: 0xfffe, bits: 32 }), ...le16(22), ...le16(32), ...le32(4), ...floatGuid];
  expectWavError(riff(chunk('fmt ', extFloat), chunk('data', [0, 0, 0, 0])), 'unsupported-encoding', /IEEE float/);
});

test('a data size larger than the file (streamed WAV) is clamped to whole frames', () => {
  const body = pcmBytes([1, 2, 3, 4, 5]); // 5 samples = 2.5 stereo frames
  const streamed = riff(chunk('fmt ', fmtBody({ channels: 2 })), chunk('data', body, 0xffffffff));
  const wav = readWav(streamed);
  assert.deepEqual([...wav.samples], [1, 2, 3, 4]);
  const mono = readWav(riff(chunk('fmt ', fmtBody()), [...ascii('data'), ...le32(1000), ...body, 0x7f]));
  assert.deepEqual([...mono.samples], [1, 2, 3, 4, 5]); // trailing odd byte dropped
});

test('unsupported formats are refused with a message naming the problem', () => {
  const data = chunk('data', pcmBytes([0, 0]));
  expectWavError(
    riff(chunk('fmt ', fmtBody({ rate: 44100 })), data),
    'unsupported-rate',
    'unsupported sample rate 44100 Hz (supported: 8000, 16000, 24000, 48000)',
  );
  expectWavError(riff(chunk('fmt ', fmtBody({ bits: 8 })), data), 'unsupported-bits', 'unsupported sample size 8 bits (supported: 16-bit PCM)');
  expectWavError(riff(chunk('fmt ', fmtBody({ bits: 24 })), data), 'unsupported-bits', /24 bits/);
  expectWavError(
    riff(chunk('fmt ', fmtBody({ format: 3, bits: 32 })), data),
    'unsupported-encoding',
    'unsupported encoding IEEE float (supported: 16-bit integer PCM)',
  );
  expectWavError(riff(chunk('fmt ', fmtBody({ format: 7, bits: 8 })), data), 'unsupported-encoding', /μ-law/);
  expectWavError(riff(chunk('fmt ', fmtBody({ format: 0x1234 })), data), 'unsupported-encoding', /format tag 0x1234/);
  expectWavError(riff(chunk('fmt ', fmtBody({ channels: 3 })), data), 'unsupported-channels', 'unsupported channel count 3 (supported: 1, 2)');
});

test('broken files are refused with a message naming the problem', () => {
  const fmt = chunk('fmt ', fmtBody());
  const data = chunk('data', pcmBytes([0]));
  expectWavError(Uint8Array.from(ascii('RIFF\0\0\0')), 'truncated', 'truncated header: 7 bytes, a WAV needs at least 44');
  expectWavError(new Uint8Array(0), 'truncated', /0 bytes/);
  const rifx = riff(fmt, data);
  rifx.set(ascii('RIFX'));
  expectWavError(rifx, 'not-wav', 'not a RIFF file: starts with "RIFX" (big-endian RIFX is not supported)');
  expectWavError(Uint8Array.from(ascii('ID3\u0004 this is an mp3 file....')), 'not-wav', /not a RIFF file: starts with "ID3/);
  const avi = riff(fmt, data);
  avi.set(ascii('AVI '), 8);
  expectWavError(avi, 'not-wav', 'RIFF form type is "AVI ", not "WAVE"');
  expectWavError(riff(fmt), 'missing-chunk', 'missing data chunk');
  expectWavError(riff(chunk('LIST', [1, 2, 3, 4]), data), 'missing-chunk', 'missing fmt chunk');
  expectWavError(riff(chunk('fmt ', fmtBody().slice(0, 12))), 'truncated', 'truncated fmt chunk: 12 bytes, need 16');
  const cut = riff(fmt, data).subarray(0, 12 + 8 + 10); // file ends inside the fmt chunk
  expectWavError(cut, 'truncated', /truncated fmt chunk: 10 bytes/);
  expectWavError(riff(chunk('fmt ', fmtBody({ blockAlign: 4 })), data), 'garbled', /block align 4/);
  expectWavError(riff(chunk('fmt ', fmtBody({ byteRate: 1234 })), data), 'garbled', /byte rate 1234/);
  // A chunk whose size runs past the end hides everything after it.
  expectWavError(riff(fmt, chunk('LIST', [1, 2], 5000), data), 'missing-chunk', 'missing data chunk');
});

test('downmixToMono averages channels without clipping', () => {
  const stereo = Int16Array.from([100, 300, -1, 0, 32767, 32767, -32768, -32768, 5, -6]);
  assert.deepEqual([...downmixToMono(stereo, 2)], [200, -1, 32767, -32768, -1]);
  const out = new Int16Array(6).fill(9);
  assert.equal(downmixToMono(stereo, 2, out), out);
  assert.deepEqual([...out], [200, -1, 32767, -32768, -1, 9]);
  assert.deepEqual([...downmixToMono(Int16Array.from([1, 2, 3]), 1)], [1, 2, 3]);
  assert.deepEqual([...downmixToMono(Int16Array.from([3, 3, 4, -3, -3, -4]), 3)], [3, -4]);
  assert.throws(() => downmixToMono(stereo, 2, new Int16Array(4)), RangeError);
  const wav = writeWav({ sampleRate: 16000, channels: 2, samples: Int16Array.from([10, 20, -10, -20]) });
  assert.deepEqual(readWavMono(wav), { sampleRate: 16000, samples: Int16Array.from([15, -15]) });
});

test('writeWav and writeWavHeader validate their input', () => {
  assert.throws(() => writeWav({ sampleRate: 44100, channels: 1, samples: new Int16Array(2) }), WavFormatError);
  assert.throws(() => writeWav({ sampleRate: 8000, channels: 3, samples: new Int16Array(3) }), WavFormatError);
  assert.throws(() => writeWav({ sampleRate: 8000, channels: 2, samples: new Int16Array(3) }), RangeError);
  const buf = new Uint8Array(50).fill(0xaa);
  assert.equal(writeWavHeader(buf, 48000, 2, 1000, 3), WAV_HEADER_BYTES);
  const view = new DataView(buf.buffer, 3);
  assert.equal(buf[2], 0xaa);
  assert.equal(view.getUint32(4, true), 1036);
  assert.equal(view.getUint32(28, true), 192000);
  assert.equal(view.getUint16(32, true), 4);
  assert.equal(view.getUint32(40, true), 1000);
  assert.throws(() => writeWavHeader(new Uint8Array(43), 8000, 1, 0), RangeError);
});
