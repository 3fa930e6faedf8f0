/**
 * A peer's media policy end to end on loopback: real SIP over UDP (our SipStack as the gateway,
 * TestPhones as caller and callee) and real RtpLegs, wired as the B2BUA wires them — a
 * SipInboundLeg and a SipOutboundLeg under a Call — with `media: peerMediaPolicy(peer)` on the
 * leg toward the peer. A call FROM a peer allowed only alaw that offers PCMU+PCMA is answered
 * with PCMA at the peer's rtp_address and carries audio both ways; the same peer offering PCMU
 * alone gets 488 (with a 305 Warning) and the callee never sees an INVITE; a call TO a peer
 * offers it only PCMA at its rtp_address. The gateway's RTP binds the wildcard, so audio sent to
 * the advertised 127.0.0.2 (Linux loopback is 127/8) still arrives.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { initResampler, MediaClock } from '../../../media/index.ts';
import { peerSchema } from '../../config/schema.ts';
import { RtpPortPool } from '../../rtp/index.ts';
import { getHeader, parseSdp, type IncomingInvite, type SipError } from '../../sip/index.ts';
import { SipStack } from '../../sip/stack/index.ts';
import { Call } from '../call.ts';
import type { CallDetailRecord } from '../cdr.ts';
import { peerMediaPolicy, type MediaPolicy } from '../sessions/media-policy.ts';
import { offeredCodecs } from '../sessions/media-session.ts';
import { SessionFactory } from '../sessions/session-factory.ts';
import { TestPhone } from '../testing/phone.ts';
import { SipInboundLeg } from './inbound-leg.ts';
import { SipOutboundLeg } from './outbound-leg.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ADVERTISED = process.platform === 'linux' ? '127.0.0.2' : '127.0.0.1';
const rtpmaps = (sdp: string) => parseSdp(sdp).media[0]!.codecs.map((c) => c.name);
const connection = (sdp: string) => /^c=IN IP4 (\S+)$/m.exec(sdp)?.[1];

describe('peer media policy over SIP/UDP + RTP on loopback', () => {
  const clock = new MediaClock();
  const gatewayPorts = new RtpPortPool({ bindAddress: '0.0.0.0' });
  const phonePorts = new RtpPortPool({ bindAddress: '127.0.0.1' });
  const sessions = new SessionFactory({ clock, ports: gatewayPorts, rtpAddress: '127.0.0.1' });
  const peer = peerSchema.parse({ name: 'office-pbx', host: '127.0.0.1', codecs: ['alaw'], rtp_address: ADVERTISED });
  let stack: SipStack;
  let alice: TestPhone;
  let bob: TestPhone;
  /** The policies the next call's legs get: caller side (call from a peer), callee side (call to a peer). */
  let policies: { a?: MediaPolicy; b?: MediaPolicy } = {};
  const calls: Call[] = [];
  const records: CallDetailRecord[] = [];

  before(async () => {
    await initResampler();
    clock.start();
    stack = await SipStack.start({ listen: { host: '127.0.0.1', port: 0 }, ws: false, userAgent: 'patchbay-test' });
    alice = await TestPhone.start(clock, phonePorts);
    bob = await TestPhone.start(clock, phonePorts);
    // A two-leg B2BUA as b2bua.ts builds it, with the policies where the integration puts them.
    stack.ua.on('invite', (invite: IncomingInvite) => {
      const a = new SipInboundLeg(invite, sessions, { media: policies.a });
      const call = new Call({ a, from: 'alice', to: 'bob', direction: 'inbound', clock });
      calls.push(call);
      call.once('ended', (cdr) => records.push(cdr));
      const b = new SipOutboundLeg(stack.ua, [{ uri: `sip:bob@127.0.0.1:${bob.port}`, webrtc: false }], sessions, {
        from: '<sip:alice@127.0.0.1>',
        preferredCodecs: offeredCodecs(invite.sdp!),
        id: `${call.id}.b`,
        media: policies.b,
      });
      call.connect(b);
    });
  });

  after(async () => {
    for (const c of calls) c.close();
    await alice.close();
    await bob.close();
    await stack.close();
    await sessions.settled();
    clock.stop();
    await gatewayPorts.close();
    await phonePorts.close();
  });

  const gateway = () => `sip:bob@127.0.0.1:${stack.transport.listeningEndpoint('udp')!.port}`;

  test('a call FROM the peer (codecs ["alaw"], rtp_address): answered with PCMA only at the peer address; audio both ways', async () => {
    policies = { a: peerMediaPolicy(peer) };
    bob.answer({ codecs: ['PCMU', 'PCMA'] });
    const { call } = await alice.call(gateway(), { user: 'alice', codecs: ['PCMU', 'PCMA'] });
    const answer = call.dialog!.remoteSdp!;
    assert.deepEqual(rtpmaps(answer), ['PCMA', 'telephone-event']);
    assert.equal(connection(answer), ADVERTISED);
    assert.equal(call.codec.name, 'PCMA');
    // The callee's side has no policy: offered the caller's codecs, PCMU first.
    const toBob = bob.incoming.at(-1)!.sdp!;
    assert.deepEqual(rtpmaps(toBob).slice(0, 2), ['PCMU', 'PCMA']);
    assert.equal(connection(toBob), '127.0.0.1');

    const bobCall = bob.calls.at(-1)!;
    call.startTone(1000);
    bobCall.startTone(440);
    await sleep(1200);
    assert.ok(bobCall.heard(1000) > 0.9, `1 kHz at bob: ${bobCall.heard(1000)}`);
    assert.ok(call.heard(440) > 0.9, `440 Hz at alice (sent to ${ADVERTISED}): ${call.heard(440)}`);
    const cdr = once(calls.at(-1)!, 'ended');
    call.hangup();
    await once(bobCall, 'ended');
    const [record] = (await cdr) as [CallDetailRecord];
    assert.deepEqual([record.legs.a.codec, record.legs.b!.codec], ['PCMA', 'PCMU']);
  });

  test('a call FROM the peer offering PCMU only: 488 with a 305 Warning, the callee never rings', async () => {
    policies = { a: peerMediaPolicy(peer) };
    const invitesAtBob = bob.incoming.length;
    await assert.rejects(alice.call(gateway(), { user: 'alice', codecs: ['PCMU'] }), (err: SipError) => {
      assert.equal(err.status, 488);
      assert.match(getHeader(err.response!, 'Warning') ?? '', /^305 /);
      return true;
    });
    await sleep(200);
    assert.equal(bob.incoming.length, invitesAtBob, 'no INVITE reached the callee');
    const record = records.at(-1)!;
    assert.equal(record.sipCode, 488);
  });

  test('a call TO the peer (codecs ["alaw"], rtp_address): our offer lists PCMA only at the peer address; audio both ways', async () => {
    policies = { b: peerMediaPolicy(peer) };
    bob.answer({ codecs: ['PCMU', 'PCMA'] });
    const { call } = await alice.call(gateway(), { user: 'alice', codecs: ['PCMU', 'PCMA'] });
    const toPeer = bob.incoming.at(-1)!.sdp!;
    assert.deepEqual(rtpmaps(toPeer), ['PCMA', 'telephone-event']);
    assert.equal(connection(toPeer), ADVERTISED);
    assert.match(toPeer, new RegExp(`^o=\\S+ \\S+ \\S+ IN IP4 ${ADVERTISED.replace(/\./g, '\\.')}$`, 'm'));
    const bobCall = bob.calls.at(-1)!;
    assert.equal(bobCall.codec.name, 'PCMA');
    // The caller (no policy) is given the callee's codec, so the bridge relays.
    assert.equal(call.codec.name, 'PCMA');
    assert.equal(connection(call.dialog!.remoteSdp!), '127.0.0.1');
    call.startTone(1000);
    bobCall.startTone(440);
    await sleep(1200);
    assert.ok(bobCall.heard(1000) > 0.9, `1 kHz at bob (sent to ${ADVERTISED}): ${bobCall.heard(1000)}`);
    assert.ok(call.heard(440) > 0.9, `440 Hz at alice: ${call.heard(440)}`);
    assert.equal(calls.at(-1)!.bridge?.mode, 'passthrough');
    call.hangup();
    await once(bobCall, 'ended');
  });
});
