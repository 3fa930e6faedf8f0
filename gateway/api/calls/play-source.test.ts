/**
 * Play audio loading: inline base64 PCM16 (valid, invalid, odd, empty, too large, whitespace) and
 * WAV files from a local HTTP server on 127.0.0.1 — ok, 404, a slow server (timeout), a file over
 * the size limit (declared, and streamed without Content-Length), an unreachable host, and WAVs of
 * the wrong format (400 naming what is wrong).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeWav } from '../../../media/index.ts';
import { ApiError } from '../errors/api-error.ts';
import { decodePcmBase64, fetchLimited, loadPlayAudio, wavToPlayPcm } from './play-source.ts';

const wav8k = writeWav({ sampleRate: 8000, channels: 1, samples: new Int16Array([100, -100, 200]) });
const wav16k = writeWav({ sampleRate: 16000, channels: 1, samples: new Int16Array(4) });
const wavStereo = writeWav({ sampleRate: 8000, channels: 2, samples: new Int16Array(4) });
let slowResponses = 0;

let server: Server;
let base = '';
before(async () => {
  server = createServer((req, res) => {
    switch (req.url) {
      case '/ok.wav':
        return res.end(wav8k);
      case '/16k.wav':
        return res.end(wav16k);
      case '/stereo.wav':
        return res.end(wavStereo);
      case '/text':
        return res.end('<html>not audio</html>');
      case '/slow-headers':
        slowResponses++;
        return void setTimeout(() => res.end(wav8k), 2000).unref();
      case '/slow-body':
        slowResponses++;
        res.writeHead(200, { 'Content-Type': 'audio/wav' });
        res.write(wav8k.subarray(0, 10));
        return void setTimeout(() => res.end(wav8k.subarray(10)), 2000).unref();
      case '/big-declared':
        res.writeHead(200, { 'Content-Length': '5000' });
        return res.end(Buffer.alloc(5000));
      case '/big-chunked': {
        // No Content-Length: the limit must stop the download while it streams.
        res.writeHead(200, { 'Content-Type': 'audio/wav' });
        let sent = 0;
        const more = () => {
          if (res.destroyed || sent > 1_000_000) return res.end();
          sent += 1000;
          if (res.write(Buffer.alloc(1000))) setImmediate(more);
          else res.once('drain', more);
        };
        return more();
      }
      default:
        res.statusCode = 404;
        return res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));

async function rejectsWith(p: Promise<unknown> | (() => unknown), status: number, text: string | RegExp) {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    assert.ok(err instanceof ApiError, `not an ApiError: ${String(err)}`);
    assert.equal(err.status, status);
    if (typeof text === 'string') assert.equal(err.message, text);
    else assert.match(err.message, text);
    return;
  }
  assert.fail('did not throw');
}

test('inline audio: base64 PCM16 LE → samples; whitespace from line-wrapping is ignored', async () => {
  const bytes = Buffer.from([0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0xff, 0x7f]);
  assert.deepEqual([...decodePcmBase64(bytes.toString('base64'))], [1, -1, -32768, 32767]);
  const b64 = bytes.toString('base64');
  assert.deepEqual([...decodePcmBase64(`${b64.slice(0, 4)}\n${b64.slice(4)}\n`)], [1, -1, -32768, 32767]);
  assert.deepEqual([...(await loadPlayAudio({ audio: b64 }))], [1, -1, -32768, 32767]);
});

test('inline audio: invalid base64, odd byte count, empty or too large → 400', async () => {
  await rejectsWith(() => decodePcmBase64('@@@@'), 400, 'audio: invalid base64');
  await rejectsWith(() => decodePcmBase64('AAAAA'), 400, 'audio: invalid base64');
  await rejectsWith(() => decodePcmBase64('AA-_'), 400, 'audio: invalid base64');
  await rejectsWith(() => decodePcmBase64('AAAA'), 400, 'audio: odd byte count 3 (PCM16 needs 2 bytes per sample)');
  await rejectsWith(() => decodePcmBase64(''), 400, 'audio: empty');
  await rejectsWith(() => decodePcmBase64(Buffer.alloc(12).toString('base64'), 10), 400, 'audio: larger than 10 bytes');
  await rejectsWith(loadPlayAudio({}), 400, 'No audio source');
});

test('url: an 8 kHz mono PCM16 WAV is fetched and decoded', async () => {
  assert.deepEqual([...(await loadPlayAudio({ url: `${base}/ok.wav` }))], [100, -100, 200]);
});

test('url: a non-2xx answer → 500 naming the status', async () => {
  await rejectsWith(loadPlayAudio({ url: `${base}/missing.wav` }), 500, 'Audio fetch failed: HTTP 404 Not Found');
});

test('url: a server too slow (headers or body) → 500 "timed out" after timeoutMs', async () => {
  for (const path of ['/slow-headers', '/slow-body']) {
    const started = performance.now();
    await rejectsWith(loadPlayAudio({ url: `${base}${path}` }, { timeoutMs: 150 }), 500, 'Audio fetch failed: timed out after 0.15 s');
    const took = performance.now() - started;
    assert.ok(took >= 140 && took < 1500, `${path} took ${took} ms`);
  }
  assert.equal(slowResponses, 2);
});

test('url: a file over maxBytes → 500 "larger than", by Content-Length or while streaming', async () => {
  await rejectsWith(fetchLimited(`${base}/big-declared`, { maxBytes: 4096 }), 500, 'Audio fetch failed: larger than 4096 bytes');
  const started = performance.now();
  await rejectsWith(fetchLimited(`${base}/big-chunked`, { maxBytes: 20_000 }), 500, 'Audio fetch failed: larger than 20000 bytes');
  assert.ok(performance.now() - started < 1500);
  assert.equal((await fetchLimited(`${base}/big-declared`, { maxBytes: 5000 })).length, 5000, 'exactly maxBytes is fine');
});

test('url: an unreachable server → 500 naming the network error', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  await rejectsWith(loadPlayAudio({ url: `http://127.0.0.1:${port}/x.wav` }), 500, 'Audio fetch failed: ECONNREFUSED');
});

test('url: a WAV of the wrong format, or not a WAV → 400 naming what is wrong', async () => {
  await rejectsWith(loadPlayAudio({ url: `${base}/16k.wav` }), 400, 'WAV format error: sample rate 16000 Hz; the play API needs 8000 Hz, mono, 16-bit PCM');
  await rejectsWith(loadPlayAudio({ url: `${base}/stereo.wav` }), 400, 'WAV format error: 2 channels; the play API needs 8000 Hz, mono, 16-bit PCM');
  await rejectsWith(loadPlayAudio({ url: `${base}/text` }), 400, /^WAV format error: not a RIFF file/);
});

test('WAV checks: bit depth, odd rates and empty data are refused without the reader\'s "(supported: …)" hint', async () => {
  const eightBit = Buffer.from(wav8k);
  eightBit.writeUInt16LE(8, 34);
  await rejectsWith(() => wavToPlayPcm(eightBit), 400, 'WAV format error: unsupported sample size 8 bits; the play API needs 8000 Hz, mono, 16-bit PCM');
  const cd = Buffer.from(wav8k);
  cd.writeUInt32LE(44100, 24);
  await rejectsWith(() => wavToPlayPcm(cd), 400, 'WAV format error: unsupported sample rate 44100 Hz; the play API needs 8000 Hz, mono, 16-bit PCM');
  await rejectsWith(() => wavToPlayPcm(writeWav({ sampleRate: 8000, channels: 1, samples: new Int16Array(0) })), 400, 'WAV format error: no audio samples');
});
