/**
 * A trunk at a real SIP provider, in two variants: TLS + SRTP, and plain TCP + plain RTP.
 * Kamailio 5.6 (e2e/support/kamailio.ts) is the provider — registrar with Digest over TLS (or
 * TCP, its second listener), and a record-routing proxy between the gateway and the "PSTN", which
 * is baresip (UDP, fixed address, auto-answer, 440 Hz; mandatory SDES-SRTP in the SRTP variant,
 * none in the plain one). The gateway (child process, bot API: api_key, signed webhooks) has one
 * trunk `{transport: tls, srtp: true}` or `{transport: tcp, srtp: false}` at Kamailio; for TLS
 * it trusts Kamailio's throwaway certificate through NODE_EXTRA_CA_CERTS. Media flows directly
 * between baresip and the gateway, SRTP (RTP/SAVP + a=crypto) or plain RTP (RTP/AVP, no
 * a=crypto) both ways. Each variant runs (a)–(c2); "TLS" below reads "TCP" for the TCP variant:
 *  (a) the gateway registers over TLS with Digest: /health sip_trunks 1; Kamailio's usrloc holds
 *      the contact with transport=tls, bound to Kamailio's TLS socket, reached at the gateway's
 *      real TLS source;
 *  (b) POST /v1/calls {to, from, trunk} → INVITE over TLS (407, then with Proxy-Authorization)
 *      → Kamailio → baresip: answered; the INVITE baresip got offers RTP/SAVP + a=crypto and its
 *      answer keeps them (TCP: RTP/AVP, no a=crypto); a bot on the stream hears 440 Hz, baresip hears the bot's 1 kHz;
 *      DELETE ends it (BYE through Kamailio, call.ended normal, `stop` on the stream);
 *  (c) baresip calls the trunk's DID → Kamailio looks up the registration → delivered over the
 *      gateway's TLS connection (Request-URI: the registered contact, the DID in To) → /incoming
 *      (to = the DID) accepts with a stream → the bot hears baresip, baresip hears the bot (SRTP
 *      — or plain RTP — offered by baresip, answered by the gateway); baresip hangs up (BYE from the PSTN side);
 * (c2) the same to the second DID, which Kamailio delivers with the DID in the Request-URI (the
 *      other way providers do it: the gateway must still know the call is from its trunk); the
 *      gateway hangs up (DELETE). Each call ends cleanly: 200 to the BYE, call.ended normal,
 *      `stop` on the stream, no call left.
 * And against a provider that drops idle TLS connections (its own Kamailio, 4 s; TLS + SRTP only):
 *  (d) once Kamailio closed the connection the gateway registered over, the gateway registers
 *      again over a new one (Kamailio can reach a TLS client only over the connection it
 *      registered on: before the fix every inbound call got 477 while /health still said
 *      registered), and a call to the DID arrives.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertBaresipHears, sleep } from './support/audio-checks.ts';
import { BaresipPhone } from './support/baresip-phone.ts';
import { connectBot, levelsDbfs, tone, wsUrlOf, type BotSocket } from './support/bot.ts';
import { baresipSipMessages, setUpBotScene, waitBaresipReceived, withContext, type BotScene } from './support/bot-scene.ts';
import { KamailioServer } from './support/kamailio.ts';

/** baresip's sine; the bot's tone. */
const PSTN_HZ = 440;
const BOT_HZ = 1000;
/** baresip's own number on the "PSTN" (its account user; Kamailio forwards every other number to it). */
const PSTN_NUMBER = '15550009999';
const TRUNK = 'kamailio';

/** How the trunk reaches Kamailio and how its media is carried. */
interface Variant {
  transport: 'tls' | 'tcp';
  srtp: boolean;
}

const TLS_SRTP: Variant = { transport: 'tls', srtp: true };
const TCP_RTP: Variant = { transport: 'tcp', srtp: false };

/** 'TLS + SRTP', 'TCP + plain RTP': for test names and messages. */
function describeVariant(v: Variant): string {
  return `${v.transport.toUpperCase()} + ${v.srtp ? 'SRTP' : 'plain RTP'}`;
}

/** An SDES-SRTP audio description: RTP/SAVP with an a=crypto line. */
function assertSdes(text: string, what: string): void {
  assert.match(text, /^m=audio \d+ RTP\/SAVP /m, `${what}: RTP/SAVP audio\n${text}`);
  assert.match(text, /^a=crypto:\d+ AES_CM_128_HMAC_SHA1_(80|32) inline:/m, `${what}: an a=crypto line\n${text}`);
}

/** A plain RTP audio description: RTP/AVP and no a=crypto line. */
function assertPlainRtp(text: string, what: string): void {
  assert.match(text, /^m=audio \d+ RTP\/AVP /m, `${what}: RTP/AVP audio\n${text}`);
  assert.doesNotMatch(text, /^a=crypto:/m, `${what}: no a=crypto line\n${text}`);
}

/** The provider side and the gateway: baresip (the PSTN), Kamailio in front of it, and a gateway with one trunk at Kamailio as `variant` says. */
async function startProvider(variant: Variant, idleCloseSec?: number): Promise<{ kam: KamailioServer; baresip: BaresipPhone; scene: BotScene }> {
  const ports = await KamailioServer.ports();
  // baresip first (Kamailio needs its port): it sends to and gets calls from Kamailio's UDP port.
  const baresip = await BaresipPhone.start({ user: PSTN_NUMBER, password: '', gatewaySipPort: ports.udpPort, sineHz: PSTN_HZ, register: false, srtp: variant.srtp });
  let kam: KamailioServer | undefined;
  try {
    kam = await KamailioServer.start({ uaPort: baresip.peer.sipPort, ...ports, ...(idleCloseSec !== undefined ? { idleCloseSec } : {}) });
    const tls = variant.transport === 'tls';
    const scene = await setUpBotScene({
      config: { trunks: [{ name: TRUNK, username: kam.username, password: kam.password, host: tls ? kam.tlsHost : kam.tcpHost, transport: variant.transport, srtp: variant.srtp }] },
      // Trust Kamailio's throwaway certificate (TLS only).
      ...(tls ? { env: { NODE_EXTRA_CA_CERTS: kam.certPath } } : {}),
      decide: () => ({ action: 'accept', stream: true }),
    });
    return { kam, baresip, scene };
  } catch (err) {
    await kam?.stop();
    await baresip.stop();
    throw err;
  }
}

for (const variant of [TLS_SRTP, TCP_RTP]) {
  const { transport, srtp } = variant;
  /** 'TLS', 'TCP' (for names); `transport` is the lower-case one (URIs, Kamailio's log). */
  const T = transport.toUpperCase();
  /** What the SDP must say: SDES-SRTP or plain RTP. */
  const assertMedia = srtp ? assertSdes : assertPlainRtp;
  const MEDIA = srtp ? 'SRTP' : 'plain RTP';

  describe(`a ${describeVariant(variant)} trunk at Kamailio, baresip on the far side`, () => {
    let kam: KamailioServer;
    let baresip: BaresipPhone;
    let scene: BotScene;
    const bots: BotSocket[] = [];

    before(async () => {
      ({ kam, baresip, scene } = await startProvider(variant));
    });
    after(async () => {
      for (const b of bots) b.close();
      await scene?.close();
      await kam?.stop();
      await baresip?.stop();
    });

    function step(fn: () => Promise<void>): Promise<void> {
      return withContext(
        () => scene.report(`${bots.map((b, i) => `--- bot ${i + 1} ---\n${b.summary()}`).join('\n')}\n--- kamailio ---\n${kam.logTail(50)}\n--- baresip ---\n${baresip.consoleTail(4000)}`),
        fn,
      );
    }

    async function waitRegistered(timeoutMs = 15_000): Promise<unknown> {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      while (Date.now() < deadline) {
        last = await (await fetch(`${scene.gateway.httpUrl}/health`)).json();
        if ((last as { sip_trunks?: number }).sip_trunks === 1) return last;
        await sleep(100);
      }
      throw new Error(`trunk not registered within ${timeoutMs} ms: /health ${JSON.stringify(last)}`);
    }

    /** Connects a bot to the call's stream and checks that it hears baresip's 440 Hz and that baresip hears its 1 kHz. */
    async function botHearsAndIsHeard(id: string, t: { diagnostic(s: string): void }, url = wsUrlOf(scene.gateway.httpUrl, id)): Promise<BotSocket> {
      const bot = await connectBot(url, { apiKey: scene.apiKey, retry404Ms: 3000 });
      bots.push(bot);
      const start = (await bot.waitEvent('start', () => true, 10_000)).json;
      assert.equal(start.start.callSid, id, 'callSid is the REST call id');

      const since = bot.count;
      await sleep(1500);
      const audio = bot.callerAudio(since);
      const levels = levelsDbfs(audio, 8000, [PSTN_HZ, BOT_HZ]);
      t.diagnostic(`bot: ${(audio.length / 8000).toFixed(2)} s of caller audio in 1.5 s; ${PSTN_HZ} Hz ${levels[PSTN_HZ]!.toFixed(1)} dBFS, ${BOT_HZ} Hz ${levels[BOT_HZ]!.toFixed(1)} dBFS`);
      assert.ok(audio.length >= 8000 * 1.2, `at least 1.2 s of audio from baresip in 1.5 s (got ${(audio.length / 8000).toFixed(2)} s)`);
      assert.ok(levels[PSTN_HZ]! >= -35, `the bot hears baresip's ${PSTN_HZ} Hz (${srtp ? 'SRTP decrypted' : 'plain RTP'})`);
      assert.ok(levels[PSTN_HZ]! - levels[BOT_HZ]! >= 20, `${PSTN_HZ} Hz dominates`);

      // A 2 s tone in one burst (the gateway paces it); judge baresip's last 1.5 s of it.
      const mark = baresip.mark();
      await bot.sendAudio(tone(BOT_HZ, 2000));
      await sleep(2200);
      t.diagnostic(assertBaresipHears(baresip.heardSince(mark, [BOT_HZ, PSTN_HZ], 1500), BOT_HZ, PSTN_HZ, `baresip hears the bot's ${BOT_HZ} Hz (${MEDIA})`));
      return bot;
    }

    /** A 200 OK to a BYE in baresip's trace after `since`, sent or received. */
    function byeAnswered(since: number, direction: 'sent' | 'received'): boolean {
      const port = `:${baresip.peer.sipPort}`;
      return baresipSipMessages(baresip, since).some(
        (m) => /^SIP\/2\.0 200/.test(m.firstLine) && /^CSeq:\s*\d+\s+BYE/im.test(m.text) && (direction === 'received' ? m.to.endsWith(port) : m.from.endsWith(port)),
      );
    }

    /** DELETE the call: 204, the BYE reaches baresip through Kamailio and is answered 200, call.ended normal, `stop` on the stream, no call left. */
    async function gatewayHangsUp(id: string, bot: BotSocket, events: number, t: { diagnostic(s: string): void }): Promise<void> {
      const beforeBye = baresip.peer.output.length;
      const del = await scene.api.hangup(id);
      assert.equal(del.status, 204, del.line);
      await baresip.waitEvent('CALL_CLOSED', 10_000, events);
      const bye = await waitBaresipReceived(baresip, 'BYE', beforeBye, () => true, 5000);
      assert.equal(bye.from, `127.0.0.1:${kam.udpPort}`, 'the BYE came through Kamailio');
      const ended = await scene.hooks.waitEvent('call.ended', id, () => true, 10_000);
      t.diagnostic(`call.ended: ${JSON.stringify(ended)}`);
      assert.equal(ended.reason, 'normal');
      await bot.waitEvent('stop', () => true, 5000);
      assert.ok(byeAnswered(beforeBye, 'sent'), 'baresip answered the BYE 200');
      assert.deepEqual((await scene.api.listCalls()).json?.calls, [], 'no call left');
    }

    test(`(a) [${describeVariant(variant)}] the gateway registers over ${T} with Digest; Kamailio holds a transport=${transport} contact`, (t) =>
      step(async () => {
        const health = await waitRegistered();
        t.diagnostic(`/health: ${JSON.stringify(health)}`);
        const bindings = kam.registrations();
        t.diagnostic(`usrloc: ${JSON.stringify(bindings)}`);
        const b = bindings.at(-1);
        assert.ok(b, 'Kamailio saved a binding');
        assert.equal(b.aor, `sip:${kam.username}@127.0.0.1`, 'the AOR is the trunk account');
        assert.match(b.contact, new RegExp(`^sip:[^@]+@127\\.0\\.0\\.1:\\d+;transport=${transport}$`), `the contact names transport=${transport}`);
        assert.equal(b.socket, `${transport}:127.0.0.1:${transport === 'tls' ? kam.tlsPort : kam.tcpPort}`, `bound to Kamailio's ${T} socket`);
        assert.match(b.source, new RegExp(`^${transport}:127\\.0\\.0\\.1:\\d+$`), `the REGISTER came over ${T}`);
        assert.match(b.received, new RegExp(`^sip:127\\.0\\.0\\.1:${b.source.split(':')[2]};transport=${transport}$`), `reached at the ${T} connection it registered over`);
        assert.ok(b.expiresAt > Date.now() / 1000 + 60, 'a live binding');
        // Digest: the first REGISTER was challenged (no credentials yet), the second one saved.
        const registers = kam.log.match(new RegExp(`REQ REGISTER \\S+ from ${transport}:`, 'g')) ?? [];
        assert.ok(registers.length >= 2, `a challenged REGISTER, then one with credentials (saw ${registers.length})`);
      }));

    test(`(b) [${describeVariant(variant)}] POST /v1/calls through the trunk reaches baresip over ${T} + ${MEDIA}; audio both ways; DELETE ends it`, (t) =>
      step(async () => {
        await waitRegistered();
        const since = baresip.peer.output.length;
        const events = baresip.eventCount;
        const kamSince = kam.log.length;
        const created = await scene.api.createCall({ to: PSTN_NUMBER, from: kam.did, trunk: TRUNK });
        assert.equal(created.status, 201, created.line);
        const id = String(created.json.call_id);

        const invite = await waitBaresipReceived(baresip, 'INVITE', since, () => true, 10_000);
        t.diagnostic(`baresip got: ${invite.firstLine} (from ${invite.from})`);
        assert.equal(invite.from, `127.0.0.1:${kam.udpPort}`, 'the INVITE came from Kamailio');
        assert.match(invite.firstLine, new RegExp(`^INVITE sip:${PSTN_NUMBER}@127\\.0\\.0\\.1:${baresip.peer.sipPort} `));
        assert.match(invite.text, /^Record-Route:/im, 'Kamailio record-routes');
        assertMedia(invite.text, 'the offer baresip got');
        await baresip.waitEvent('CALL_ESTABLISHED', 10_000, events);
        const answered = await scene.hooks.waitEvent('call.answered', id, () => true, 10_000);
        assert.deepEqual(answered, { event: 'call.answered', call_id: id });
        const answer = baresipSipMessages(baresip, since).find((m) => m.from.endsWith(`:${baresip.peer.sipPort}`) && /^SIP\/2\.0 200/.test(m.firstLine) && /^CSeq:\s*\d+\s+INVITE/im.test(m.text));
        assert.ok(answer, "baresip's 200 OK is in its trace");
        assertMedia(answer.text, "baresip's answer");

        // At Kamailio: the INVITE came over the trunk's transport, was challenged (407) and then carried the account's credentials.
        const kamLog = kam.log.slice(kamSince);
        const invites = kamLog.match(new RegExp(`REQ INVITE sip:${PSTN_NUMBER}@\\S+ from ${transport}:127\\.0\\.0\\.1:\\d+`, 'g')) ?? [];
        assert.ok(invites.length >= 2, `INVITE over ${T}, challenged, then with credentials (Kamailio saw ${invites.length})`);
        assert.match(kamLog, new RegExp(`OUTBOUND ${kam.username} calls ${PSTN_NUMBER}`), 'Kamailio authenticated the trunk account');

        const bot = await botHearsAndIsHeard(id, t, created.json.ws_url);

        await gatewayHangsUp(id, bot, events, t);
      }));

    /**
     * baresip dials `did`; returns the call id once /incoming accepted it and baresip is connected.
     * `ruriUser`: the user part of the Request-URI Kamailio delivers (our account, or the DID itself).
     */
    async function inboundCall(t: { diagnostic(s: string): void }, did: string, ruriUser: string): Promise<{ id: string; since: number; events: number }> {
      await waitRegistered();
      const n = scene.hooks.incoming().length;
      const since = baresip.peer.output.length;
      const events = baresip.eventCount;
      const kamSince = kam.log.length;
      await baresip.dial(`sip:${did}@127.0.0.1:${kam.udpPort}`);
      const incoming = await scene.hooks.waitIncoming(n, 15_000);
      t.diagnostic(`/incoming: ${incoming.raw}`);
      assert.equal(incoming.signature, 'valid');
      assert.equal(incoming.body.direction, 'inbound');
      assert.equal(incoming.body.to, did, 'to is the DID dialled');
      assert.equal(incoming.body.from, PSTN_NUMBER);
      assert.equal(incoming.body.peer, undefined, 'a trunk call names no trunk-host peer');
      const id = String(incoming.body.call_id);
      await baresip.waitEvent('CALL_ESTABLISHED', 15_000, events);

      const delivered = new RegExp(`INBOUND to ${did} delivered to sip:${ruriUser}@\\S+;transport=${transport}\\S* via sip:127\\.0\\.0\\.1:\\d+;transport=${transport}`);
      assert.match(kam.log.slice(kamSince), delivered, `Kamailio delivered the call to the registered contact over ${T}`);
      const offer = baresipSipMessages(baresip, since).find((m) => m.from.endsWith(`:${baresip.peer.sipPort}`) && m.firstLine.startsWith('INVITE '));
      assert.ok(offer, "baresip's INVITE is in its trace");
      assertMedia(offer.text, "baresip's offer");
      const answer = baresipSipMessages(baresip, since).find((m) => m.to.endsWith(`:${baresip.peer.sipPort}`) && /^SIP\/2\.0 200/.test(m.firstLine) && /^CSeq:\s*\d+\s+INVITE/im.test(m.text));
      assert.ok(answer, 'baresip got a 200 OK');
      assert.equal(answer.from, `127.0.0.1:${kam.udpPort}`, 'through Kamailio');
      assertMedia(answer.text, "the gateway's answer");
      const answered = await scene.hooks.waitEvent('call.answered', id, () => true, 10_000);
      assert.deepEqual(answered, { event: 'call.answered', call_id: id });
      return { id, since, events };
    }

    test(`(c) [${describeVariant(variant)}] baresip calls the DID → Kamailio → the gateway over ${T}; the bot hears it; baresip hangs up`, (t) =>
      step(async () => {
        const { id, events } = await inboundCall(t, kam.did, kam.username);
        const bot = await botHearsAndIsHeard(id, t);
        const beforeBye = baresip.peer.output.length;
        await baresip.command('hangup');
        await baresip.waitEvent('CALL_CLOSED', 10_000, events);
        const ended = await scene.hooks.waitEvent('call.ended', id, () => true, 10_000);
        t.diagnostic(`call.ended: ${JSON.stringify(ended)}`);
        assert.equal(ended.reason, 'normal', 'a BYE from the far end is a normal end');
        assert.equal(typeof ended.duration, 'number');
        await bot.waitEvent('stop', () => true, 5000);
        assert.equal(await bot.waitClosed(5000), 1000);
        await until(() => byeAnswered(beforeBye, 'received'), 5000);
        assert.ok(byeAnswered(beforeBye, 'received'), "the gateway answered baresip's BYE 200 (through Kamailio)");
        assert.deepEqual((await scene.api.listCalls()).json?.calls, [], 'no call left');
      }));

    test(`(c2) [${describeVariant(variant)}] baresip calls the second DID (delivered with the DID in the Request-URI); the gateway hangs up (DELETE)`, (t) =>
      step(async () => {
        const { id, events } = await inboundCall(t, kam.didInRuri, kam.didInRuri);
        const bot = await connectBot(wsUrlOf(scene.gateway.httpUrl, id), { apiKey: scene.apiKey, retry404Ms: 3000 });
        bots.push(bot);
        await bot.waitEvent('start', () => true, 10_000);
        const since = bot.count;
        await sleep(1000);
        const levels = levelsDbfs(bot.callerAudio(since), 8000, [PSTN_HZ, BOT_HZ]);
        t.diagnostic(`bot: ${PSTN_HZ} Hz ${levels[PSTN_HZ]!.toFixed(1)} dBFS, ${BOT_HZ} Hz ${levels[BOT_HZ]!.toFixed(1)} dBFS`);
        assert.ok(levels[PSTN_HZ]! >= -35 && levels[PSTN_HZ]! - levels[BOT_HZ]! >= 20, `the bot hears baresip's ${PSTN_HZ} Hz`);

        await gatewayHangsUp(id, bot, events, t);
        t.diagnostic(`webhooks: ${scene.hooks.summary()}`);
        assert.deepEqual(scene.hooks.badlySigned().map((h) => `${h.path} ${h.body?.event ?? ''}: ${h.signature}`), [], 'every webhook signed');
      }));
  });
}

describe('a TLS trunk at a provider that drops idle connections (Kamailio closes them after 4 s)', () => {
  let kam: KamailioServer;
  let baresip: BaresipPhone;
  let scene: BotScene;

  before(async () => {
    ({ kam, baresip, scene } = await startProvider(TLS_SRTP, 4));
  });
  after(async () => {
    await scene?.close();
    await kam?.stop();
    await baresip?.stop();
  });

  test('(d) when the provider closes the TLS connection the gateway registered over, it registers again over a new one, and inbound calls still arrive', (t) =>
    withContext(
      () => scene.report(`\n--- kamailio ---\n${kam.logTail(50)}\n--- baresip ---\n${baresip.consoleTail(3000)}`),
      async () => {
        // The first registration's connection is closed by Kamailio after 4 s idle; a binding
        // over another connection (another source port) must follow.
        const deadline = Date.now() + 20_000;
        let sources: string[] = [];
        while (Date.now() < deadline) {
          sources = [...new Set(kam.registrations().map((b) => b.source))];
          if (sources.length >= 2) break;
          await sleep(100);
        }
        t.diagnostic(`bindings from: ${sources.join(', ')}`);
        assert.ok(sources.length >= 2, 'the gateway registered again over a new TLS connection after Kamailio closed the first');

        // An inbound call right after: Kamailio delivers it over the live registration.
        const n = scene.hooks.incoming().length;
        const events = baresip.eventCount;
        await baresip.dial(`sip:${kam.did}@127.0.0.1:${kam.udpPort}`);
        const incoming = await scene.hooks.waitIncoming(n, 10_000);
        t.diagnostic(`/incoming: ${incoming.raw}`);
        assert.equal(incoming.body.to, kam.did);
        const id = String(incoming.body.call_id);
        await baresip.waitEvent('CALL_ESTABLISHED', 10_000, events);
        const del = await scene.api.hangup(id);
        assert.equal(del.status, 204, del.line);
        await baresip.waitEvent('CALL_CLOSED', 10_000, events);
        const ended = await scene.hooks.waitEvent('call.ended', id, () => true, 10_000);
        assert.equal(ended.reason, 'normal');
      },
    ));
});

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await sleep(50);
}
