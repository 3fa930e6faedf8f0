/**
 * The small protocol pieces by themselves: native frame write/parse, bot message validation and
 * base64 payload checks, format resolution from config and query, and our message builders
 * (exact JSON text for the Twilio examples' shapes).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePayload, parseBotMessage } from './bot-messages.ts';
import { parseNativeFrame, writeNativeFrame } from './native-frame.ts';
import { CONNECTED_MESSAGE, dtmfMessage, errorMessage, markMessage, MediaMessageWriter, startMessage, stopMessage } from './server-messages.ts';
import { newStreamSid } from './sids.ts';
import { parseStreamQuery, resolveStreamFormat } from './stream-format.ts';

test('native frame: [0x01][len BE][audio]; parse checks tag, length, whole samples', () => {
  const audio = Uint8Array.from({ length: 320 }, (_, i) => i & 0xff);
  const out = new Uint8Array(400);
  assert.equal(writeNativeFrame(audio, out), 323);
  assert.deepEqual([...out.subarray(0, 3)], [1, 0x01, 0x40]);
  const parsed = parseNativeFrame(out.subarray(0, 323));
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.ok && [...parsed.audio], [...audio]);
  assert.equal(parseNativeFrame(out.subarray(0, 322)).ok, false);
  assert.throws(() => writeNativeFrame(new Uint8Array(70000), new Uint8Array(70003)), RangeError);
});

test('bot messages: the three events validate; the reasons say what is wrong', () => {
  const sid = newStreamSid();
  assert.match(sid, /^MZ[0-9a-f]{32}$/);
  const ok = parseBotMessage(JSON.stringify({ event: 'media', streamSid: sid, media: { payload: 'AAAA' }, extra: 1 }), sid);
  assert.ok(ok.ok && ok.value.event === 'media');
  assert.ok(parseBotMessage(JSON.stringify({ event: 'clear', streamSid: sid }), sid).ok);
  assert.ok(parseBotMessage(JSON.stringify({ event: 'mark', streamSid: sid, mark: { name: '' } }), sid).ok);
  const reason = (text: string) => {
    const r = parseBotMessage(text, sid);
    return r.ok ? 'ok' : r.reason;
  };
  assert.equal(reason('{'), 'not JSON');
  assert.equal(reason('null'), 'not a JSON object');
  assert.equal(reason('{"event":5}'), 'no "event" field');
  assert.equal(reason('{"event":"start"}'), 'unknown event "start"');
  assert.match(reason('{"event":"media","media":{"payload":7}}'), /^media: media\.payload: /);
  assert.match(reason('{"event":"clear","streamSid":"MZx"}'), /streamSid "MZx" is not this stream's/);
});

test('payload decoding: padded or not, rejects non-base64, empty, and odd PCM16 lengths', () => {
  assert.deepEqual(decodePayload('AAEC', 1), { ok: true, value: Buffer.from([0, 1, 2]) });
  assert.deepEqual(decodePayload('AAE=', 1), { ok: true, value: Buffer.from([0, 1]) });
  assert.deepEqual(decodePayload('AAE', 2), { ok: true, value: Buffer.from([0, 1]) });
  assert.equal(decodePayload('A', 1).ok, false);
  assert.equal(decodePayload('AA!A', 1).ok, false);
  assert.equal(decodePayload('AA==', 2).ok, false);
  assert.equal(decodePayload('==', 1).ok, false);
});

test('format: mulaw is 8 kHz only, a wideband rate without an encoding means l16, native is l16', () => {
  assert.deepEqual(resolveStreamFormat(), { mode: 'twilio', encoding: 'audio/x-mulaw', sampleRate: 8000, bytesPerSample: 1, frameSamples: 160, frameBytes: 160, silenceByte: 0xff });
  assert.equal(resolveStreamFormat({}, { encoding: 'audio/x-l16', sample_rate: 8000 }).frameBytes, 320);
  assert.equal(resolveStreamFormat({ sampleRate: 24000 }).encoding, 'audio/x-l16');
  assert.equal(resolveStreamFormat({}, { encoding: 'audio/x-mulaw', sample_rate: 48000 }).frameBytes, 1920);
  assert.equal(resolveStreamFormat({ mode: 'native' }).encoding, 'audio/x-l16');
  assert.throws(() => resolveStreamFormat({ encoding: 'audio/x-mulaw', sampleRate: 16000 }), { code: 'bad-format' });
  assert.throws(() => resolveStreamFormat({ sampleRate: 44100 }), { code: 'bad-format' });
  const q = parseStreamQuery(new URLSearchParams('mode=native&sample_rate=16000&token=abc'));
  assert.ok(q.ok && q.format.mode === 'native' && q.format.frameBytes === 640);
  const bad = parseStreamQuery({ sample_rate: '11025' });
  assert.ok(!bad.ok && bad.error.code === 'bad-format' && /sample_rate/.test(bad.error.message));
  assert.equal(parseStreamQuery({ mode: 'binary' }).ok, false);
});

test('message builders give the exact JSON text (Twilio field order, string counters, numeric rate)', () => {
  const ids = { streamSid: 'MZ1', accountSid: 'AC1', callSid: 'CA1' };
  assert.equal(CONNECTED_MESSAGE, '{"event":"connected","protocol":"Call","version":"1.0.0"}');
  assert.equal(
    startMessage(1, ids, ['inbound'], { FirstName: 'Jane' }, { encoding: 'audio/x-mulaw', sampleRate: 8000 }),
    '{"event":"start","sequenceNumber":"1","streamSid":"MZ1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","tracks":["inbound"],"customParameters":{"FirstName":"Jane"},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}',
  );
  assert.equal(
    new MediaMessageWriter('MZ1').write(4, 'inbound', 2, 5, 'no+JhoaJjpzS'),
    '{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":"no+JhoaJjpzS"},"streamSid":"MZ1"}',
  );
  assert.equal(dtmfMessage(5, 'MZ1', '1'), '{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}');
  assert.equal(markMessage(4, 'MZ1', 'my label'), '{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":"my label"}}');
  assert.equal(stopMessage(5, ids), '{"event":"stop","sequenceNumber":"5","stop":{"accountSid":"AC1","callSid":"CA1"},"streamSid":"MZ1"}');
  assert.equal(errorMessage(6, 'MZ1', 'queue_overflow', 'full'), '{"event":"error","sequenceNumber":"6","streamSid":"MZ1","error":{"code":"queue_overflow","message":"full"}}');
  // A streamSid needing escapes cannot break the media template.
  assert.deepEqual(JSON.parse(new MediaMessageWriter('a"b').write(1, 'inbound', 1, 0, 'AA==')).streamSid, 'a"b');
});
