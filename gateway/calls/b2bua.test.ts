/**
 * The B2BUA end to end on 127.0.0.1 with real SIP over UDP (our SipStack), real RtpLegs and
 * WebRtcLegs, and our own test phones as peers: a user calls a user (407 Digest, routing to the
 * registered contact, audio both ways checked by frequency, hang-up, CDR), parallel forking
 * (first answer wins, the other fork gets CANCEL), early media, busy, unknown numbers, the echo
 * and tone extensions, hold propagated, DTMF across, and a browser (WebRtcLeg) offering Opus and
 * PCMU to a PCMU phone under both codec policies — passthrough and transcode, as the CDR reports.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { SipError } from '../sip/index.ts';
import type { CallDetailRecord } from './cdr.ts';
import { B2buaRig, USERS } from './testing/b2bua-rig.ts';
import type { TestPhone } from './testing/phone.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const [U1001, U1002, U1003] = USERS as [(typeof USERS)[0], (typeof USERS)[0], (typeof USERS)[0]];

/** The next call record the rig's registry stores (call it before the call ends). */
function nextRecord(rig: B2buaRig): Promise<CallDetailRecord> {
  const before = rig.b2bua.registry.getStats().records;
  return rig.until(() => rig.b2bua.registry.getStats().records > before, 10_000).then(() => rig.b2bua.registry.records().at(-1)!);
}

describe('B2BUA (SIP/UDP + RTP on loopback)', () => {
  let rig: B2buaRig;
  let alice: TestPhone;
  let bob: TestPhone;

  before(async () => {
    rig = await B2buaRig.start();
    alice = await rig.phone();
    bob = await rig.phone();
    assert.equal((await bob.register(rig.port, '1002', U1002.password)).status, 200);
  });

  after(async () => {
    await rig.close();
  });

  test('1001 calls 1002: Digest 407, routed to the contact, audio both ways, BYE across, CDR', async () => {
    bob.answer({ codecs: ['PCMU'] });
    const statuses: number[] = [];
    const record = nextRecord(rig);
    const { call, invite } = await alice.call(rig.uri('1002'), { user: '1001', password: U1001.password, codecs: ['PCMU', 'opus'], onProgress: (r) => statuses.push(r.status) });
    assert.ok(statuses.includes(180), `alice saw ringing: ${statuses}`);
    // Alice's first INVITE was challenged with 407 and answered with credentials.
    assert.match(invite.request.headers.find((h) => h.name === 'Proxy-Authorization')?.value ?? '', /^Digest username="1001"/);
    const bobCall = bob.calls.at(-1)!;
    assert.equal(bob.incoming.at(-1)!.from.uri.includes('1001'), true);
    call.startTone(1000);
    bobCall.startTone(440);
    await sleep(1200);
    assert.ok(bobCall.heard(1000) > 0.9, `1 kHz at bob: ${bobCall.heard(1000)}`);
    assert.ok(call.heard(440) > 0.9, `440 Hz at alice: ${call.heard(440)}`);
    const live = rig.b2bua.registry.list().at(-1)!;
    assert.equal(live.state, 'answered');
    assert.equal(live.bridge?.mode, 'passthrough');
    call.hangup();
    await once(bobCall, 'ended');
    const cdr = await record;
    assert.equal(cdr.from, '1001');
    assert.equal(cdr.to, '1002');
    assert.equal(cdr.direction, 'outbound');
    assert.equal(cdr.route, 'user:1002');
    assert.equal(cdr.endReason, 'normal');
    assert.equal(cdr.sipCode, 200);
    assert.equal(cdr.endedBy, 'caller');
    assert.equal(cdr.bridgeMode, 'passthrough');
    assert.deepEqual([cdr.legs.a.kind, cdr.legs.a.codec, cdr.legs.b!.kind, cdr.legs.b!.codec], ['sip', 'PCMU', 'sip', 'PCMU']);
    assert.ok(cdr.legs.a.packetsReceived > 40 && cdr.legs.b!.packetsReceived > 40, JSON.stringify(cdr.legs));
    assert.ok(cdr.legs.a.packetsSent > 40 && cdr.legs.b!.packetsSent > 40);
    assert.equal(cdr.legs.a.packetsLost, 0);
    assert.ok(cdr.answerTime !== null && cdr.durationSeconds > 1);
    assert.equal(rig.b2bua.registry.size, 0);
  });

  test('a wrong password is refused (403), an unknown number gets 404, a registered-nowhere user 480', async () => {
    await assert.rejects(alice.call(rig.uri('1002'), { user: '1001', password: 'nope' }), (e: SipError) => e.status === 403);
    await assert.rejects(alice.call(rig.uri('+4930999'), { user: '1001', password: U1001.password }), (e: SipError) => e.status === 404);
    await assert.rejects(alice.call(rig.uri('1003'), { user: '1001', password: U1001.password }), (e: SipError) => e.status === 480);
    // Without credentials at all, and not a peer: 403 (no digest peers configured).
    await assert.rejects(alice.call(rig.uri('1002'), { user: 'stranger' }), (e: SipError) => e.status === 403);
  });

  test('busy callee: 486 reaches the caller, CDR busy', async () => {
    bob.answer({ reject: 486 });
    const record = nextRecord(rig);
    await assert.rejects(alice.call(rig.uri('1002'), { user: '1001', password: U1001.password }), (e: SipError) => e.status === 486);
    const cdr = await record;
    assert.deepEqual([cdr.endReason, cdr.sipCode, cdr.endedBy, cdr.answerTime], ['busy', 486, 'callee', null]);
  });

  test('early media from the callee reaches the caller before the answer', async () => {
    bob.answer({ codecs: ['PCMU'], earlyMedia: true, delayMs: 1200 });
    const statuses: number[] = [];
    const pending = alice.call(rig.uri('1002'), { user: '1001', password: U1001.password, onProgress: (r) => statuses.push(r.status) });
    const calls = bob.calls.length;
    await rig.until(() => bob.calls.length > calls && bob.incoming.at(-1)!.state === 'early');
    const bobCall = bob.calls.at(-1)!;
    bobCall.startTone(425); // ringback
    const { call } = await pending;
    assert.ok(statuses.includes(183), `183 relayed: ${statuses}`);
    // What alice heard before the 200 came as early media.
    assert.ok(call.received.length > 20, `early packets ${call.received.length}`);
    assert.ok(call.heard(425, 5) > 0.9, `ringback at alice: ${call.heard(425, 5)}`);
    const record = nextRecord(rig);
    bobCall.hangup();
    await once(call, 'ended');
    assert.equal((await record).endedBy, 'callee');
  });

  test('echo returns the caller’s audio; tone plays 1 kHz in the caller’s codec (PCMA, G.722)', async () => {
    const { call } = await alice.call(rig.uri('echo'), { user: '1001', password: U1001.password, codecs: ['PCMA'] });
    call.startTone(600);
    await sleep(1000);
    assert.ok(call.heard(600) > 0.9, `echo: ${call.heard(600)}`);
    let record = nextRecord(rig);
    call.hangup();
    let cdr = await record;
    assert.deepEqual([cdr.route, cdr.bridgeMode, cdr.legs.a.codec, cdr.legs.b!.kind], ['extension:echo', 'passthrough', 'PCMA', 'extension:echo']);
    for (const codec of ['PCMA', 'G722'] as const) {
      const t = await alice.call(rig.uri('tone'), { user: '1001', password: U1001.password, codecs: [codec] });
      await sleep(600);
      assert.equal(t.call.codec.name, codec);
      assert.ok(t.call.heard(1000) > 0.95, `${codec} tone: ${t.call.heard(1000)}`);
      record = nextRecord(rig);
      t.call.hangup();
      cdr = await record;
      assert.equal(cdr.route, 'extension:tone');
    }
  });

  test('DTMF: RFC 4733 and SIP INFO from the caller reach the callee; hold is propagated both ways', async () => {
    bob.answer({ codecs: ['PCMU'] });
    const { call } = await alice.call(rig.uri('1002'), { user: '1001', password: U1001.password });
    const bobCall = bob.calls.at(-1)!;
    await (call.session.media.leg as { sendDtmf(d: string, ms: number): Promise<void> }).sendDtmf('19#', 80);
    await rig.until(() => bobCall.dtmf.length >= 3);
    assert.deepEqual(bobCall.dtmf, ['1', '9', '#']);
    // SIP INFO from the caller crosses as RFC 4733 (the callee negotiated telephone-event).
    await call.dialog!.sendDtmf('5', { durationMs: 120 });
    await rig.until(() => bobCall.dtmf.length >= 4);
    assert.deepEqual(bobCall.dtmf, ['1', '9', '#', '5']);
    const live = rig.b2bua.registry.list().at(-1)!;
    const toBob = once(bobCall, 'direction');
    await call.hold('sendonly');
    assert.deepEqual(await toBob, ['sendonly']);
    assert.equal(live.state, 'on_hold');
    const toBob2 = once(bobCall, 'direction');
    await call.hold('sendrecv');
    assert.deepEqual(await toBob2, ['sendrecv']);
    assert.equal(live.state, 'answered');
    const toAlice = once(call, 'direction');
    await bobCall.hold('inactive');
    assert.deepEqual(await toAlice, ['inactive']);
    assert.equal(live.state, 'on_hold');
    const record = nextRecord(rig);
    call.hangup();
    await record;
  });

  test('parallel forking: both contacts ring, the first answer wins, the other gets CANCEL', async () => {
    const carol1 = await rig.phone();
    const carol2 = await rig.phone();
    assert.equal((await carol1.register(rig.port, '1003', U1003.password)).status, 200);
    assert.equal((await carol2.register(rig.port, '1003', U1003.password)).status, 200);
    assert.equal(rig.stack.location.lookup('1003').length, 2);
    carol1.answer({ codecs: ['PCMU'], noAnswer: true });
    carol2.answer({ codecs: ['PCMU'], delayMs: 300 });
    const { call } = await alice.call(rig.uri('1003'), { user: '1001', password: U1001.password });
    const ringing = carol1.incoming.at(-1)!;
    if (ringing.state !== 'cancelled') await once(ringing, 'cancel');
    assert.equal(ringing.state, 'cancelled');
    assert.equal(carol2.calls.length, 1);
    const record = nextRecord(rig);
    call.hangup();
    const cdr = await record;
    assert.equal(cdr.legs.b!.remote, `sip:127.0.0.1:${carol2.port}`);
  });

  test('a browser calls a browser (both on SIP over WebSocket): WebRTC legs on both sides, media anchored in the gateway', async () => {
    const callee = await rig.phoneWs();
    const caller = await rig.phoneWs();
    assert.equal((await callee.register(rig.httpPort, '1003', U1003.password)).status, 200);
    const [binding] = rig.stack.location.lookup('1003').filter((b) => b.source.protocol === 'ws');
    assert.ok(binding, 'a WebSocket binding for 1003');
    callee.answer({ codecs: ['opus', 'PCMU'] });
    const { call } = await caller.call(`${rig.uri('1003')};transport=ws`, { user: '1001', password: U1001.password, webrtc: true, codecs: ['opus', 'PCMU'] });
    const calleeCall = callee.calls.at(-1)!;
    const connected = (c: typeof call) => (c.session.media.leg as unknown as { state: string }).state === 'connected';
    await rig.until(() => connected(call) && connected(calleeCall));
    assert.equal(calleeCall.session.kind, 'webrtc', 'the gateway offered WebRTC to the WebSocket binding');
    call.startTone(1000);
    calleeCall.startTone(440);
    await sleep(1500);
    assert.ok(calleeCall.heard(1000) > 0.9, `1 kHz at the callee browser: ${calleeCall.heard(1000)}`);
    assert.ok(call.heard(440) > 0.9, `440 Hz at the caller browser: ${call.heard(440)}`);
    const record = nextRecord(rig);
    call.hangup();
    const cdr = await record;
    assert.deepEqual([cdr.legs.a.kind, cdr.legs.b!.kind, cdr.legs.a.codec, cdr.legs.b!.codec, cdr.bridgeMode], ['webrtc', 'webrtc', 'opus', 'opus', 'passthrough']);
    assert.ok(cdr.legs.a.packetsReceived > 40 && cdr.legs.b!.packetsReceived > 40, 'media went through the gateway');
  });

  test('(h) a browser offering Opus and PCMU calls a PCMU phone: passthrough by policy, transcode under codec_policy opus', async () => {
    for (const policy of ['passthrough', 'opus'] as const) {
      const r = await B2buaRig.start({ webrtc: { codec_policy: policy } });
      try {
        const browser = await r.phone();
        const phone = await r.phone();
        assert.equal((await phone.register(r.port, '1002', U1002.password)).status, 200);
        phone.answer({ codecs: ['PCMU'] });
        const { call } = await browser.call(r.uri('1002'), { user: '1001', password: U1001.password, webrtc: true, codecs: ['opus', 'PCMU'] });
        await once(call.session.media.leg as unknown as NodeJS.EventEmitter, 'connected').catch(() => undefined);
        const phoneCall = phone.calls.at(-1)!;
        await r.until(() => (call.session.media.leg as unknown as { state: string }).state === 'connected');
        call.startTone(1000);
        phoneCall.startTone(440);
        await sleep(1500);
        assert.equal(call.codec.name, policy === 'opus' ? 'opus' : 'PCMU', 'what the browser leg negotiated');
        assert.ok(phoneCall.heard(1000) > 0.9, `${policy}: 1 kHz at the phone ${phoneCall.heard(1000)}`);
        assert.ok(call.heard(440) > 0.9, `${policy}: 440 Hz at the browser ${call.heard(440)}`);
        const record = nextRecord(r);
        call.hangup();
        const cdr = await record;
        assert.equal(cdr.bridgeMode, policy === 'opus' ? 'transcode' : 'passthrough');
        assert.deepEqual([cdr.legs.a.kind, cdr.legs.a.codec, cdr.legs.b!.codec], ['webrtc', policy === 'opus' ? 'opus' : 'PCMU', 'PCMU']);
      } finally {
        await r.close();
      }
    }
  });
});

describe('B2BUA: calls from trunk-host peers and trunks', () => {
  test('an IP peer calls without credentials; a digest peer is challenged with 401; others get 403', async () => {
    const rig = await B2buaRig.start({
      server: {
        listen: '127.0.0.1:5999', // replaced by the rig's port in SipStack; only peers matter here
        peers: [{ name: 'office', host: '127.0.0.1' }],
      },
    });
    try {
      const pbx = await rig.phone();
      const { call } = await pbx.call(rig.uri('tone'), { user: 'anything', codecs: ['PCMU'] });
      await sleep(300);
      assert.ok(call.heard(1000, 2) > 0.95);
      const record = nextRecord(rig);
      call.hangup();
      const cdr = await record;
      assert.deepEqual([cdr.direction, cdr.route, cdr.from], ['inbound', 'extension:tone', 'anything']);
    } finally {
      await rig.close();
    }

    const rig2 = await B2buaRig.start({
      server: { listen: '127.0.0.1:5999', peers: [{ name: 'remote', auth: { username: 'remote-trunk', password: 's3cret' } }] },
    });
    try {
      const pbx = await rig2.phone();
      // The phone answers the 401 with the peer's digest credentials.
      const { call, invite } = await pbx.call(rig2.uri('echo'), { user: 'remote-trunk', password: 's3cret', codecs: ['PCMU'] });
      assert.match(invite.request.headers.find((h) => h.name === 'Authorization')?.value ?? '', /^Digest username="remote-trunk"/);
      const record = nextRecord(rig2);
      call.hangup();
      assert.equal((await record).direction, 'inbound');
      await assert.rejects(pbx.call(rig2.uri('echo'), { user: 'remote-trunk', password: 'wrong' }), (e: SipError) => e.status === 403);
      await assert.rejects(pbx.call(rig2.uri('echo'), { user: 'stranger' }), (e: SipError) => e.status === 401);
    } finally {
      await rig2.close();
    }
  });

  test('a call from a trunk we register to (its address, our trunk user) is routed by a trunk-source rule', async () => {
    const rig = await B2buaRig.start({
      trunks: [{ name: 'carrier', username: 'acct42', password: 'x', host: '127.0.0.1:5999' }],
      routes: [{ name: 'did', to: '^acct42$', source: 'trunk:carrier', target: { extension: 'echo' } }],
    });
    try {
      const carrier = await rig.phone();
      const { call } = await carrier.call(rig.uri('acct42'), { user: '+15551234', codecs: ['PCMU'] });
      call.startTone(700);
      await sleep(800);
      assert.ok(call.heard(700) > 0.9);
      const record = nextRecord(rig);
      call.hangup();
      const cdr = await record;
      assert.deepEqual([cdr.direction, cdr.route, cdr.from, cdr.to], ['inbound', 'extension:echo', '+15551234', 'acct42']);
    } finally {
      await rig.close();
    }
  });
});
