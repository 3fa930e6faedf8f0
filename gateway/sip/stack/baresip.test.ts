/**
 * The SipStack against real baresip 1.0 (Debian baresip-core) on loopback: REGISTER with Digest
 * MD5 into our registrar (binding in the location service), baresip calling our UA (we answer),
 * hold/resume re-INVITEs (sendonly → sendrecv), DTMF in INFO from us (baresip 1.0 itself sends
 * DTMF only as RFC 4733 RTP events — INFO toward us is proven with sipp), REFER from baresip
 * (our 'refer' event, our NOTIFY accepted), our INVITE to its registered contact, our REFER to
 * baresip (it calls the target — our UA — and NOTIFYs 200), and the same over TCP.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { BaresipPeer } from '../../../testing/baresip.ts';
import { freePort } from '../../../testing/free-port.ts';
import { CallAnswerer } from '../../../testing/sip-answerer.ts';
import type { Binding } from '../registrar/index.ts';
import { parseUri, type Dialog, type IncomingInvite, type IncomingRefer, type MediaDirection } from '../index.ts';
import { SipStack } from './sip-stack.ts';

const USERS = [
  { username: '1002', password: 'bare-1002' },
  { username: '1012', password: 'bare-1012' },
];

let stack: SipStack;
let answerer: CallAnswerer;
let port = 0;
const peers: BaresipPeer[] = [];

/** Resolves with the bindings of `aor` once it has at least one. */
function bindingsOf(aor: string): Promise<Binding[]> {
  return new Promise((resolve) => {
    const check = () => {
      const list = stack.location.lookup(aor);
      if (list.length === 0) return;
      stack.off('registration', check);
      resolve(list);
    };
    stack.on('registration', check);
    check();
  });
}

async function startBaresip(user: string, params = ''): Promise<BaresipPeer> {
  const password = USERS.find((u) => u.username === user)!.password;
  const peer = await BaresipPeer.start({ account: `<sip:${user}@127.0.0.1:${port}${params}>;auth_pass=${password};regint=60;answermode=auto` });
  peers.push(peer);
  return peer;
}

before(async () => {
  port = await freePort();
  stack = await SipStack.start({ listen: { host: '127.0.0.1', port }, users: USERS });
  answerer = new CallAnswerer(stack.ua);
});

after(async () => {
  await Promise.all(peers.map((p) => p.stop()));
  for (const p of peers) p.cleanup();
  await stack.close();
});

describe('baresip ⇄ SipStack (UDP)', () => {
  let baresip: BaresipPeer;
  let binding: Binding;
  let dialog: Dialog;

  it('registers with Digest MD5; the binding is in the location service', async () => {
    baresip = await startBaresip('1002');
    [binding] = (await bindingsOf('1002')) as [Binding];
    assert.match(binding.userAgent ?? '', /baresip/);
    assert.equal(binding.source.protocol, 'udp');
    assert.equal(binding.source.port, baresip.sipPort);
    assert.match(binding.contact, new RegExp(`^sip:1002-[^@]+@127\\.0\\.0\\.1:${baresip.sipPort}$`));
    assert.ok(binding.expiresAt - Date.now() <= 60_000 && binding.expiresAt - Date.now() > 30_000, 'granted about the 60 s asked for');
  });

  it('calls our UA and we answer', async () => {
    const since = baresip.events.length;
    const answered = once(answerer, 'answered') as Promise<[Dialog, IncomingInvite]>;
    assert.equal((await baresip.command('dial', `sip:1001@127.0.0.1:${port}`)).ok, true);
    const [d, call] = await answered;
    dialog = d;
    assert.equal(call.uri, `sip:1001@127.0.0.1:${port}`);
    assert.equal(parseUri(call.from.uri).user, '1002');
    await baresip.waitEvent('CALL_ESTABLISHED', 10_000, since);
  });

  it('puts us on hold and resumes with re-INVITEs (sendonly → sendrecv)', async () => {
    const directions: MediaDirection[] = [];
    const next = () => (once(answerer, 'reoffer') as Promise<[Dialog, MediaDirection]>).then(([d, dir]) => (assert.equal(d, dialog), directions.push(dir)));
    let seen = next();
    await baresip.command('hold');
    await seen;
    seen = next();
    await baresip.command('resume');
    await seen;
    assert.ok(directions[0] === 'sendonly' || directions[0] === 'inactive', `hold offered ${directions[0]}`);
    assert.equal(directions[1], 'sendrecv');
  });

  it('receives DTMF we send in INFO (baresip reports CALL_DTMF_START per digit)', async () => {
    const since = baresip.events.length;
    await dialog.sendDtmf('7#');
    const digits = async () => {
      await baresip.waitEvent('CALL_DTMF_END', 5000, since);
      return baresip.events.slice(since).filter((e) => e.type === 'CALL_DTMF_START').map((e) => e.param);
    };
    let got = await digits();
    while (got.length < 2) {
      await new Promise((r) => baresip.once('event', r));
      got = await digits();
    }
    assert.deepEqual(got, ['7', '#']);
  });

  it('transfers us with REFER: our refer event has the Refer-To, baresip accepts our NOTIFY', async () => {
    const since = baresip.events.length;
    const referred = once(answerer, 'refer') as Promise<[Dialog, IncomingRefer]>;
    await baresip.command('transfer', `sip:1003@127.0.0.1:${port}`);
    const [d, refer] = await referred;
    assert.equal(d, dialog);
    assert.equal(refer.target, `sip:1003@127.0.0.1:${port}`);
    const notify = await refer.notify(200);
    assert.equal(notify?.status, 200);
    // baresip ends its call once the transfer succeeded.
    const closed = await baresip.waitEvent('CALL_CLOSED', 10_000, since);
    assert.match(String(closed.param), /transfer/i);
  });

  it('answers our INVITE to its registered contact, then follows our REFER to call our UA', async () => {
    const since = baresip.events.length;
    const offer = answerer.sdpFor(undefined);
    const ours = await stack.ua.invite({ target: binding.contact, sdp: offer, destination: binding.source }).result();
    answerer.watch(ours);
    await baresip.waitEvent('CALL_ESTABLISHED', 10_000, since);
    const transferred = once(answerer, 'answered') as Promise<[Dialog, IncomingInvite]>;
    const subscription = await ours.refer(`sip:1004@127.0.0.1:${port}`);
    const [, call] = await transferred;
    assert.equal(call.uri, `sip:1004@127.0.0.1:${port}`);
    const final = await subscription.done();
    assert.equal(final?.status, 200);
    assert.deepEqual(subscription.history.map((s) => s.status).at(-1), 200);
    await baresip.command('hangup');
  });
});

describe('baresip ⇄ SipStack (TCP)', () => {
  it('registers over TCP (connection-bound binding) and calls our UA', async () => {
    const baresip = await startBaresip('1012', ';transport=tcp');
    const [binding] = (await bindingsOf('1012')) as [Binding];
    assert.equal(binding.source.protocol, 'tcp');
    assert.ok(binding.source.connectionId, 'binding remembers its TCP connection');
    assert.match(binding.contact, /;transport=tcp$/);
    const since = baresip.events.length;
    const answered = once(answerer, 'answered') as Promise<[Dialog, IncomingInvite]>;
    await baresip.command('dial', `sip:1001@127.0.0.1:${port};transport=tcp`);
    const [dialog, call] = await answered;
    assert.equal(call.source.protocol, 'tcp');
    await baresip.waitEvent('CALL_ESTABLISHED', 10_000, since);
    const bye = once(answerer, 'bye');
    await baresip.command('hangup');
    await bye;
    assert.equal(dialog.endReason, 'bye');
  });
});
