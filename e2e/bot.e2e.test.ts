/**
 * Issue 5 e2e — the Node bot test. A bot written against the xbridge contract and Twilio's Media
 * Streams messages (e2e/support/bot.ts) meets a real gateway (child process, `auth.api_key`,
 * signed webhooks to the bot's endpoint) and a real caller: baresip on 127.0.0.1, a trunk-host
 * peer by IP, sending a 440 Hz sine. In order, on one call and then its transfer:
 *  (1) /incoming is answered `{"action":"accept","stream":true}`; the bot connects to
 *      /ws/{call_id} with its bearer key and gets Twilio-exact `connected` and `start`;
 *  (2) the bot hears the caller (μ-law media, 440 Hz by Goertzel);
 *  (3) audio the bot sends is heard at baresip (speech paced in realtime: waveform correlation;
 *      a 1 kHz tone sent in one burst: frequency);
 *  (4) marks come back only once the audio before them has played (timed against the audio sent);
 *  (5) `clear` barges in: pending marks echoed at once, queue empty, the tone stops at baresip;
 *      and while the bot is quiet the caller still gets RTP (silence);
 *  (6) baresip's DTMF arrives as `dtmf` stream events and `call.dtmf` webhooks;
 *  (7) POST /dtmf is heard by baresip as digits;
 *  (8) POST /play of a WAV (8 kHz mono 16-bit) is heard; call.play_finished interrupted:false;
 *  (9) play loop_count 0 runs until /play/stop; call.play_finished interrupted:true;
 * (10) POST /hold and /resume re-INVITE baresip (sendonly/inactive, then sendrecv); baresip's own
 *      hold and resume give call.hold and call.resumed webhooks;
 * (11) POST /transfer sends baresip a REFER; baresip calls the target (a second /incoming); the
 *      first call ends (call.ended, `stop` on its stream);
 * (12) DELETE hangs up the second call: 204, BYE at baresip, call.ended with reason and duration,
 *      `stop` then close on the stream; a second DELETE is 404.
 * Every webhook must carry a valid X-Patchbay-Signature. Steps share the call, so a failure in
 * (1) fails the rest with "no call".
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { writeWav } from '../media/wav.ts';
import { loadSpeech } from '../media/testing/speech.ts';
import { bestLag, correlation, toneCorrelation } from '../media/testing/signal.ts';
import { assertBaresipHears, assertBaresipSilent, sleep } from './support/audio-checks.ts';
import { connectBot, levelsDbfs, pcm16le, tone, wsUrlOf, type BotSocket } from './support/bot.ts';
import { setUpBotScene, waitBaresipReceived, directionOf, withContext, type BotScene } from './support/bot-scene.ts';
import type { BaresipPhone } from './support/baresip-phone.ts';

const CALLER_HZ = 440;
const BOT_HZ = 1000;
const WAV_HZ = 600;
const LOOP_HZ = 1800;
const STREAM_SID = /^MZ[0-9a-fA-F]{32}$/;
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

describe('a Node bot on an inbound call from baresip', () => {
  let scene: BotScene;
  let baresip: BaresipPhone;
  /** The call under test and its bot, once (1) set them up. */
  let callId: string | undefined;
  let bot: BotSocket | undefined;
  /** The call baresip places to the transfer target, and its bot. */
  let call2: string | undefined;
  let bot2: BotSocket | undefined;

  before(async () => {
    scene = await setUpBotScene({
      peers: [{ name: 'baresip', host: '127.0.0.1' }],
      baresipHz: CALLER_HZ,
      decide: () => ({ action: 'accept', stream: true }),
    });
    baresip = scene.baresip!;
  });
  after(async () => {
    bot?.close();
    bot2?.close();
    await scene?.close();
  });

  /** Runs a step; a failure's message gets the bot's view, the webhooks, gateway and baresip logs. */
  function step(fn: () => Promise<void>): Promise<void> {
    return withContext(() => scene.report(`--- bot ---\n${bot?.summary() ?? '(no bot)'}${bot2 ? `\n--- bot 2 ---\n${bot2.summary()}` : ''}`), fn);
  }

  function theCall(): { id: string; bot: BotSocket } {
    if (!callId || !bot) throw new Error('no call: step (1) did not set one up');
    return { id: callId, bot };
  }

  test('(1) /incoming accepts the call with a stream; the bot connects and gets connected + start', (t) =>
    step(async () => {
      const since = baresip.eventCount;
      await baresip.dial(`sip:5000@127.0.0.1:${scene.gateway.sipPort}`);
      const incoming = await scene.hooks.waitIncoming(0);
      t.diagnostic(`/incoming: ${incoming.raw}`);
      assert.equal(incoming.signature, 'valid', '/incoming carries a valid X-Patchbay-Signature');
      assert.equal(typeof incoming.body.call_id, 'string');
      assert.equal(incoming.body.direction, 'inbound');
      assert.equal(incoming.body.to, '5000');
      assert.equal(incoming.body.from, 'caller');
      assert.equal(incoming.body.peer, 'baresip', 'the trunk-host peer name');
      const id = String(incoming.body.call_id);

      const b = await connectBot(wsUrlOf(scene.gateway.httpUrl, id), { apiKey: scene.apiKey, retry404Ms: 3000 });
      if (b.retries) t.diagnostic(`the upgrade was answered 404 ${b.retries} time(s) right after /incoming`);
      await baresip.waitEvent('CALL_ESTABLISHED', 15_000, since);
      await b.waitEvent('start');
      callId = id;
      bot = b;

      const [first, start] = b.json;
      assert.deepEqual(first, { event: 'connected', protocol: 'Call', version: '1.0.0' }, 'the first message is connected');
      assert.equal(start.event, 'start', 'start comes right after connected');
      t.diagnostic(`start: ${JSON.stringify(start)}`);
      assert.equal(start.sequenceNumber, '1');
      assert.match(start.streamSid, STREAM_SID);
      assert.equal(start.start.streamSid, start.streamSid);
      assert.match(start.start.accountSid, ACCOUNT_SID);
      assert.equal(start.start.callSid, id, 'callSid is the REST call id');
      assert.deepEqual(start.start.tracks, ['inbound']);
      assert.equal(typeof start.start.customParameters, 'object');
      assert.deepEqual(start.start.mediaFormat, { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 });

      const answered = await scene.hooks.waitEvent('call.answered', id);
      assert.deepEqual(answered, { event: 'call.answered', call_id: id });
      const got = await scene.api.getCall(id);
      assert.equal(got.status, 200, got.line);
      assert.deepEqual(got.json, { call_id: id, from: 'caller', to: '5000', direction: 'inbound', status: 'in_progress', peer: 'baresip' }, got.line);
      const list = await scene.api.listCalls();
      assert.equal(list.status, 200, list.line);
      assert.ok(list.json.calls.some((c: { call_id: string }) => c.call_id === id), `GET /v1/calls lists the call: ${list.line}`);
    }));

  test('(2) the bot hears the caller: μ-law media frames carrying baresip\'s 440 Hz', (t) =>
    step(async () => {
      const { bot } = theCall();
      const since = bot.count;
      await sleep(1500);
      const frames = bot.received('media').filter((m) => bot.messages.indexOf(m) >= since).map((m) => m.json);
      const audio = bot.callerAudio(since);
      const levels = levelsDbfs(audio, 8000, [CALLER_HZ, BOT_HZ]);
      const share = toneCorrelation(audio, 8000, CALLER_HZ);
      t.diagnostic(`${frames.length} media frames, ${(audio.length / 8000).toFixed(2)} s; 440 Hz ${levels[CALLER_HZ]!.toFixed(1)} dBFS, 1000 Hz ${levels[BOT_HZ]!.toFixed(1)} dBFS, tone share ${share.toFixed(2)}`);
      assert.ok(audio.length >= 8000 * 1.2, `at least 1.2 s of caller audio in 1.5 s (got ${(audio.length / 8000).toFixed(2)} s)`);
      assert.ok(levels[CALLER_HZ]! >= -35, '440 Hz clearly present');
      assert.ok(levels[CALLER_HZ]! - levels[BOT_HZ]! >= 20, '440 Hz dominates');
      assert.ok(share >= 0.8, 'the caller audio is essentially the 440 Hz sine');
      for (const f of frames) {
        assert.equal(f.media.track, 'inbound');
        assert.equal(typeof f.media.chunk, 'string');
        assert.equal(typeof f.media.timestamp, 'string');
        assert.equal(Buffer.from(f.media.payload, 'base64').length, 160, 'a 20 ms μ-law frame is 160 bytes');
        assert.equal(f.streamSid, bot.streamSid);
      }
      const chunks = frames.map((f) => Number(f.media.chunk));
      assert.ok(chunks.every((c, i) => i === 0 || c === chunks[i - 1]! + 1), 'media.chunk counts up by one');
      const stamps = frames.map((f) => Number(f.media.timestamp));
      assert.ok(stamps.every((s, i) => i === 0 || s >= stamps[i - 1]!), 'media.timestamp does not go back');
      const seq = bot.json.slice(1).map((m) => Number(m.sequenceNumber));
      assert.ok(seq.every((s, i) => s === i + 1), 'sequenceNumber counts "1", "2", … with no gap over every message after connected');
    }));

  test('(3) audio the bot sends is heard at baresip: speech paced in realtime, a tone sent in one burst', (t) =>
    step(async () => {
      const { bot } = theCall();
      // Speech, sent the way a realtime bot sends it: 20 ms every 20 ms.
      const speech = loadSpeech(8000).subarray(8000, 8000 * 3);
      let mark = baresip.mark();
      await bot.sendAudio(speech, { paced: true });
      await sleep(600);
      const heard = baresip.received(mark);
      assert.equal(heard.sampleRate, 8000, 'baresip records the decoded PCMU at 8 kHz');
      const ref = speech.subarray(4000, 12000);
      const lag = bestLag(ref, heard.samples.subarray(4000), 4000);
      const c = correlation(ref, heard.samples.subarray(4000), lag);
      t.diagnostic(`speech at baresip: ${(heard.samples.length / 8000).toFixed(2)} s recorded, waveform correlation ${c.toFixed(3)} at lag ${lag} samples`);
      assert.ok(c >= 0.7, `baresip received the bot's speech (correlation ${c.toFixed(3)})`);

      // A tone, sent at once (a TTS burst): the gateway paces it.
      mark = baresip.mark();
      await bot.sendAudio(tone(BOT_HZ, 2000));
      await sleep(2200);
      t.diagnostic(assertBaresipHears(baresip.heardSince(mark, [BOT_HZ, CALLER_HZ], 1500), BOT_HZ, CALLER_HZ, 'baresip hears the bot\'s 1 kHz'));
    }));

  test('(4) marks are echoed once the audio before them has played, not when received', (t) =>
    step(async () => {
      const { bot } = theCall();
      await sleep(500); // whatever (3) queued has played
      let since = bot.count;
      let t0 = performance.now();
      bot.mark('nothing-queued');
      const idle = await bot.waitEvent('mark', (m) => m.mark?.name === 'nothing-queued', 5000, since);
      t.diagnostic(`a mark with nothing queued: echoed after ${(idle.at - t0).toFixed(0)} ms`);
      assert.ok(idle.at - t0 < 200, 'echoed at once when no audio is queued');
      assert.equal(idle.json.streamSid, bot.streamSid);
      assert.equal(typeof idle.json.sequenceNumber, 'string');

      since = bot.count;
      t0 = performance.now();
      await bot.sendAudio(tone(BOT_HZ, 500));
      bot.mark('after-500ms');
      await bot.sendAudio(tone(BOT_HZ, 1000));
      bot.mark('after-1500ms');
      const a = await bot.waitEvent('mark', (m) => m.mark?.name === 'after-500ms', 5000, since);
      const b = await bot.waitEvent('mark', (m) => m.mark?.name === 'after-1500ms', 5000, since);
      const ta = a.at - t0;
      const tb = b.at - t0;
      t.diagnostic(`mark after 500 ms of audio echoed at ${ta.toFixed(0)} ms; after 1500 ms at ${tb.toFixed(0)} ms`);
      assert.ok(ta >= 400 && ta <= 1000, `the first mark ≈ 500 ms after its audio was sent (got ${ta.toFixed(0)} ms)`);
      assert.ok(tb >= 1350 && tb <= 2100, `the second mark ≈ 1500 ms (got ${tb.toFixed(0)} ms)`);
      assert.ok(a.at <= b.at, 'marks come back in order');
    }));

  test('(5) clear barges in: pending marks echoed at once, queued audio gone within a frame, the tone stops at baresip', (t) =>
    step(async () => {
      const { bot } = theCall();
      const since = bot.count;
      const t0 = performance.now();
      await bot.sendAudio(tone(BOT_HZ, 3000));
      bot.mark('pending-1');
      await bot.sendAudio(tone(BOT_HZ, 1000));
      bot.mark('pending-2');
      await sleep(700);
      const playing = baresip.heardSince(undefined, [BOT_HZ, CALLER_HZ], 300);
      t.diagnostic(`before clear, baresip's last 300 ms: 1 kHz at ${playing.levels[BOT_HZ]!.toFixed(1)} dBFS`);
      assert.equal(bot.events('mark').filter((m) => m.mark.name.startsWith('pending')).length, 0, 'no pending mark echoed before clear');

      const tClear = performance.now();
      bot.clear();
      bot.mark('after-clear');
      const p1 = await bot.waitEvent('mark', (m) => m.mark?.name === 'pending-1', 2000, since);
      const p2 = await bot.waitEvent('mark', (m) => m.mark?.name === 'pending-2', 2000, since);
      const probe = await bot.waitEvent('mark', (m) => m.mark?.name === 'after-clear', 2000, since);
      t.diagnostic(`clear ${(tClear - t0).toFixed(0)} ms after 4 s of audio was sent; pending marks echoed ${(p1.at - tClear).toFixed(0)} and ${(p2.at - tClear).toFixed(0)} ms after it; a mark sent right after clear echoed after ${(probe.at - tClear).toFixed(0)} ms`);
      assert.ok(p1.at - tClear < 100 && p2.at - tClear < 100, 'pending marks are echoed right away on clear');
      assert.ok(p1.at <= p2.at, 'pending marks come back in order');
      assert.ok(probe.at - tClear < 100, 'the queue is empty after clear (a new mark is echoed at once, so no audio is ahead of it)');

      await sleep(400); // jitter buffers drain
      const mark = baresip.mark();
      await sleep(1000);
      t.diagnostic(assertBaresipSilent(baresip.heardSince(mark, [BOT_HZ, CALLER_HZ]), BOT_HZ, 'baresip after clear'));
    }));

  test('(5b) while the bot sends nothing, baresip still receives RTP (silence), as on any live call', (t) =>
    step(async () => {
      theCall();
      const mark = baresip.mark();
      await sleep(1000);
      const r = baresip.heardSince(mark, [BOT_HZ, CALLER_HZ]);
      t.diagnostic(`1 s with no bot audio: baresip received ${(r.samples / r.sampleRate).toFixed(2)} s of audio (rms ${r.rmsDbfs.toFixed(1)} dBFS)`);
      // Not in the xbridge text, but what a carrier expects: with no RTP its inactivity timer drops the
      // call, and the far jitter buffer holds the last packets (e.g. a DTMF digit's end) until more come.
      assert.ok(r.samples >= r.sampleRate * 0.8, 'the gateway keeps sending RTP (silence) to the caller while the bot is quiet');
      assert.ok(r.rmsDbfs < -50, 'and what it sends is silence');
    }));

  test('(6) DTMF from baresip reaches the bot as dtmf events and the app as call.dtmf webhooks', (t) =>
    step(async () => {
      const { id, bot } = theCall();
      const since = bot.count;
      const before = scene.hooks.events('call.dtmf', id).length;
      for (const d of ['1', '9', '#']) {
        await baresip.command('sndcode', d);
        await sleep(400);
      }
      await bot.until(() => bot.events('dtmf').length >= 3, '3 dtmf events', 5000).catch(() => undefined);
      const events = bot.received('dtmf').filter((m) => bot.messages.indexOf(m) >= since).map((m) => m.json);
      t.diagnostic(`dtmf events: ${JSON.stringify(events)}`);
      assert.equal(events.map((e) => e.dtmf.digit).join(''), '19#', 'the digits baresip sent, in order, once each');
      for (const e of events) {
        assert.equal(e.dtmf.track, 'inbound_track');
        assert.equal(e.streamSid, bot.streamSid);
        assert.equal(typeof e.sequenceNumber, 'string');
      }
      await scene.hooks.waitEvent('call.dtmf', id, (e) => e.digit === '#', 5000);
      const hooks = scene.hooks.events('call.dtmf', id).slice(before);
      assert.deepEqual(hooks, ['1', '9', '#'].map((digit) => ({ event: 'call.dtmf', call_id: id, digit })), 'one call.dtmf webhook per digit');
    }));

  test('(7) POST /dtmf: baresip receives the digits', (t) =>
    step(async () => {
      const { id } = theCall();
      const since = baresip.eventCount;
      const r = await scene.api.control(id, 'dtmf', { digits: '2580#' });
      assert.equal(r.status, 200, r.line);
      const deadline = Date.now() + 6000;
      const got = () => baresip.peer.events.slice(since).filter((e) => e.type === 'CALL_DTMF_START').map((e) => String(e.param ?? '')).join('');
      while (got().length < 5 && Date.now() < deadline) await sleep(100);
      t.diagnostic(`baresip received DTMF "${got()}"`);
      assert.equal(got(), '2580#', 'every digit arrives (a missing last digit that shows up with the next RTP burst means no RTP flows between bursts: see (5b))');
      const bad = await scene.api.control(id, 'dtmf', { digits: '12x' });
      assert.equal(bad.status, 400, bad.line);
      assert.equal(typeof bad.json?.message, 'string', 'errors are {"message": …}');
    }));

  test('(8) POST /play of a WAV url is heard at baresip; call.play_finished interrupted:false', (t) =>
    step(async () => {
      const { id } = theCall();
      const url = scene.hooks.serve('tone-600.wav', writeWav({ sampleRate: 8000, channels: 1, samples: tone(WAV_HZ, 1000) }));
      const mark = baresip.mark();
      const t0 = Date.now();
      const r = await scene.api.control(id, 'play', { url });
      assert.equal(r.status, 200, r.line);
      assert.equal(typeof r.json?.play_id, 'string', r.line);
      const playId = r.json.play_id as string;
      const finished = await scene.hooks.waitEvent('call.play_finished', id, (e) => e.play_id === playId, 10_000);
      const took = Date.now() - t0;
      t.diagnostic(`play ${playId}: call.play_finished after ${took} ms: ${JSON.stringify(finished)}`);
      assert.deepEqual(finished, { event: 'call.play_finished', call_id: id, play_id: playId, interrupted: false });
      assert.ok(took >= 800, `a 1 s WAV does not finish in ${took} ms`);
      assert.ok(took <= 4000, `a 1 s WAV finishes within 4 s (took ${took} ms)`);
      await sleep(300);
      t.diagnostic(assertBaresipHears(baresip.heardSince(mark, [WAV_HZ, CALLER_HZ]), WAV_HZ, CALLER_HZ, 'baresip hears the WAV'));
    }));

  test('(9) play with loop_count 0 runs until /play/stop; call.play_finished interrupted:true', (t) =>
    step(async () => {
      const { id } = theCall();
      const audio = pcm16le(tone(LOOP_HZ, 200)).toString('base64');
      const r = await scene.api.control(id, 'play', { audio, loop_count: 0 });
      assert.equal(r.status, 200, r.line);
      const playId = r.json?.play_id as string;
      await sleep(1500);
      assert.equal(scene.hooks.events('call.play_finished', id).filter((e) => e.play_id === playId).length, 0, 'an endless loop has not finished after 1.5 s');
      t.diagnostic(assertBaresipHears(baresip.heardSince(undefined, [LOOP_HZ, CALLER_HZ], 1000), LOOP_HZ, CALLER_HZ, 'baresip hears the loop'));
      const stop = await scene.api.control(id, 'play/stop');
      assert.equal(stop.status, 200, stop.line);
      const finished = await scene.hooks.waitEvent('call.play_finished', id, (e) => e.play_id === playId, 5000);
      assert.deepEqual(finished, { event: 'call.play_finished', call_id: id, play_id: playId, interrupted: true });
      const again = await scene.api.control(id, 'play/stop');
      assert.equal(again.status, 404, `no playback left to stop: ${again.line}`);
      await sleep(400);
      const mark = baresip.mark();
      await sleep(800);
      t.diagnostic(assertBaresipSilent(baresip.heardSince(mark, [LOOP_HZ, CALLER_HZ]), LOOP_HZ, 'baresip after /play/stop'));
    }));

  test('(10) POST /hold and /resume re-INVITE baresip; the call status follows', (t) =>
    step(async () => {
      const { id } = theCall();
      let since = baresip.peer.output.length;
      const hold = await scene.api.control(id, 'hold');
      assert.equal(hold.status, 200, hold.line);
      const held = await waitBaresipReceived(baresip, 'INVITE', since);
      t.diagnostic(`hold re-INVITE direction: ${directionOf(held.text)}`);
      assert.ok(['sendonly', 'inactive'].includes(directionOf(held.text)), `the hold re-INVITE offers sendonly or inactive:\n${held.text}`);
      const onHold = await scene.api.waitCall(id, (r) => r.json?.status === 'on_hold', 3000);
      assert.equal(onHold.json?.status, 'on_hold', onHold.line);

      since = baresip.peer.output.length;
      const resume = await scene.api.control(id, 'resume');
      assert.equal(resume.status, 200, resume.line);
      const resumed = await waitBaresipReceived(baresip, 'INVITE', since);
      assert.equal(directionOf(resumed.text), 'sendrecv', `the resume re-INVITE offers sendrecv:\n${resumed.text}`);
      const inProgress = await scene.api.waitCall(id, (r) => r.json?.status === 'in_progress', 3000);
      assert.equal(inProgress.json?.status, 'in_progress', inProgress.line);
    }));

  test('(10b) baresip holds and resumes: call.hold and call.resumed webhooks', (t) =>
    step(async () => {
      const { id } = theCall();
      const holds = scene.hooks.events('call.hold', id).length;
      const resumes = scene.hooks.events('call.resumed', id).length;
      await baresip.command('hold');
      await scene.hooks.waitEvent('call.hold', id, () => scene.hooks.events('call.hold', id).length > holds, 5000);
      await baresip.command('resume');
      await scene.hooks.waitEvent('call.resumed', id, () => scene.hooks.events('call.resumed', id).length > resumes, 5000);
      t.diagnostic(`webhooks for the call so far: ${scene.hooks.events(undefined, id).map((e) => e.event).join(', ')}`);
      assert.deepEqual(scene.hooks.events('call.hold', id).at(-1), { event: 'call.hold', call_id: id });
      assert.deepEqual(scene.hooks.events('call.resumed', id).at(-1), { event: 'call.resumed', call_id: id });
    }));

  test('(11) POST /transfer REFERs baresip, which calls the target; the first call ends with stop', (t) =>
    step(async () => {
      const { id, bot } = theCall();
      const since = baresip.peer.output.length;
      const target = `sip:transfer-target@127.0.0.1:${scene.gateway.sipPort}`;
      const r = await scene.api.control(id, 'transfer', { target });
      assert.equal(r.status, 200, r.line);
      const refer = await waitBaresipReceived(baresip, 'REFER', since);
      const referTo = /^(?:Refer-To|r):\s*(.*)$/im.exec(refer.text)?.[1] ?? '';
      t.diagnostic(`baresip got REFER, Refer-To: ${referTo}`);
      assert.match(referTo, /transfer-target@127\.0\.0\.1/, 'Refer-To names the target');

      const incoming = await scene.hooks.waitIncoming(1, 10_000);
      t.diagnostic(`baresip called the target: /incoming ${incoming.raw}`);
      assert.equal(incoming.body.to, 'transfer-target');
      call2 = String(incoming.body.call_id);
      assert.notEqual(call2, id);
      bot2 = await connectBot(wsUrlOf(scene.gateway.httpUrl, call2), { apiKey: scene.apiKey, retry404Ms: 3000 });
      await bot2.waitEvent('start');

      const stop = await bot.waitEvent('stop', () => true, 10_000);
      assert.equal(stop.json.streamSid, bot.streamSid);
      assert.equal(stop.json.stop?.callSid, id);
      assert.match(String(stop.json.stop?.accountSid), ACCOUNT_SID);
      const ended = await scene.hooks.waitEvent('call.ended', id, () => true, 10_000);
      t.diagnostic(`first call: ${JSON.stringify(ended)}`);
      assert.equal(typeof ended.reason, 'string');
      assert.equal(typeof ended.duration, 'number');
      await bot.waitClosed(5000);
    }));

  test('(12) DELETE hangs up: 204, baresip gets BYE, call.ended with reason and duration, the stream stops', (t) =>
    step(async () => {
      if (!call2 || !bot2) throw new Error('no second call: step (11) did not set one up');
      const b2 = bot2;
      await sleep(1200); // a call of at least a second
      const since = baresip.eventCount;
      const r = await scene.api.hangup(call2);
      assert.equal(r.status, 204, r.line);
      assert.equal(r.text, '', '204 has no body');
      await baresip.waitEvent('CALL_CLOSED', 10_000, since);
      const ended = await scene.hooks.waitEvent('call.ended', call2, () => true, 10_000);
      t.diagnostic(`call.ended: ${JSON.stringify(ended)}`);
      assert.equal(ended.reason, 'normal', 'a hangup by DELETE is a normal end');
      assert.ok(typeof ended.duration === 'number' && ended.duration >= 1 && ended.duration < 60, `duration in seconds (got ${ended.duration})`);
      const stop = await b2.waitEvent('stop', () => true, 5000);
      assert.equal(stop.json.stop?.callSid, call2);
      assert.equal(b2.json.at(-1)?.event, 'stop', 'stop is the last message');
      assert.equal(await b2.waitClosed(5000), 1000, 'the gateway closes the socket normally after stop');
      const again = await scene.api.hangup(call2);
      assert.equal(again.status, 404, again.line);
      assert.equal(typeof again.json?.message, 'string');
      assert.equal((await scene.api.getCall(call2)).status, 404);
      const left = await scene.api.listCalls();
      assert.deepEqual(left.json?.calls, [], `no call left: ${left.line}`);
    }));

  test('every webhook the gateway sent was signed with webhook.secret', (t) =>
    step(async () => {
      t.diagnostic(`${scene.hooks.received.length} webhooks: ${scene.hooks.summary()}`);
      assert.ok(scene.hooks.received.length >= 4);
      assert.deepEqual(scene.hooks.badlySigned().map((h) => `${h.path} ${h.body?.event ?? ''}: ${h.signature}`), []);
    }));
});
