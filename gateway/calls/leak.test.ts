/**
 * 1 000 calls set up and torn down through the whole B2BUA — SIP over UDP with Digest, real
 * RtpLegs on loopback sockets from one port pool, bridges on the shared media clock, echo
 * extension calls — ending every way a call ends (caller BYE, callee BYE, busy, caller CANCEL),
 * and then nothing is left: no call, media session, port, socket, timer, clock listener, dialog,
 * transaction or event listener more than before the first call.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClockDriver } from '../../media/clock.ts';
import { realClockDriver } from '../../media/clock.ts';
import type { SipError } from '../sip/index.ts';
import { B2buaRig, USERS } from './testing/b2bua-rig.ts';

const CALLS = 1000;
const CONCURRENCY = 20;
const password = (u: string) => USERS.find((x) => x.username === u)!.password;

/** Node's timers, counting the ones set and not yet fired or cleared. */
function countingTimers(): Pick<ClockDriver, 'setTimeout' | 'clearTimeout'> & { live: () => number; set: () => number } {
  const live = new Set<unknown>();
  let set = 0;
  return {
    setTimeout(fn, ms) {
      set++;
      const h = realClockDriver.setTimeout(() => {
        live.delete(h);
        fn();
      }, ms);
      live.add(h);
      return h;
    },
    clearTimeout(h) {
      live.delete(h);
      realClockDriver.clearTimeout(h);
    },
    live: () => live.size,
    set: () => set,
  };
}

/** Counts of Node's active resources by type (UDPWRAP = sockets, Timeout = timers…). */
function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

/** resources() once two readings 50 ms apart agree. */
async function settledResources(): Promise<Record<string, number>> {
  let last = JSON.stringify(resources());
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const now = JSON.stringify(resources());
    if (now === last) break;
    last = now;
  }
  return JSON.parse(last) as Record<string, number>;
}

test(`${CALLS} calls through the B2BUA leave no port, socket, timer, listener or state behind`, { timeout: 300_000 }, async () => {
  const timers = countingTimers();
  const sipTimers = { t1: 50, t4: 500 };
  const rig = await B2buaRig.start({ calls: { rtp_timeout: '30s', no_answer_timeout: '60s', max_calls: 100 } }, { timers }, { sipTimers });
  try {
    await run(rig, timers);
  } finally {
    await rig.close();
  }
});

async function run(rig: B2buaRig, timers: ReturnType<typeof countingTimers>): Promise<void> {
  // Node's view of the gateway alone (SIP sockets, media clock, sweep timer), before any phone —
  // once settled (free-port probes release their handles a little after closing).
  const before = await settledResources();
  const started = Date.now();
  const alice = await rig.phone();
  const answering = await rig.phone(); // 1002: answers, the caller hangs up
  const hangingUp = await rig.phone(); // 1003: answers and hangs up itself
  const busy = await rig.phone(); // 1004: 486
  const ringing = await rig.phone(); // 1005: rings until the caller cancels
  for (const [phone, user] of [[answering, '1002'], [hangingUp, '1003'], [busy, '1004'], [ringing, '1005']] as const) {
    assert.equal((await phone.register(rig.port, user, password(user))).status, 200);
  }
  answering.answer({ codecs: ['PCMU'] });
  hangingUp.answer({ codecs: ['PCMU'], hangupAfterMs: 10 });
  busy.answer({ reject: 486 });
  ringing.answer({ noAnswer: true });

  const ua = rig.stack.ua;
  const inviteListeners = ua.listenerCount('invite');

  const outcome: Record<string, number> = {};
  const note = (k: string) => (outcome[k] = (outcome[k] ?? 0) + 1);
  // Calls that end with a non-2xx final response (busy, cancel) come first: their INVITE client
  // transactions linger for timer D (32 s over UDP, RFC 3261) and are over by the end.
  const kind = (i: number): 'busy' | 'cancel' | 'echo' | 'callee-bye' | 'caller-bye' =>
    i < 50 ? 'busy' : i < 100 ? 'cancel' : i % 10 === 5 ? 'echo' : i % 10 === 7 ? 'callee-bye' : 'caller-bye';

  const one = async (i: number): Promise<void> => {
    const k = kind(i);
    const to = { busy: '1004', cancel: '1005', echo: 'echo', 'callee-bye': '1003', 'caller-bye': '1002' }[k];
    try {
      const { call } = await alice.call(rig.uri(to), {
        user: '1001',
        password: password('1001'),
        codecs: ['PCMU'],
        onProgress: (r, invite) => {
          if (k === 'cancel' && r.status === 180) invite.cancel();
        },
      });
      if (k === 'callee-bye') {
        await new Promise<void>((r) => call.once('ended', () => r()));
      } else {
        await new Promise((r) => setTimeout(r, 5));
        call.hangup();
      }
      note(`${k}:ok`);
    } catch (err) {
      note(`${k}:${(err as SipError).status}`);
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CALLS) await one(next++);
    }),
  );

  const callsDone = Date.now();
  assert.deepEqual(outcome, { 'busy:486': 50, 'cancel:487': 50, 'echo:ok': 90, 'callee-bye:ok': 90, 'caller-bye:ok': 720 });

  // Calls and media.
  await rig.until(() => rig.b2bua.registry.size === 0, 10_000);
  assert.equal(await rig.b2bua.sessions.settled(), 0, 'gateway media sessions all released');
  // The phones end their side when our last BYEs reach them, a moment after the gateway is done.
  for (const p of rig.phones) {
    for (let i = 0; i < 100 && (await p.sessions.settled()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await p.sessions.settled(), 0, 'phone media sessions all released');
  }
  assert.equal(rig.ports.getStats().allocated, 0, 'every RTP port pair back in the pool');
  assert.equal(rig.clock.getStats().listeners, 0, 'no bridge, leg or extension left on the media clock');
  assert.equal(timers.live(), 0, `call timers left: ${timers.live()} of ${timers.set()}`);
  const reg = rig.b2bua.registry.getStats();
  assert.deepEqual([reg.active, reg.total, reg.records, reg.refused], [0, CALLS, 1000, 0]);
  const records = rig.b2bua.registry.records();
  const reasons: Record<string, number> = {};
  for (const r of records) reasons[`${r.endReason}/${r.sipCode}`] = (reasons[`${r.endReason}/${r.sipCode}`] ?? 0) + 1;
  assert.deepEqual(reasons, { 'busy/486': 50, 'cancelled/487': 50, 'normal/200': 900 }, JSON.stringify(records.filter((r) => r.endReason === 'media_timeout')));

  // Signalling: dialogs at once, transactions once their RFC 3261 timers ran out.
  assert.deepEqual(ua.getStats(), { dialogs: 0, earlyDialogs: 0, outgoingInvites: ua.getStats().outgoingInvites, incomingInvites: 0 });
  await rig.until(() => {
    const t = rig.stack.transactions.getStats();
    return t.clientTransactions + t.serverTransactions + t.pending2xx === 0 && ua.getStats().outgoingInvites === 0;
  }, 40_000);
  assert.equal(ua.listenerCount('invite'), inviteListeners);

  // Node's own view, once the phones are gone (the caller's challenged INVITE transactions keep
  // timer D for 32 s): sockets and timers back to what the gateway alone had.
  for (const p of rig.phones.splice(0)) await p.close();
  const after = await settledResources();
  // Exactly the gateway's own sockets remain: SIP over UDP, the SIP TCP listener and the HTTP
  // server (WebSocket) — no RTP socket of any of the 4 000 media legs.
  const seen = JSON.stringify({ before, after });
  assert.equal(after.UDPWrap ?? 0, 1, `UDP sockets: ${seen}`);
  assert.equal(after.TCPServerWrap ?? 0, 2, `listeners: ${seen}`);
  assert.equal(after.TCPWrap ?? 0, 0, `TCP connections: ${seen}`);
  assert.ok((after.Timeout ?? 0) <= (before.Timeout ?? 0), `timers: ${seen}`);
  console.log(`${CALLS} calls in ${((callsDone - started) / 1000).toFixed(1)} s; settled after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
