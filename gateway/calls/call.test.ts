/**
 * The Call state machine with fake legs on one hand-cranked clock (media ticks and call timers
 * alike): progress and early media relayed, answer, the callee's failures mapped for the caller,
 * CANCEL, the no-answer and RTP timeouts, ICE failure, hold/resume both ways, DTMF across (RFC 4733
 * and INFO), the CDR fields, and the close cascade.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initResampler, MediaClock, type CodecName } from '../../media/index.ts';
import { ManualClockDriver } from '../../media/clock-manual.ts';
import { Call, type CallOptions, type CallState } from './call.ts';
import type { CallDetailRecord } from './cdr.ts';
import { decodeSent, toneShare, ToneSource } from './testing/audio.ts';
import { connectAndAnswer, FakeCallLeg } from './testing/fake-call-leg.ts';
import { mediaRunner, settle } from './testing/media-time.ts';

before(async () => {
  await initResampler();
});

const tick = settle;

function rig(aCodecs: CodecName[] = ['opus', 'PCMU'], bCodecs: CodecName[] = ['PCMU'], options: Partial<CallOptions> = {}, bTelephoneEvent = true) {
  const driver = new ManualClockDriver();
  const clock = new MediaClock({ driver, spinMs: 0 });
  clock.start();
  const a = new FakeCallLeg({ id: 'a', codecs: aCodecs });
  const b = new FakeCallLeg({ id: 'b', codecs: bCodecs, telephoneEvent: bTelephoneEvent });
  let wall = 1_700_000_000_000;
  const call = new Call({
    id: 'call-1',
    a,
    from: '1001',
    to: '1002',
    direction: 'outbound',
    route: 'user:1002',
    clock,
    timers: driver,
    now: () => wall + driver.nowMs,
    ...options,
  });
  const states: CallState[] = [];
  call.on('state', (s) => states.push(s));
  let cdr: CallDetailRecord | undefined;
  call.on('ended', (r) => (cdr = r));
  const run = mediaRunner(driver);
  const setWall = (ms: number) => (wall = ms);
  return { driver, clock, a, b, call, states, run, cdr: () => cdr, setWall };
}

async function answered(r: ReturnType<typeof rig>, codec?: CodecName) {
  await connectAndAnswer(r.call, r.b, codec);
}

describe('Call', () => {
  test('ringing → early media (183 relayed, audio flows) → answered → caller hangs up; CDR', async () => {
    const r = rig();
    const { a, b, call, states } = r;
    call.connect(b);
    assert.deepEqual(b.log, ['dial']);
    b.ringing();
    await tick();
    assert.deepEqual(a.log, ['ring 180']);
    assert.equal(call.state, 'ringing');
    b.early('PCMU');
    await tick();
    assert.deepEqual(a.log, ['ring 180', 'ring 183 PCMU'], 'the caller took the callee codec (passthrough policy)');
    assert.equal(call.state, 'early_media');
    assert.equal(call.bridge?.mode, 'passthrough');
    // Early media: ringback from the callee reaches the caller.
    const ringback = new ToneSource(b.mediaLeg!, 425);
    await r.run(600, () => ringback.frame());
    assert.ok(toneShare(decodeSent(a.mediaLeg!.sent, a.mediaLeg!.codec), 8000, 425) > 0.95);
    b.answered();
    await tick();
    await tick();
    assert.deepEqual(a.log.slice(2), ['answer PCMU']);
    assert.equal(call.state, 'answered');
    const toB = new ToneSource(a.mediaLeg!, 1000);
    const toA = new ToneSource(b.mediaLeg!, 440);
    await r.run(1000, () => {
      toB.frame();
      toA.frame();
    });
    r.setWall(1_700_000_000_000 + 61_000);
    a.bye();
    assert.deepEqual(b.log, ['dial', 'bye']);
    assert.deepEqual(states, ['early_media', 'answered', 'ended']);
    const cdr = r.cdr()!;
    assert.ok(cdr);
    assert.equal(cdr.callId, 'call-1');
    assert.equal(cdr.from, '1001');
    assert.equal(cdr.to, '1002');
    assert.equal(cdr.direction, 'outbound');
    assert.equal(cdr.route, 'user:1002');
    assert.equal(cdr.endReason, 'normal');
    assert.equal(cdr.sipCode, 200);
    assert.equal(cdr.endedBy, 'caller');
    assert.equal(cdr.bridgeMode, 'passthrough');
    assert.equal(cdr.startTime, new Date(1_700_000_000_000).toISOString());
    assert.equal(cdr.answerTime, new Date(1_700_000_000_000 + 600).toISOString());
    // Answered at media time 600 ms; ended at 61 s of wall clock on top of 1600 ms of media time.
    assert.ok(Math.abs(cdr.durationSeconds - (61 + 1.6 - 0.6)) < 0.001, String(cdr.durationSeconds));
    assert.equal(cdr.legs.a.codec, 'PCMU');
    assert.equal(cdr.legs.b!.codec, 'PCMU');
    assert.equal(cdr.legs.a.packetsReceived, 50);
    assert.equal(cdr.legs.b!.packetsReceived, 30 + 50);
    assert.equal(cdr.legs.b!.packetsSent, 50);
    assert.equal(cdr.legs.a.packetsSent, 80);
    assert.equal(cdr.legs.a.packetsLost, 0);
    assert.equal(cdr.legs.a.jitterMs, 0);
    assert.equal(call.closed, true);
    assert.equal(a.mediaLeg!.closeReason, 'parent');
    assert.equal(b.mediaLeg!.closeReason, 'parent');
    assert.equal(r.clock.getStats().listeners, 0);
  });

  test('a caller that only offers Opus is transcoded against a PCMU callee; the CDR says so', async () => {
    const r = rig(['opus'], ['PCMU']);
    await answered(r);
    assert.deepEqual(r.a.log, ['ring 180', 'answer opus']);
    assert.equal(r.call.bridge?.mode, 'transcode');
    const toB = new ToneSource(r.a.mediaLeg!, 1000);
    await r.run(1000, () => toB.frame());
    assert.ok(toneShare(decodeSent(r.b.mediaLeg!.sent, r.b.mediaLeg!.codec), 8000, 1000, 200) > 0.9);
    r.b.bye();
    const cdr = r.cdr()!;
    assert.equal(cdr.bridgeMode, 'transcode');
    assert.equal(cdr.endedBy, 'callee');
    assert.deepEqual([cdr.legs.a.codec, cdr.legs.b!.codec], ['opus', 'PCMU']);
    assert.ok(cdr.legs.b!.packetsSent > 40);
  });

  for (const [status, reason, toCaller] of [
    [486, 'busy', 486],
    [603, 'rejected', 603],
    [404, 'rejected', 404],
    [480, 'no_answer', 480],
    [503, 'error', 503],
    [407, 'rejected', 403],
  ] as const) {
    test(`callee ${status} → ${reason}, caller gets ${toCaller}`, async () => {
      const r = rig();
      r.call.connect(r.b);
      r.b.ringing();
      await tick();
      r.b.fail(status);
      assert.deepEqual(r.a.log, ['ring 180', `end ${toCaller}`]);
      const cdr = r.cdr()!;
      assert.equal(cdr.endReason, reason);
      assert.equal(cdr.sipCode, toCaller);
      assert.equal(cdr.answerTime, null);
      assert.equal(cdr.durationSeconds, 0);
      assert.equal(cdr.bridgeMode, null);
    });
  }

  test('the caller cancels: the callee gets CANCEL; cancelled/487', async () => {
    const r = rig();
    r.call.connect(r.b);
    r.b.early();
    await tick();
    r.a.cancelled();
    assert.deepEqual(r.b.log, ['dial', 'cancel']);
    assert.equal(r.cdr()!.endReason, 'cancelled');
    assert.equal(r.cdr()!.sipCode, 487);
    assert.equal(r.cdr()!.endedBy, 'caller');
    assert.equal(r.cdr()!.bridgeMode, 'passthrough', 'early media was bridged');
  });

  test('no answer within calls.no_answer_timeout: callee cancelled, caller 480', async () => {
    const r = rig(undefined, undefined, { noAnswerTimeoutMs: 30_000 });
    r.call.connect(r.b);
    r.b.ringing();
    await r.run(29_980);
    assert.equal(r.call.state, 'ringing');
    await r.run(40);
    assert.deepEqual(r.b.log, ['dial', 'cancel']);
    assert.deepEqual(r.a.log, ['ring 180', 'end 480']);
    assert.equal(r.cdr()!.endReason, 'no_answer');
    assert.equal(r.cdr()!.endedBy, 'system');
    assert.equal(r.driver.pending, 0, "no timer left: the call's own are gone and the media clock sleeps with nobody listening");
  });

  test('the no-answer timer stops at answer', async () => {
    const r = rig(undefined, undefined, { noAnswerTimeoutMs: 5_000, rtpTimeoutMs: 0 });
    await answered(r);
    await r.run(10_000);
    assert.equal(r.call.state, 'answered');
    r.call.hangup();
    assert.equal(r.cdr()!.endReason, 'normal');
    assert.deepEqual(r.b.log, ['dial', 'bye']);
    assert.deepEqual(r.a.log.at(-1), 'bye');
  });

  test('hold and resume propagate both ways and drive on_hold', async () => {
    const r = rig();
    await answered(r);
    const holds: string[] = [];
    r.call.on('hold', (by, on) => holds.push(`${by}:${on}`));
    r.a.reoffer('sendonly');
    assert.equal(r.call.state, 'on_hold');
    r.a.reoffer('sendrecv');
    assert.equal(r.call.state, 'answered');
    r.b.reoffer('inactive');
    assert.equal(r.call.state, 'on_hold');
    r.b.reoffer('recvonly'); // not a hold: receiving again
    assert.equal(r.call.state, 'answered');
    assert.deepEqual(r.b.log.slice(1), ['direction sendonly', 'direction sendrecv']);
    assert.deepEqual(r.a.log.slice(2), ['direction inactive', 'direction recvonly']);
    assert.deepEqual(holds, ['a:true', 'a:false', 'b:true', 'b:false']);
    assert.deepEqual(r.states, ['answered', 'on_hold', 'answered', 'on_hold', 'answered']);
    r.call.hangup();
  });

  test('RTP timeout ends an answered call, but not while it is on hold', async () => {
    const r = rig(['PCMU'], ['PCMU'], { rtpTimeoutMs: 5_000 });
    await answered(r);
    const toB = new ToneSource(r.a.mediaLeg!, 1000);
    const toA = new ToneSource(r.b.mediaLeg!, 440);
    await r.run(2_000, () => {
      toB.frame();
      toA.frame();
    });
    r.a.reoffer('inactive'); // on hold: nobody sends
    await r.run(20_000);
    assert.equal(r.call.state, 'on_hold');
    r.a.reoffer('sendrecv');
    await r.run(3_000, () => {
      toB.frame();
      toA.frame();
    });
    assert.equal(r.call.state, 'answered');
    // Now the callee's media stops (its side goes silent) while the caller keeps talking.
    await r.run(6_000, () => toB.frame());
    assert.equal(r.call.state, 'ended');
    const cdr = r.cdr()!;
    assert.equal(cdr.endReason, 'media_timeout');
    assert.equal(cdr.sipCode, 408);
    assert.equal(cdr.endedBy, 'callee');
    assert.deepEqual(r.a.log.at(-1), 'bye SIP;cause=408;text="RTP timeout"');
    assert.deepEqual(r.b.log.at(-1), 'bye SIP;cause=408;text="RTP timeout"');
  });

  test('an ICE/DTLS failure ends the call (ice_failed, 503)', async () => {
    const r = rig();
    await answered(r);
    r.a.emit('mediaFailed', 'DTLS failed');
    assert.equal(r.cdr()!.endReason, 'ice_failed');
    assert.equal(r.cdr()!.sipCode, 503);
    assert.equal(r.b.log.at(-1), 'bye SIP;cause=503;text="ICE/DTLS failed"');
  });

  test('DTMF crosses: RFC 4733 both ways, INFO in, INFO out toward a leg without telephone-event', async () => {
    const r = rig(['PCMU'], ['PCMU'], {}, false);
    await answered(r);
    const seen: string[] = [];
    r.call.on('dtmf', (from, d) => seen.push(`${from}${d}`));
    r.a.mediaLeg!.press('5', 100); // RFC 4733 from the caller → callee has no telephone-event → INFO
    r.b.info('9', 160); // INFO from the callee → RFC 4733 toward the caller
    r.b.mediaLeg!.press('#', 80); // RFC 4733 from the callee (it can receive, just not send, events)
    await tick();
    assert.deepEqual(r.b.log.slice(1), ['info 5 100']);
    assert.deepEqual(r.a.mediaLeg!.dtmfSent, [
      { digits: '9', durationMs: 160 },
      { digits: '#', durationMs: 80 },
    ]);
    assert.deepEqual(seen, ['a5', 'b9', 'b#']);
    r.call.hangup();
  });

  test('a failing answer toward the caller ends the call as an error', async () => {
    const r = rig();
    r.a.failAnswer = true;
    await answered(r);
    assert.equal(r.cdr()!.endReason, 'error');
    assert.deepEqual(r.a.log.at(-1), 'end 500');
    assert.deepEqual(r.b.log.at(-1), 'bye SIP;cause=500;text="Internal error"');
  });

  test('close() cascades to the legs once; repeated closes and late events are harmless', async () => {
    const r = rig();
    await answered(r);
    let ended = 0;
    r.call.on('ended', () => ended++);
    r.call.close();
    r.call.close();
    r.call.hangup();
    r.b.bye();
    assert.equal(ended, 1);
    assert.equal(r.a.closed && r.b.closed, true);
    assert.equal(r.cdr()!.endReason, 'normal');
    assert.equal(r.cdr()!.endedBy, 'system');
    for (const leg of [r.a, r.b]) {
      for (const e of ['progress', 'answered', 'failed', 'hangup', 'direction', 'dtmf', 'mediaFailed', 'renegotiated'] as const) {
        assert.equal(leg.listenerCount(e), 0, `${leg.id} ${e}`);
      }
    }
    // connect after the end closes the new leg at once.
    const late = new FakeCallLeg({ id: 'late' });
    r.call.connect(late);
    assert.equal(late.closed, true);
    assert.deepEqual(late.log, ['cancel']);
  });

  test('rejecting before any callee (routing): the caller gets the status', () => {
    const r = rig();
    r.call.reject(404);
    assert.deepEqual(r.a.log, ['end 404']);
    assert.equal(r.cdr()!.endReason, 'rejected');
    assert.equal(r.cdr()!.legs.b, null);
  });
});

