/**
 * Call control with fake legs on one hand-cranked clock: a REFER from one leg relayed on the other
 * leg's dialog (mapped target, progress and final status back as NOTIFYs, 'transferred' and the end
 * on a 2xx, refused with 603 before the answer or without a dialog), the transferor hanging up while
 * its transfer runs (the call waits for the outcome or the 32 s grace), the REST controls (transfer,
 * hold/resume, DTMF) and mute/tap kept across a bridge made after they were set.
 *
 * The legs' dialogs are FakeDialogs whose refer() hands back a real ReferSubscription that the test
 * drives with handleNotify()/end(); the REFERs the far ends send are real IncomingRefers whose
 * handler records the NOTIFYs the Call asks for.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initResampler, MediaClock, type CodecName } from '../../media/index.ts';
import { ManualClockDriver } from '../../media/clock-manual.ts';
import { IncomingRefer, ReferSubscription, SipError, type Dialog, type SipRequest } from '../sip/index.ts';
import { Call, type CallOptions, type CallState } from './call.ts';
import type { CallDetailRecord } from './cdr.ts';
import { referTargetMapper } from './refer-target.ts';
import { decodeSent, toneShare, ToneSource } from './testing/audio.ts';
import { connectAndAnswer, FakeCallLeg } from './testing/fake-call-leg.ts';
import { mediaRunner, settle } from './testing/media-time.ts';

before(async () => {
  await initResampler();
});

const tick = settle;

/** Call's TRANSFER_GRACE_MS (not exported). */
const GRACE_MS = 32_000;

/** Our SIP address: numbers and sip:…@example.com become sip:…@10.0.0.1:5070. */
const referTarget = referTargetMapper(() => ({ address: () => ({ host: '10.0.0.1', port: 5070 }) }), ['example.com']);

function request(method: string): SipRequest {
  return { kind: 'request', version: 'SIP/2.0', method, uri: 'sip:gw@10.0.0.1:5070', headers: [], body: Buffer.alloc(0) };
}

interface SentRefer {
  target: string;
  referredBy: string | true | undefined;
  subscription: ReferSubscription;
  /** The transferee answered 202: refer() resolves with the subscription. */
  accept(): Promise<void>;
  /** The transferee refused the REFER: refer() rejects with SipError(status). */
  decline(status: number, reason?: string): Promise<void>;
  /** A NOTIFY with this sipfrag status arrived (`final`: Subscription-State terminated). */
  notify(status: number, reason: string, final?: boolean): Promise<void>;
}

/** The part of a Dialog the Call uses: `terminated` and `refer()`. */
class FakeDialog {
  terminated = false;
  readonly refers: SentRefer[] = [];

  refer(target: string, options: { referredBy?: string | true } = {}): Promise<ReferSubscription> {
    const subscription = new ReferSubscription();
    subscription.bind(String(this.refers.length + 1));
    return new Promise((resolve, reject) => {
      this.refers.push({
        target,
        referredBy: options.referredBy,
        subscription,
        accept: async () => {
          resolve(subscription);
          await tick();
        },
        decline: async (status, reason) => {
          subscription.end();
          reject(new SipError(status, reason));
          await tick();
        },
        notify: async (status, reason, final = status >= 200) => {
          subscription.handleNotify({ status, reason }, final, request('NOTIFY'));
          await tick();
        },
      });
    });
  }

  get dialog(): Dialog {
    return this as unknown as Dialog;
  }
}

/** A REFER the far end of a leg sent, with the NOTIFYs the Call had its dialog send back. */
function incomingRefer(referTo: string, referredBy?: string) {
  const notified: string[] = [];
  const refer = new IncomingRefer(request('REFER'), referTo, referredBy, {
    notify: async (status, reason) => {
      notified.push(reason === undefined ? String(status) : `${status} ${reason}`);
      return undefined;
    },
  });
  return { refer, notified };
}

function rig(options: Partial<CallOptions> = {}, codecs: { a?: CodecName[]; b?: CodecName[]; bTelephoneEvent?: boolean } = {}) {
  const driver = new ManualClockDriver();
  const clock = new MediaClock({ driver, spinMs: 0 });
  clock.start();
  const a = new FakeCallLeg({ id: 'a', codecs: codecs.a ?? ['PCMU'] });
  const b = new FakeCallLeg({ id: 'b', codecs: codecs.b ?? ['PCMU'], telephoneEvent: codecs.bTelephoneEvent ?? true });
  const aDialog = new FakeDialog();
  const bDialog = new FakeDialog();
  a.dialog = aDialog.dialog;
  b.dialog = bDialog.dialog;
  const call = new Call({
    id: 'call-1',
    a,
    from: '1001',
    to: '1002',
    direction: 'outbound',
    clock,
    timers: driver,
    now: () => 1_700_000_000_000 + driver.nowMs,
    referTarget,
    rtpTimeoutMs: 0,
    ...options,
  });
  const states: CallState[] = [];
  call.on('state', (s) => states.push(s));
  const ended: CallDetailRecord[] = [];
  call.on('ended', (r) => ended.push(r));
  const transferred: string[] = [];
  call.on('transferred', (t) => transferred.push(t));
  const holds: string[] = [];
  call.on('hold', (by, on) => holds.push(`${by}:${on}`));
  const run = mediaRunner(driver);
  return { driver, clock, a, b, aDialog, bDialog, call, states, ended, transferred, holds, run, cdr: () => ended[0] };
}

type Rig = ReturnType<typeof rig>;

async function answer(r: Rig, codec?: CodecName) {
  await connectAndAnswer(r.call, r.b, codec);
  assert.equal(r.call.state, 'answered');
}

/** The caller (A) asks to transfer the callee (B) to `referTo`; the REFER relayed on B's dialog. */
async function callerRefers(r: Rig, referTo = 'sip:1003@example.com', referredBy?: string) {
  const { refer, notified } = incomingRefer(referTo, referredBy);
  const rejection = r.a.referred(refer);
  assert.equal(rejection, undefined, 'the REFER was accepted (202)');
  assert.equal(r.bDialog.refers.length, 1, 'one REFER went out on the callee leg');
  const sent = r.bDialog.refers[0]!;
  await sent.accept();
  return { refer, notified, sent };
}

describe('Call: a REFER relayed to the other leg', () => {
  test('accepted: REFER on the other leg with the mapped URI; 180 relayed; final 200 → transferred, call ends normally', async () => {
    const r = rig();
    await answer(r);
    const { refer, notified, sent } = await callerRefers(r);
    assert.equal(sent.target, 'sip:1003@10.0.0.1:5070', 'Refer-To mapped through options.referTarget');
    assert.equal(sent.referredBy, true, 'no Referred-By from the transferor: our own');
    assert.equal(r.aDialog.refers.length, 0, 'nothing sent back to the transferor leg');
    assert.equal(refer.state, 'accepted');
    assert.deepEqual(notified, ['100 Trying'], "the dialog's own first NOTIFY");

    await sent.notify(100, 'Trying', false);
    await sent.notify(180, 'Ringing');
    assert.deepEqual(notified, ['100 Trying', '180 Ringing'], "the transferee's 100 is not relayed twice");
    assert.equal(r.call.state, 'answered', 'still up while the transferee rings the target');
    assert.equal(r.ended.length, 0);

    await sent.notify(200, 'OK');
    assert.deepEqual(notified.at(-1), '200 OK');
    assert.equal(refer.state, 'terminated');
    assert.deepEqual(r.transferred, ['sip:1003@10.0.0.1:5070']);
    assert.equal(r.call.state, 'ended');
    assert.equal(r.ended.length, 1);
    const cdr = r.cdr()!;
    assert.equal(cdr.endReason, 'normal');
    assert.equal(cdr.sipCode, 200);
    assert.equal(cdr.endedBy, 'system');
    assert.equal(r.a.log.at(-1), 'bye');
    assert.equal(r.b.log.at(-1), 'bye');
    assert.equal(r.call.closed, true);
  });

  test("the transferor's Referred-By is passed on; a bare-number Refer-To is mapped too", async () => {
    const r = rig();
    await answer(r);
    const { sent } = await callerRefers(r, '<sip:1003@example.com>', '<sip:1001@example.com>');
    assert.equal(sent.target, 'sip:1003@10.0.0.1:5070');
    assert.equal(sent.referredBy, 'sip:1001@example.com');
    r.call.hangup();

    const r2 = rig();
    await answer(r2);
    const { refer } = incomingRefer('<tel:1004>');
    r2.a.referred(refer);
    assert.equal(r2.bDialog.refers[0]!.target, 'sip:1004@10.0.0.1:5070');
    r2.call.hangup();
  });

  test('without options.referTarget the Refer-To URI goes on unchanged (URI headers stripped)', async () => {
    const r = rig({ referTarget: undefined });
    await answer(r);
    const { refer } = incomingRefer('<sip:1003@pbx.example.org;transport=tcp?X-Foo=1>');
    r.a.referred(refer);
    assert.equal(r.bDialog.refers[0]!.target, 'sip:1003@pbx.example.org;transport=tcp');
    r.call.hangup();
  });

  test('the callee can transfer the caller: REFER relayed on the caller leg', async () => {
    const r = rig();
    await answer(r);
    const { refer, notified } = incomingRefer('sip:1005@example.com');
    assert.equal(r.b.referred(refer), undefined);
    assert.equal(r.aDialog.refers.length, 1);
    assert.equal(r.bDialog.refers.length, 0);
    const sent = r.aDialog.refers[0]!;
    assert.equal(sent.target, 'sip:1005@10.0.0.1:5070');
    await sent.accept();
    await sent.notify(200, 'OK');
    assert.deepEqual(notified, ['100 Trying', '200 OK']);
    assert.deepEqual(r.transferred, ['sip:1005@10.0.0.1:5070']);
    assert.equal(r.cdr()!.endReason, 'normal');
  });

  test('final 486: NOTIFY 486 to the transferor, the call stays up (and a later BYE ends it at once)', async () => {
    const r = rig();
    await answer(r);
    const { refer, notified, sent } = await callerRefers(r);
    await sent.notify(180, 'Ringing');
    await sent.notify(486, 'Busy Here');
    assert.deepEqual(notified, ['100 Trying', '180 Ringing', '486 Busy Here']);
    assert.equal(refer.state, 'terminated');
    assert.deepEqual(r.transferred, []);
    assert.equal(r.call.state, 'answered');
    assert.equal(r.ended.length, 0);
    assert.deepEqual(r.b.log, ['dial'], 'the transferee keeps its call');
    // The relay is over: the transferor hanging up now is an ordinary hang-up.
    r.a.bye();
    assert.equal(r.call.state, 'ended');
    assert.equal(r.cdr()!.endedBy, 'caller');
    assert.equal(r.b.log.at(-1), 'bye');
  });

  test('the transferee refuses the REFER (403): NOTIFY 403, the call stays up', async () => {
    const r = rig();
    await answer(r);
    const { refer, notified } = incomingRefer('sip:1003@example.com');
    r.a.referred(refer);
    await r.bDialog.refers[0]!.decline(403, 'Forbidden');
    assert.deepEqual(notified, ['100 Trying', '403 Forbidden']);
    assert.equal(refer.state, 'terminated');
    assert.equal(r.call.state, 'answered');
    assert.deepEqual(r.transferred, []);
    r.call.hangup();
  });

  test('the subscription ends without a final status: NOTIFY 503, the call stays up', async () => {
    const r = rig();
    await answer(r);
    const { notified, sent } = await callerRefers(r);
    await sent.notify(180, 'Ringing');
    sent.subscription.end(); // e.g. the transferee's dialog ended, or a terminated NOTIFY without sipfrag
    await tick();
    assert.deepEqual(notified, ['100 Trying', '180 Ringing', '503 Service Unavailable']);
    assert.equal(r.call.state, 'answered');
    assert.deepEqual(r.transferred, []);
    r.call.hangup();
  });

  test('REFER before the answer: rejected 603 at once, nothing sent', async () => {
    const r = rig();
    r.call.connect(r.b);
    r.b.ringing();
    await tick();
    const { refer, notified } = incomingRefer('sip:1003@example.com');
    assert.deepEqual(r.a.referred(refer), { status: 603, reason: 'Transfer Not Possible' });
    assert.equal(refer.state, 'rejected');
    assert.deepEqual(notified, []);
    assert.equal(r.bDialog.refers.length, 0);
    assert.equal(r.call.state, 'ringing');
    // Early media is not an answer either.
    const early = incomingRefer('sip:1003@example.com');
    r.b.early();
    await tick();
    assert.equal(r.call.state, 'early_media');
    assert.equal(r.a.referred(early.refer)?.status, 603);
    assert.equal(r.bDialog.refers.length, 0);
    r.call.hangup();
  });

  test('REFER before any callee leg was attached: 603', () => {
    const r = rig();
    const { refer } = incomingRefer('sip:1003@example.com');
    assert.equal(r.a.referred(refer)?.status, 603);
    r.call.hangup();
  });

  test('the other leg has no SIP dialog (extension, bot) or its dialog is over: 603, nothing sent', async () => {
    const r = rig();
    r.b.dialog = undefined;
    await answer(r);
    const { refer } = incomingRefer('sip:1003@example.com');
    assert.deepEqual(r.a.referred(refer), { status: 603, reason: 'Transfer Not Possible' });
    assert.equal(r.call.state, 'answered');

    const r2 = rig();
    await answer(r2);
    r2.bDialog.terminated = true;
    const second = incomingRefer('sip:1003@example.com');
    assert.equal(r2.a.referred(second.refer)?.status, 603);
    assert.equal(r2.bDialog.refers.length, 0);
    assert.equal(r2.call.state, 'answered');
    r.call.hangup();
    r2.call.hangup();
  });
});

describe('Call: the transferor hangs up while its transfer runs', () => {
  test('BYE during a pending relay keeps the call up (transferor muted, its media failure and silence ignored); final 200 ends it', async () => {
    const r = rig({ rtpTimeoutMs: 5_000 });
    await answer(r);
    const { notified, sent } = await callerRefers(r);
    r.a.bye(); // JsSIP hangs up on the 202
    assert.equal(r.call.state, 'answered', 'not ended');
    assert.equal(r.ended.length, 0);
    assert.deepEqual(r.b.log, ['dial'], 'no BYE toward the transferee');
    assert.equal(r.call.bridge?.isMuted('a'), true, "the gone transferor's audio is muted");
    assert.equal(r.call.bridge?.isMuted('b'), false);
    r.a.emit('mediaFailed', 'ICE failed'); // its transport goes away with it
    assert.equal(r.call.state, 'answered', "the gone side's media failure is ignored");
    // Nobody sends RTP for well over rtpTimeoutMs (still inside the grace).
    await r.run(12_000);
    assert.equal(r.call.state, 'answered', 'no RTP timeout while the transfer runs');

    await sent.notify(180, 'Ringing');
    await sent.notify(200, 'OK');
    assert.deepEqual(notified, ['100 Trying', '180 Ringing', '200 OK']);
    assert.deepEqual(r.transferred, ['sip:1003@10.0.0.1:5070']);
    assert.equal(r.call.state, 'ended');
    assert.equal(r.ended.length, 1);
    assert.equal(r.cdr()!.endReason, 'normal');
    assert.equal(r.cdr()!.sipCode, 200);
    assert.equal(r.b.log.at(-1), 'bye');
    // The grace timer was cleared: time passing changes nothing.
    r.driver.advance(GRACE_MS * 2);
    await tick();
    assert.equal(r.ended.length, 1);
  });

  test('BYE, then no outcome: the call ends when the 32 s grace runs out; a late final status changes nothing', async () => {
    const r = rig();
    await answer(r);
    const { notified, sent } = await callerRefers(r);
    r.a.bye();
    r.driver.advance(GRACE_MS - 100);
    await tick();
    assert.equal(r.call.state, 'answered');
    r.driver.advance(200);
    await tick();
    assert.equal(r.call.state, 'ended');
    const cdr = r.cdr()!;
    assert.equal(cdr.endReason, 'normal');
    assert.equal(cdr.sipCode, 200);
    assert.equal(cdr.endedBy, 'caller', 'the transferor ended it');
    assert.equal(r.b.log.at(-1), 'bye');
    await sent.notify(200, 'OK');
    assert.deepEqual(r.transferred, [], 'no transferred after the call ended');
    assert.equal(r.ended.length, 1);
    assert.deepEqual(notified, ['100 Trying', '200 OK']);
  });

  test('BYE, then the transfer fails (486): the call ends, nobody is left for the transferee', async () => {
    const r = rig();
    await answer(r);
    const { notified, sent } = await callerRefers(r);
    r.a.bye();
    await sent.notify(486, 'Busy Here');
    assert.deepEqual(notified, ['100 Trying', '486 Busy Here']);
    assert.deepEqual(r.transferred, []);
    assert.equal(r.call.state, 'ended');
    assert.equal(r.cdr()!.endReason, 'normal');
    assert.equal(r.cdr()!.endedBy, 'caller');
    assert.equal(r.b.log.at(-1), 'bye');
    r.driver.advance(GRACE_MS * 2);
    assert.equal(r.ended.length, 1);
  });

  test('BYE before the transferee even answered the REFER still waits; its refusal then ends the call', async () => {
    const r = rig();
    await answer(r);
    const { refer, notified } = incomingRefer('sip:1003@example.com');
    r.a.referred(refer);
    r.a.bye();
    assert.equal(r.call.state, 'answered');
    await r.bDialog.refers[0]!.decline(603, 'Decline');
    assert.deepEqual(notified, ['100 Trying', '603 Decline']);
    assert.equal(r.call.state, 'ended');
    assert.equal(r.cdr()!.endedBy, 'caller');
  });

  test('the transferee hanging up during the relay ends the call at once', async () => {
    const r = rig();
    await answer(r);
    await callerRefers(r);
    r.b.bye();
    assert.equal(r.call.state, 'ended');
    assert.equal(r.cdr()!.endedBy, 'callee');
    assert.equal(r.a.log.at(-1), 'bye');
  });

  test('the transferee hanging up after the transferor left ends the call and clears the grace timer', async () => {
    const r = rig();
    await answer(r);
    await callerRefers(r);
    r.a.bye();
    r.b.bye();
    assert.equal(r.call.state, 'ended');
    assert.equal(r.cdr()!.endedBy, 'callee');
    r.driver.advance(GRACE_MS * 2);
    await tick();
    assert.equal(r.ended.length, 1);
  });

  test("the transferee's own media failure still ends the call during the grace", async () => {
    const r = rig();
    await answer(r);
    await callerRefers(r);
    r.a.bye();
    r.b.emit('mediaFailed', 'ICE failed');
    assert.equal(r.call.state, 'ended');
    assert.equal(r.cdr()!.endReason, 'ice_failed');
  });
});

describe('Call: REST transfer', () => {
  test('transfer(side, target) REFERs that leg with the mapped target; resolves on 202; final 200 → transferred, ended', async () => {
    const r = rig();
    await answer(r);
    let resolved = false;
    const p = r.call.transfer('b', '1003').then(() => (resolved = true));
    await tick();
    assert.equal(r.bDialog.refers.length, 1);
    assert.equal(r.aDialog.refers.length, 0);
    const sent = r.bDialog.refers[0]!;
    assert.equal(sent.target, 'sip:1003@10.0.0.1:5070');
    assert.equal(sent.referredBy, true);
    assert.equal(resolved, false, 'waits for the 202');
    await sent.accept();
    await p;
    assert.equal(resolved, true);
    await sent.notify(180, 'Ringing');
    assert.equal(r.call.state, 'answered');
    await sent.notify(200, 'OK');
    assert.deepEqual(r.transferred, ['sip:1003@10.0.0.1:5070']);
    assert.equal(r.call.state, 'ended');
    assert.equal(r.cdr()!.endReason, 'normal');
    assert.equal(r.cdr()!.endedBy, 'system');
  });

  test('transfer of the caller side goes on the caller leg; a failed transfer (486) leaves the call up', async () => {
    const r = rig();
    await answer(r);
    const p = r.call.transfer('a', 'sip:1003@example.com');
    const sent = r.aDialog.refers[0]!;
    assert.equal(sent.target, 'sip:1003@10.0.0.1:5070');
    await sent.accept();
    await p;
    await sent.notify(486, 'Busy Here');
    assert.deepEqual(r.transferred, []);
    assert.equal(r.call.state, 'answered');
    r.call.hangup();
  });

  test('a REFER the leg refuses rejects transfer() with the SIP error; the call stays up', async () => {
    const r = rig();
    await answer(r);
    const refused = assert.rejects(r.call.transfer('b', '1003'), (err: unknown) => err instanceof SipError && err.status === 405);
    await r.bDialog.refers[0]!.decline(405, 'Method Not Allowed');
    await refused;
    assert.equal(r.call.state, 'answered');
    r.call.hangup();
  });

  test('rejects when not answered, when ended, and for a leg without dialog; nothing sent', async () => {
    const r = rig();
    await assert.rejects(r.call.transfer('b', '1003'), /not answered/);
    r.call.connect(r.b);
    r.b.ringing();
    await tick();
    await assert.rejects(r.call.transfer('b', '1003'), /not answered/);
    await assert.rejects(r.call.transfer('a', '1003'), /not answered/);
    assert.equal(r.bDialog.refers.length + r.aDialog.refers.length, 0);

    const r2 = rig();
    r2.b.dialog = undefined;
    await answer(r2);
    await assert.rejects(r2.call.transfer('b', '1003'), /callee leg cannot be transferred/);
    r2.aDialog.terminated = true;
    await assert.rejects(r2.call.transfer('a', '1003'), /caller leg cannot be transferred/);
    r2.call.hangup();
    await assert.rejects(r2.call.transfer('a', '1003'), /not answered/);
    r.call.hangup();
  });
});

describe('Call: REST hold', () => {
  test("hold(side, true) re-offers sendonly to that leg: 'hold' event, on_hold; hold(side, false) → sendrecv, answered", async () => {
    const r = rig();
    await answer(r);
    await r.call.hold('b', true);
    assert.deepEqual(r.b.log.slice(1), ['direction sendonly']);
    assert.deepEqual(r.a.log.slice(2), [], 'the other leg is not re-offered');
    assert.deepEqual(r.holds, ['b:true']);
    assert.equal(r.call.state, 'on_hold');
    await r.call.hold('b', true); // again: re-offered, but no new event
    assert.deepEqual(r.holds, ['b:true']);
    await r.call.hold('b', false);
    assert.deepEqual(r.b.log.slice(1), ['direction sendonly', 'direction sendonly', 'direction sendrecv']);
    assert.deepEqual(r.holds, ['b:true', 'b:false']);
    assert.equal(r.call.state, 'answered');
    assert.deepEqual(r.states, ['answered', 'on_hold', 'answered']);
    r.call.hangup();
  });

  test("while we hold a call neither person hears the other (both directions muted); resume restores them and the API's own mute", async () => {
    const r = rig();
    await answer(r);
    r.call.setMuted('b', true);
    await r.call.hold('a', true);
    assert.equal(r.call.bridge?.isMuted('a'), true, 'the held caller is not heard');
    assert.equal(r.call.bridge?.isMuted('b'), true, 'the held caller hears nothing');
    r.call.setMuted('b', false); // unmute during hold: still held
    assert.equal(r.call.bridge?.isMuted('b'), true);
    await r.call.hold('a', false);
    assert.equal(r.call.bridge?.isMuted('a'), false);
    assert.equal(r.call.bridge?.isMuted('b'), false);
    r.call.setMuted('a', true);
    await r.call.hold('b', true);
    await r.call.hold('b', false);
    assert.equal(r.call.bridge?.isMuted('a'), true, "the API's mute outlives the hold");
    r.call.hangup();
  });

  test('a bot holding its caller can still play to it: only the person is muted', async () => {
    const r = rig();
    await answer(r);
    (r.b as unknown as { kind: string }).kind = 'bot';
    await r.call.hold('a', true);
    assert.equal(r.call.bridge?.isMuted('a'), true);
    assert.equal(r.call.bridge?.isMuted('b'), false, "the bot's audio (hold music) reaches the caller");
    r.call.hangup();
  });

  test('our hold and a remote hold combine: the call is on hold until both are released', async () => {
    const r = rig();
    await answer(r);
    await r.call.hold('a', true);
    assert.equal(r.call.state, 'on_hold');
    r.b.reoffer('sendonly');
    await r.call.hold('a', false);
    assert.equal(r.call.state, 'on_hold', 'the callee still holds');
    r.b.reoffer('sendrecv');
    assert.equal(r.call.state, 'answered');
    assert.deepEqual(r.holds, ['a:true', 'b:true', 'a:false', 'b:false']);
    r.call.hangup();
  });

  test('hold before the answer or after the end rejects, re-offering nothing', async () => {
    const r = rig();
    r.call.connect(r.b);
    r.b.ringing();
    await tick();
    await assert.rejects(r.call.hold('b', true), /not answered/);
    assert.deepEqual(r.b.log, ['dial']);
    r.b.answered();
    await tick();
    await tick();
    r.call.hangup();
    await assert.rejects(r.call.hold('a', true), /not answered/);
    assert.deepEqual(r.holds, []);
  });

  // Regression: the RTP timeout once skipped only holds the far ends re-offered, so a call held
  // through the REST API (the held leg answers recvonly and goes silent) died with media_timeout.
  test('no RTP timeout while a side is held by us (the held leg goes silent)', async () => {
    const r = rig({ rtpTimeoutMs: 5_000 });
    await answer(r);
    const fromA = new ToneSource(r.a.mediaLeg!, 1000);
    const fromB = new ToneSource(r.b.mediaLeg!, 440);
    await r.run(1_000, () => {
      fromA.frame();
      fromB.frame();
    });
    await r.call.hold('a', true);
    assert.equal(r.call.state, 'on_hold');
    // The caller's phone answered recvonly: it sends nothing; the callee talks on.
    await r.run(20_000, () => fromB.frame());
    assert.equal(r.cdr()?.endReason, undefined, `ended with ${r.cdr()?.endReason} while held by us`);
    assert.equal(r.call.state, 'on_hold');
    r.call.hangup();
  });
});

describe('Call: REST DTMF', () => {
  test('sendDtmf before the answer (no media yet) throws; after the end too', async () => {
    const r = rig();
    assert.throws(() => r.call.sendDtmf('b', '1'), /no media yet/);
    r.call.connect(r.b);
    r.b.ringing();
    await tick();
    assert.throws(() => r.call.sendDtmf('b', '1'), /no media yet/);
    assert.throws(() => r.call.sendDtmf('a', '1'), /no media yet/);
    r.b.answered();
    await tick();
    await tick();
    r.call.hangup();
    assert.throws(() => r.call.sendDtmf('b', '1'), /no media yet/);
  });

  test('sendDtmf sends RFC 4733 toward a leg with telephone-event and INFO toward one without', async () => {
    const r = rig({}, { bTelephoneEvent: false });
    await answer(r);
    const seen: string[] = [];
    r.call.on('dtmf', (from, d, ms) => seen.push(`${from}${d}/${ms}`));
    r.call.sendDtmf('a', '12', 120);
    r.call.sendDtmf('b', '#*');
    await tick();
    assert.deepEqual(r.a.mediaLeg!.dtmfSent, [{ digits: '12', durationMs: 120 }]);
    assert.deepEqual(r.b.log.slice(1), ['info # 100', 'info * 100']);
    assert.deepEqual(r.b.mediaLeg!.dtmfSent, []);
    assert.deepEqual(seen, ['b1/120', 'b2/120', 'a#/100', 'a*/100'], 'reported as coming from the other side');
    r.call.hangup();
  });
});

describe('Call: mute and tap survive a new bridge', () => {
  test('setMuted before any bridge is applied to the early-media bridge and to the bridge re-made at the answer', async () => {
    const r = rig({}, { a: ['opus', 'PCMU'], b: ['PCMU', 'opus'] });
    r.call.setMuted('a', true);
    r.call.connect(r.b);
    r.b.early('PCMU');
    await tick();
    const early = r.call.bridge!;
    assert.ok(early);
    assert.equal(early.isMuted('a'), true);
    assert.equal(early.isMuted('b'), false);
    // The callee answers in Opus: both legs renegotiate, the call makes a new bridge.
    r.b.answered('opus');
    await tick();
    await tick();
    assert.equal(r.call.state, 'answered');
    const bridge = r.call.bridge!;
    assert.notEqual(bridge, early);
    assert.equal(early.closed, true);
    assert.equal(bridge.isMuted('a'), true, 'the mute was remembered');
    assert.equal(bridge.isMuted('b'), false);
    // The caller's tone does not reach the callee; the callee's reaches the caller.
    const fromA = new ToneSource(r.a.mediaLeg!, 1000);
    const fromB = new ToneSource(r.b.mediaLeg!, 440);
    await r.run(1_000, () => {
      fromA.frame();
      fromB.frame();
    });
    assert.ok(toneShare(decodeSent(r.b.mediaLeg!.sent, r.b.mediaLeg!.codec), 48000, 1000, 200) < 0.1);
    assert.ok(toneShare(decodeSent(r.a.mediaLeg!.sent, r.a.mediaLeg!.codec), 48000, 440, 200) > 0.8);
    r.call.setMuted('a', false);
    assert.equal(bridge.isMuted('a'), false);
    r.call.hangup();
  });

  test('setTap before any bridge gets PCM from the early-media bridge and from the bridge re-made at the answer', async () => {
    const r = rig({ bridge: { forceTranscode: true } }, { a: ['opus', 'PCMU'], b: ['PCMU', 'opus'] });
    const tapped: number[] = [];
    r.call.setTap('a', (pcm, rate) => {
      assert.ok(pcm.length > 0);
      tapped.push(rate);
    });
    r.call.connect(r.b);
    r.b.early('PCMU');
    await tick();
    const early = r.call.bridge!;
    const earlyTone = new ToneSource(r.a.mediaLeg!, 1000);
    await r.run(400, () => earlyTone.frame());
    const inEarly = tapped.length;
    assert.ok(inEarly > 5, `tapped ${inEarly} frames during early media`);
    r.b.answered('opus');
    await tick();
    await tick();
    assert.notEqual(r.call.bridge, early);
    const tone = new ToneSource(r.a.mediaLeg!, 1000);
    await r.run(400, () => tone.frame());
    assert.ok(tapped.length - inEarly > 5, `tapped ${tapped.length - inEarly} frames after the answer`);
    // Removing the tap is remembered as well.
    r.call.setTap('a', undefined);
    const before = tapped.length;
    await r.run(200, () => tone.frame());
    assert.equal(tapped.length, before);
    r.call.hangup();
  });
});
