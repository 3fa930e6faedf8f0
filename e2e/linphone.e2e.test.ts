/**
 * linphonec e2e — a second real SIP phone (liblinphone 5, Debian `linphone-cli`) against the bot API,
 * beside the baresip tests. One gateway child process (`auth.api_key`, signed webhooks to the test's
 * receiver) has linphonec as the trunk-host peer `lin` (127.0.0.1, its own SIP port); linphonec runs
 * headless from e2e/support/linphone-phone.ts (loopback, UDP, auto-answer, files sound card: it
 * plays a 440 Hz WAV into its calls and records what it receives); what it printed (and its `calls`
 * table) is the phone's side of every assertion.
 *  (a) outbound: POST /v1/calls {"peer":"lin"} → 201; linphonec rings and answers; call.ringing
 *      and call.answered webhooks; GET says in_progress; a bot on /ws/{id} gets `start` and media
 *      carrying linphonec's 440 Hz, and linphonec hears the bot's 1 kHz; POST /dtmf "123" is heard
 *      by linphonec as tones 1, 2, 3; /hold pauses it (PausedByRemote, GET on_hold), /resume
 *      resumes it (StreamsRunning, GET in_progress, media again); DELETE → 204, linphonec's call
 *      ends, call.ended (normal), `stop` on the stream.
 *  (b) inbound: linphonec dials sip:5551234@<gateway> (offering opus, speex, PCMU…); /incoming
 *      names peer "lin"; accept+stream answers it; the bot gets `start` and linphonec's audio;
 *      DELETE ends it at linphonec.
 * Every webhook must carry a valid signature.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sleep } from './support/audio-checks.ts';
import { connectBot, levelsDbfs, tone, wsUrlOf, type BotSocket } from './support/bot.ts';
import { setUpBotScene, withContext, type BotScene } from './support/bot-scene.ts';
import { LinphonePhone } from './support/linphone-phone.ts';

const STREAM_SID = /^MZ[0-9a-fA-F]{32}$/;
/** What linphonec sends (its play file) and what the bot sends. */
const LIN_HZ = 440;
const BOT_HZ = 1000;

/** Escapes a string for use inside a RegExp. */
const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('linphonec as a SIP peer of the bot API', () => {
  let scene: BotScene;
  let lin: LinphonePhone;
  const bots: BotSocket[] = [];

  before(async () => {
    lin = await LinphonePhone.start({ user: 'lin', sineHz: LIN_HZ, record: true });
    try {
      scene = await setUpBotScene({
        peers: [{ name: 'lin', host: '127.0.0.1', port: lin.sipPort }],
        decide: () => ({ action: 'accept', stream: true }),
      });
      // The harness waited for /health "ok", which now means the call engine runs: REST calls
      // right away must work (this once raced: ok came with the SIP sockets, before the engine).
    } catch (err) {
      await scene?.close();
      await lin.stop();
      throw err;
    }
  });
  after(async () => {
    for (const b of bots) b.close();
    await scene?.close();
    await lin?.stop();
  });

  /** Runs a step; a failure's message gets the bots' view, the webhooks, the gateway log and linphonec's output. */
  function step(fn: () => Promise<void>): Promise<void> {
    return withContext(() => scene.report(`${bots.map((b, i) => `--- bot ${i + 1} ---\n${b.summary()}`).join('\n')}\n--- linphonec ---\n${lin.tail(80)}`), fn);
  }

  /**
   * Connects a bot to the call's stream (`url`, default /ws/{id}), checks `connected` and `start`,
   * then that 1 s of media carries linphonec's 440 Hz and that linphonec hears the bot's 1 kHz.
   */
  /** DELETE the call: 204, linphonec reports it ended, call.ended (normal, with a duration), the stream gets `stop`. */
  async function hangUpByDelete(id: string, linCall: string, bot: BotSocket, t: { diagnostic(s: string): void }): Promise<void> {
    await sleep(300);
    const since = lin.lineCount;
    const del = await scene.api.hangup(id);
    assert.equal(del.status, 204, del.line);
    const ended = await lin.waitLine(new RegExp(`Call ${linCall} with .* ended`), 5000, since);
    t.diagnostic(`linphonec: ${ended.line}`);
    const endedHook = await scene.hooks.waitEvent('call.ended', id, () => true, 10_000);
    t.diagnostic(`call.ended: ${JSON.stringify(endedHook)}`);
    assert.equal(endedHook.reason, 'normal', 'a hangup by DELETE is a normal end');
    assert.equal(typeof endedHook.duration, 'number');
    const stop = await bot.waitEvent('stop', () => true, 5000);
    assert.equal(stop.json.stop?.callSid, id);
  }

  async function attachBot(id: string, t: { diagnostic(s: string): void }, url = wsUrlOf(scene.gateway.httpUrl, id)): Promise<BotSocket> {
    const bot = await connectBot(url, { apiKey: scene.apiKey, retry404Ms: 3000 });
    bots.push(bot);
    const start = (await bot.waitEvent('start', () => true, 10_000)).json;
    t.diagnostic(`start: ${JSON.stringify(start)}`);
    assert.deepEqual(bot.json[0], { event: 'connected', protocol: 'Call', version: '1.0.0' }, 'the first message is connected');
    assert.match(start.streamSid, STREAM_SID);
    assert.equal(start.start.callSid, id, 'callSid is the REST call id');
    assert.deepEqual(start.start.mediaFormat, { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 });
    const since = bot.count;
    await bot.until(() => bot.received('media').filter((m) => bot.messages.indexOf(m) >= since).length >= 50, '50 media frames (1 s) after start', 5000);
    const frames = bot.received('media').filter((m) => bot.messages.indexOf(m) >= since).map((m) => m.json);
    for (const f of frames) {
      assert.equal(f.streamSid, start.streamSid);
      assert.equal(Buffer.from(f.media.payload, 'base64').length, 160, 'a 20 ms μ-law frame is 160 bytes');
    }
    const levels = levelsDbfs(bot.callerAudio(since), 8000, [LIN_HZ, BOT_HZ]);
    t.diagnostic(`${frames.length} media frames; ${LIN_HZ} Hz ${levels[LIN_HZ]!.toFixed(1)} dBFS, ${BOT_HZ} Hz ${levels[BOT_HZ]!.toFixed(1)} dBFS`);
    assert.ok(levels[LIN_HZ]! >= -35 && levels[LIN_HZ]! - levels[BOT_HZ]! >= 20, 'the bot hears linphonec\'s 440 Hz');

    // And linphonec hears the bot (what it records of the call).
    // The tone is sent in one burst (the gateway paces it): judge 0.3–0.9 s after it was sent.
    const mark = lin.recordingMark();
    await bot.sendAudio(tone(BOT_HZ, 1000));
    const deadline = Date.now() + 4000;
    let heard = lin.received(mark);
    while (heard.samples.length < heard.sampleRate && Date.now() < deadline) {
      await sleep(100);
      heard = lin.received(mark);
    }
    const window = heard.samples.subarray(Math.round(heard.sampleRate * 0.3), Math.round(heard.sampleRate * 0.9));
    const at = levelsDbfs(window, heard.sampleRate, [BOT_HZ, LIN_HZ]);
    t.diagnostic(`linphonec recorded ${(heard.samples.length / heard.sampleRate).toFixed(2)} s after the bot sent 1 s of ${BOT_HZ} Hz; 0.3–0.9 s: ${BOT_HZ} Hz ${at[BOT_HZ]!.toFixed(1)} dBFS, ${LIN_HZ} Hz ${at[LIN_HZ]!.toFixed(1)} dBFS`);
    assert.ok(window.length >= heard.sampleRate * 0.6 * 0.99, `linphonec recorded at least 0.9 s of the call within 4 s (got ${(heard.samples.length / heard.sampleRate).toFixed(2)} s)`);
    assert.ok(at[BOT_HZ]! >= -35 && at[BOT_HZ]! - at[LIN_HZ]! >= 20, 'linphonec hears the bot\'s 1 kHz');
    return bot;
  }

  test('(a) REST outbound call to linphonec: answer, stream, DTMF, hold/resume, DELETE', (t) =>
    step(async () => {
      let since = lin.lineCount;
      const created = await scene.api.createCall({ to: 'lin', from: 'bot', peer: 'lin' });
      assert.equal(created.status, 201, created.line);
      assert.equal(created.json.status, 'dialing', created.line);
      const id = created.json.call_id;
      assert.equal(typeof id, 'string', created.line);
      assert.equal(typeof created.json.ws_url, 'string', created.line);

      const incoming = await lin.waitLine(/Receiving new incoming call from ([^\s,]+)/, 10_000, since);
      t.diagnostic(`linphonec: ${incoming.line}`);
      assert.match(incoming.match[1]!, /^<?sip:bot@127\.0\.0\.1/, 'the From is the bot number at the gateway');
      const connected = await lin.waitLine(/Call (\d+) with (\S+) connected/, 10_000, since);
      t.diagnostic(`linphonec: ${connected.line}`);
      const linCall = connected.match[1]!;

      const ringing = await scene.hooks.waitEvent('call.ringing', id, () => true, 10_000);
      assert.deepEqual(ringing, { event: 'call.ringing', call_id: id, from: 'bot', to: 'lin' });
      const answered = await scene.hooks.waitEvent('call.answered', id, () => true, 10_000);
      assert.deepEqual(answered, { event: 'call.answered', call_id: id });
      const events = scene.hooks.events(undefined, id).map((e) => e.event);
      assert.ok(events.indexOf('call.ringing') < events.indexOf('call.answered'), `ringing before answered: ${events.join(', ')}`);
      const got = await scene.api.waitCall(id, (r) => r.json?.status === 'in_progress', 5000);
      assert.equal(got.status, 200, got.line);
      assert.deepEqual(got.json, { call_id: id, from: 'bot', to: 'lin', direction: 'outbound', status: 'in_progress', peer: 'lin' }, got.line);

      const bot = await attachBot(id, t, created.json.ws_url);

      // DTMF: RFC 4733 events, which linphonec prints as tones.
      since = lin.lineCount;
      const dtmf = await scene.api.control(id, 'dtmf', { digits: '123' });
      assert.equal(dtmf.status, 200, dtmf.line);
      for (const d of ['1', '2', '3']) await lin.waitLine(new RegExp(`Receiving tone ${re(d)} from`), 5000, since);
      const tones = lin.linesMatching(/Receiving tone (\S+) from/, since).map((l) => /Receiving tone (\S+) from/.exec(l)![1]);
      t.diagnostic(`linphonec heard tones: ${tones.join(' ')}`);
      assert.deepEqual(tones, ['1', '2', '3'], 'each digit once, in order');

      // Hold: a re-INVITE linphonec reports as being paused by the far end.
      since = lin.lineCount;
      const hold = await scene.api.control(id, 'hold');
      assert.equal(hold.status, 200, hold.line);
      const paused = await lin.waitLine(new RegExp(`Call ${linCall} has been paused by`), 5000, since);
      t.diagnostic(`linphonec: ${paused.line}`);
      await lin.waitCallState(linCall, 'PausedByRemote');
      const onHold = await scene.api.waitCall(id, (r) => r.json?.status === 'on_hold', 3000);
      assert.equal(onHold.json?.status, 'on_hold', onHold.line);

      since = lin.lineCount;
      const resume = await scene.api.control(id, 'resume');
      assert.equal(resume.status, 200, resume.line);
      const resumed = await lin.waitLine(new RegExp(`Media streams established with .* for call ${linCall} `), 5000, since);
      t.diagnostic(`linphonec: ${resumed.line}`);
      await lin.waitCallState(linCall, 'StreamsRunning');
      const inProgress = await scene.api.waitCall(id, (r) => r.json?.status === 'in_progress', 3000);
      assert.equal(inProgress.json?.status, 'in_progress', inProgress.line);
      const afterResume = bot.count;
      await bot.until(() => bot.received('media').filter((m) => bot.messages.indexOf(m) >= afterResume).length >= 25, 'media frames after resume', 5000);
      const back = levelsDbfs(bot.callerAudio(afterResume), 8000, [LIN_HZ, BOT_HZ]);
      assert.ok(back[LIN_HZ]! >= -35, `linphonec's 440 Hz is back after resume (${back[LIN_HZ]!.toFixed(1)} dBFS)`);

      // DELETE: BYE; linphonec ends the call; the stream stops; call.ended.
      await hangUpByDelete(id, linCall, bot, t);
      assert.equal(await bot.waitClosed(5000), 1000, 'the gateway closes the stream normally after stop');
      assert.equal((await scene.api.getCall(id)).status, 404, 'the call is gone');
    }));

  test('(b) inbound: linphonec dials the gateway; /incoming (peer lin) accepts with a stream; DELETE ends it', (t) =>
    step(async () => {
      assert.deepEqual([...(await lin.callStates())], [], 'linphonec has no call left from (a)');
      const n = scene.hooks.incoming().length;
      let since = lin.lineCount;
      lin.call(`sip:5551234@127.0.0.1:${scene.gateway.sipPort}`);

      const incoming = await scene.hooks.waitIncoming(n, 10_000);
      t.diagnostic(`/incoming: ${incoming.raw}`);
      assert.equal(incoming.signature, 'valid', '/incoming carries a valid X-Patchbay-Signature');
      assert.equal(incoming.body.direction, 'inbound');
      assert.equal(incoming.body.to, '5551234');
      assert.equal(incoming.body.from, 'lin');
      assert.equal(incoming.body.peer, 'lin', 'the trunk-host peer name');
      const id = String(incoming.body.call_id);

      const connected = await lin.waitLine(/Call (\d+) with (\S+) connected/, 10_000, since);
      t.diagnostic(`linphonec: ${connected.line}`);
      const linCall = connected.match[1]!;
      const answered = await scene.hooks.waitEvent('call.answered', id, () => true, 10_000);
      assert.deepEqual(answered, { event: 'call.answered', call_id: id });
      const got = await scene.api.waitCall(id, (r) => r.json?.status === 'in_progress', 5000);
      assert.deepEqual(got.json, { call_id: id, from: 'lin', to: '5551234', direction: 'inbound', status: 'in_progress', peer: 'lin' }, got.line);

      const bot = await attachBot(id, t);

      await hangUpByDelete(id, linCall, bot, t);
      const left = await scene.api.listCalls();
      assert.deepEqual(left.json?.calls, [], `no call left: ${left.line}`);
    }));

  test('every webhook the gateway sent was signed with webhook.secret', (t) =>
    step(async () => {
      t.diagnostic(`${scene.hooks.received.length} webhooks: ${scene.hooks.summary()}`);
      assert.deepEqual(scene.hooks.badlySigned().map((h) => `${h.path} ${h.body?.event ?? ''}: ${h.signature}`), []);
    }));
});
