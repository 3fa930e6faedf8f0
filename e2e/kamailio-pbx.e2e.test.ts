/**
 * An office PBX in front of the gateway: Kamailio 5.6 (e2e/support/kamailio.ts, `mode: 'pbx'`) is
 * a record-routing proxy on UDP 127.0.0.2 and a trunk-host PEER of the gateway
 * (`server.peers: [{name: pbx, host: 127.0.0.2, port}]`, trusted by IP). It has two interfaces on
 * 127.0.0.2, an office side (the phones') and a gateway side (the peer port), so it record-routes
 * every dialog twice, and a UA's route set must be right entry for entry and in order (as UAS the
 * Record-Route as it came, as UAC reversed) or its in-dialog requests reach the wrong interface.
 * Its extensions 2001–2003 are three baresip phones on 127.0.0.1 (A, B, C: 440, 600, 1400 Hz
 * sines); any other number is the gateway's. Every in-dialog request — ACK, re-INVITE, BYE,
 * REFER, NOTIFY — crosses the proxy: route sets, loose routing and in-dialog Request-URIs are
 * exercised both ways. The gateway (child process, bot API) accepts with a stream; a bot on the
 * stream sends a 1 kHz tone. Audio is judged by frequency.
 *  (1) A dials 5000 at the PBX → the gateway: /incoming names peer "pbx"; the bot hears A and A
 *      hears the bot; REST hold → A gets a re-INVITE via the PBX offering sendonly/inactive,
 *      call.hold fires and A's audio stops at the bot; resume → sendrecv via the PBX,
 *      call.resumed, the bot hears A again; REST DTMF reaches A (baresip reports the RFC 4733
 *      digits: the gateway's RTP reaches A again — baresip 1.0 stops recording at its first hold
 *      re-INVITE, so A's ear is judged by frequency only before the hold); A holds and resumes
 *      (its re-INVITEs reach the gateway through the PBX: call.hold, call.resumed); A's DTMF
 *      reaches the bot (`dtmf` events) and the app (call.dtmf); A hangs up → BYE through the PBX to the
 *      gateway's Contact, 200, call.ended normal, `stop` on the stream. Every ACK crosses the PBX
 *      too; every in-dialog request's Request-URI is the far Contact and its Route the PBX's
 *      Record-Route, exactly.
 *  (2) POST /v1/calls {peer: pbx, to: 2002} → INVITE to the PBX (127.0.0.2) → B answers; the bot
 *      hears B and B hears the bot; REST transfer to "2003" (a bare number: B is behind the PBX peer, so Refer-To is sip:2003@<peer host:port>) → B gets a REFER through the
 *      PBX, calls C through the PBX, C answers and hears B's 600 Hz (and B hears C); the gateway's
 *      call ends (call.ended, reason recorded: 'normal') because B's NOTIFY (through the PBX)
 *      reported 200, with a BYE to B through the PBX; no call left on the gateway. Every
 *      in-dialog request the gateway sends (ACK, REFER, BYE) has B's Contact as Request-URI and
 *      the reversed Record-Route as Route.
 *  (3) A dials the gateway directly (127.0.0.1, not through the PBX): 403 — no peer covers
 *      127.0.0.1 and there are no digest peers; no /incoming.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertBaresipHears, sleep } from './support/audio-checks.ts';
import { BaresipPhone } from './support/baresip-phone.ts';
import { connectBot, levelsDbfs, tone, wsUrlOf, type BotSocket } from './support/bot.ts';
import { baresipSipMessages, directionOf, setUpBotScene, waitBaresipReceived, withContext, type BaresipSipMessage, type BotScene } from './support/bot-scene.ts';
import { KamailioServer, splitNameAddrs, type KamailioPbx } from './support/kamailio.ts';

const PBX_IP = '127.0.0.2';
/** The PBX's extensions (baresip phones) and their sines; the bot's tone. */
const A = { number: '2001', hz: 440 };
const B = { number: '2002', hz: 600 };
const C = { number: '2003', hz: 1400 };
const BOT_HZ = 1000;
/** A number of the gateway's, as dialled at the PBX. */
const GW_NUMBER = '5000';

type Diag = { diagnostic(s: string): void };

describe('Kamailio as an office PBX (record-routing proxy) that is a trunk-host peer of the gateway', () => {
  let pbx: KamailioPbx;
  let a: BaresipPhone;
  let b: BaresipPhone;
  let c: BaresipPhone;
  let scene: BotScene;
  const bots: BotSocket[] = [];

  before(async () => {
    // Two PBX interfaces: the office side (the phones dial it) and the gateway side (the peer's port).
    const { udpPort, tlsPort: peerPort } = await KamailioServer.ports();
    // The phones know the PBX (their account's domain, what they dial); unregistered, reached at fixed addresses.
    const phone = (user: string, sineHz: number) => BaresipPhone.start({ user, password: '', domain: PBX_IP, gatewaySipPort: udpPort, sineHz, register: false });
    [a, b, c] = await Promise.all([phone(A.number, A.hz), phone(B.number, B.hz), phone(C.number, C.hz)]);
    scene = await setUpBotScene({
      peers: [{ name: 'pbx', host: PBX_IP, port: peerPort }],
      decide: () => ({ action: 'accept', stream: true }),
    });
    pbx = await KamailioServer.start({
      mode: 'pbx',
      address: PBX_IP,
      udpPort,
      peerPort,
      gatewayPort: scene.gateway.sipPort,
      extensions: { [A.number]: a.peer.sipPort, [B.number]: b.peer.sipPort, [C.number]: c.peer.sipPort },
    });
  });
  after(async () => {
    for (const bot of bots) bot.close();
    await scene?.close();
    await pbx?.stop();
    await Promise.all([a, b, c].map((p) => p?.stop()));
  });

  function step(fn: () => Promise<void>): Promise<void> {
    return withContext(
      () =>
        scene.report(
          [
            ...bots.map((bot, i) => `--- bot ${i + 1} ---\n${bot.summary()}`),
            `--- kamailio ---\n${pbx.logTail(60)}`,
            ...[a, b, c].map((p) => `--- baresip ${p.user} ---\n${p.consoleTail(3500)}`),
          ].join('\n'),
        ),
      fn,
    );
  }

  /** The PBX's office side (what the phones dial and hear from). */
  const pbxHop = () => `${PBX_IP}:${pbx.udpPort}`;
  const gwHop = () => `udp:127.0.0.1:${scene.gateway.sipPort}`;
  const phoneHop = (p: BaresipPhone) => `udp:127.0.0.1:${p.peer.sipPort}`;

  /** Requests the PBX relayed after log offset `since` with this method, from this source. */
  function pbxSaw(since: number, method: string, from: string): Array<{ ruri: string; at: number; routes: string[] }> {
    return pbx.requests(since).filter((r) => r.method === method && r.from === from);
  }

  /** The Record-Route entries a message carries, top first (several headers or a comma list). */
  function recordRoutes(text: string): string[] {
    return [...text.matchAll(/^Record-Route:\s*(.*)$/gim)].flatMap((m) => splitNameAddrs(m[1]!));
  }

  /**
   * Every in-dialog request the PBX got from `from` after log offset `since` (all but OPTIONS and
   * the INVITEs addressed to the PBX) carried exactly `routes` (the sender's route set, §12.1:
   * entry for entry, in order) and reached the PBX at `port` (the first entry: the interface
   * facing the sender). Returns a summary for the diagnostics.
   */
  function assertRoutedVia(since: number, from: string, routes: string[], port: number, who: string): string {
    const inDialog = pbx.requests(since).filter((r) => r.from === from && r.method !== 'OPTIONS' && !r.ruri.includes(`@${PBX_IP}:`));
    assert.ok(inDialog.length > 0, `${who} sent in-dialog requests through the PBX`);
    for (const r of inDialog) {
      assert.deepEqual(r.routes, routes, `${who}'s ${r.method} ${r.ruri}: its Route headers are the route set`);
      assert.equal(r.at, port, `${who}'s ${r.method} went to the PBX interface its first Route names`);
    }
    return `${who} → PBX :${port} in-dialog: ${inDialog.map((r) => r.method).join(', ')}, each with Route ${routes.join(', ')}`;
  }

  /** Responses a phone received (from the PBX) to `method` after trace offset `since`. */
  function phoneGotResponse(p: BaresipPhone, since: number, status: number, method: string): boolean {
    return baresipSipMessages(p, since).some(
      (m) => m.to.endsWith(`:${p.peer.sipPort}`) && m.firstLine.startsWith(`SIP/2.0 ${status}`) && new RegExp(`^CSeq:\\s*\\d+\\s+${method}`, 'im').test(m.text),
    );
  }

  /** The bot hears `p`'s sine (and not its own tone) over 1.5 s. */
  async function botHears(bot: BotSocket, p: BaresipPhone, hz: number, t: Diag, what: string): Promise<void> {
    const since = bot.count;
    await sleep(1500);
    const audio = bot.callerAudio(since);
    const levels = levelsDbfs(audio, 8000, [hz, BOT_HZ]);
    t.diagnostic(`${what}: ${(audio.length / 8000).toFixed(2)} s of caller audio in 1.5 s; ${hz} Hz ${levels[hz]!.toFixed(1)} dBFS, ${BOT_HZ} Hz ${levels[BOT_HZ]!.toFixed(1)} dBFS`);
    assert.ok(audio.length >= 8000 * 1.2, `${what}: at least 1.2 s of audio from ${p.user} in 1.5 s (got ${(audio.length / 8000).toFixed(2)} s)`);
    assert.ok(levels[hz]! >= -35, `${what}: the bot hears ${p.user}'s ${hz} Hz`);
    assert.ok(levels[hz]! - levels[BOT_HZ]! >= 20, `${what}: ${hz} Hz dominates`);
  }

  /** `p` hears the bot's 1 kHz: a 2 s tone in one burst (the gateway paces it), judged on its last 1.5 s. */
  async function heardByPhone(bot: BotSocket, p: BaresipPhone, ownHz: number, t: Diag, what: string): Promise<void> {
    const mark = p.mark();
    await bot.sendAudio(tone(BOT_HZ, 2000));
    await sleep(2200);
    t.diagnostic(assertBaresipHears(p.heardSince(mark, [BOT_HZ, ownHz], 1500), BOT_HZ, ownHz, what));
  }

  /** The first SIP message in `p`'s trace after `since` matching `pred`, waiting up to 2 s for it. */
  async function traced(p: BaresipPhone, since: number, pred: (m: BaresipSipMessage) => boolean): Promise<BaresipSipMessage | undefined> {
    await until(() => baresipSipMessages(p, since).some(pred), 2000);
    return baresipSipMessages(p, since).find(pred);
  }

  /** The gateway's log (pino JSON lines), parsed. */
  function gatewayLog(): Array<Record<string, any>> {
    return scene.gateway.log.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, any>];
      } catch {
        return [];
      }
    });
  }

  /** The URI of a message's Contact header ('' when none). */
  function contactUri(text: string): string {
    const v = /^(?:Contact|m):\s*(.*)$/im.exec(text)?.[1] ?? '';
    return /<([^>]*)>/.exec(v)?.[1] ?? v.split(';')[0]!.trim();
  }

  async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!cond() && Date.now() < deadline) await sleep(50);
    return cond();
  }

  test('(1) A → PBX → gateway: peer "pbx"; audio both ways; hold/resume, DTMF both ways and A\'s BYE all cross the PBX', (t) =>
    step(async () => {
      const n = scene.hooks.incoming().length;
      const trace = a.peer.output.length;
      const events = a.eventCount;
      const kamSince = pbx.log.length;
      await a.dial(`sip:${GW_NUMBER}@${pbxHop()}`);
      const incoming = await scene.hooks.waitIncoming(n, 15_000);
      t.diagnostic(`/incoming: ${incoming.raw}`);
      assert.equal(incoming.signature, 'valid');
      assert.equal(incoming.body.peer, 'pbx', 'the call came from the PBX peer (by its IP, 127.0.0.2)');
      assert.equal(incoming.body.direction, 'inbound');
      assert.equal(incoming.body.to, GW_NUMBER);
      assert.equal(incoming.body.from, A.number);
      const id = String(incoming.body.call_id);
      await a.waitEvent('CALL_ESTABLISHED', 15_000, events);
      await scene.hooks.waitEvent('call.answered', id, () => true, 10_000);

      // The dialog was made through the PBX, which record-routed it; A's ACK went through it too.
      assert.equal(pbxSaw(kamSince, 'INVITE', phoneHop(a)).length, 1, 'the PBX relayed A\'s INVITE');
      // (baresip's trace is its stdout, its events come over ctrl_tcp: the trace may lag a little.)
      const ok = await traced(a, trace, (m) => m.to.endsWith(`:${a.peer.sipPort}`) && /^SIP\/2\.0 200/.test(m.firstLine) && /^CSeq:\s*\d+\s+INVITE/im.test(m.text));
      assert.ok(ok, 'A got a 200 OK');
      assert.equal(ok.from, pbxHop(), 'the 200 OK came through the PBX');
      // Two entries (in at the office side, out at the gateway side), top first: the gateway's, then the phones'.
      const rr = recordRoutes(ok.text);
      t.diagnostic(`Record-Route: ${rr.join(', ')}`);
      assert.deepEqual(rr.map((r) => /^<sip:([\d.]+:\d+);/.exec(r)?.[1]), [`${PBX_IP}:${pbx.peerPort}`, `${PBX_IP}:${pbx.udpPort}`], 'the PBX record-routed the dialog on both its interfaces');
      const gwContact = contactUri(ok.text);
      const aInvite = baresipSipMessages(a, trace).find((m) => m.from.endsWith(`:${a.peer.sipPort}`) && m.firstLine.startsWith('INVITE '));
      const aContact = contactUri(aInvite?.text ?? '');
      t.diagnostic(`Contacts: the gateway's ${gwContact} (in its 200), A's ${aContact} (in its INVITE)`);
      assert.match(gwContact, new RegExp(`^sip:(?:[^@]+@)?127\\.0\\.0\\.1:${scene.gateway.sipPort}\\b`), 'the gateway\'s Contact is its own SIP address');
      assert.ok(await until(() => pbxSaw(kamSince, 'ACK', phoneHop(a)).length >= 1, 3000), 'A\'s ACK crossed the PBX (loose route)');

      const bot = await connectBot(wsUrlOf(scene.gateway.httpUrl, id), { apiKey: scene.apiKey, retry404Ms: 3000 });
      bots.push(bot);
      await bot.waitEvent('start', () => true, 10_000);
      await botHears(bot, a, A.hz, t, 'bot, before hold');
      await heardByPhone(bot, a, A.hz, t, 'A hears the bot');

      // REST hold: a re-INVITE from the gateway, through the PBX (Route: the PBX; Request-URI: A's Contact).
      let since = a.peer.output.length;
      let kam = pbx.log.length;
      const hold = await scene.api.control(id, 'hold');
      assert.equal(hold.status, 200, hold.line);
      const held = await waitBaresipReceived(a, 'INVITE', since, () => true, 5000);
      t.diagnostic(`hold re-INVITE at A: ${held.firstLine} from ${held.from}, ${directionOf(held.text)}`);
      const reinvites = pbxSaw(kam, 'INVITE', gwHop());
      assert.equal(reinvites.length, 1, 'the PBX relayed one re-INVITE from the gateway');
      assert.equal(reinvites[0]!.ruri, aContact, 'its Request-URI is A\'s Contact (the remote target), not the PBX');
      // The gateway is the UAS: its route set is the Record-Route as it came (§12.1.1), top first.
      t.diagnostic(assertRoutedVia(kam, gwHop(), rr, pbx.peerPort, 'the gateway'));
      assert.equal(held.from, pbxHop(), 'the hold re-INVITE came through the PBX (out of its office side)');
      assert.ok(['sendonly', 'inactive'].includes(directionOf(held.text)), `the hold re-INVITE offers sendonly or inactive:\n${held.text}`);
      await scene.hooks.waitEvent('call.hold', id, () => true, 5000);
      assert.ok(await until(() => pbxSaw(kam, 'ACK', gwHop()).length >= 1, 3000), 'the gateway ACKed the re-INVITE\'s 200 through the PBX');
      assert.equal((await scene.api.waitCall(id, (r) => r.json?.status === 'on_hold', 3000)).json?.status, 'on_hold');
      await sleep(500); // what was in flight has drained
      {
        const s = bot.count;
        await sleep(1000);
        const levels = levelsDbfs(bot.callerAudio(s), 8000, [A.hz]);
        t.diagnostic(`bot while A is held: ${A.hz} Hz ${levels[A.hz]!.toFixed(1)} dBFS`);
        assert.ok(levels[A.hz]! < -50, 'A\'s audio stops while it is held');
      }

      // REST resume: sendrecv again, through the PBX; audio both ways.
      since = a.peer.output.length;
      kam = pbx.log.length;
      const resume = await scene.api.control(id, 'resume');
      assert.equal(resume.status, 200, resume.line);
      const resumed = await waitBaresipReceived(a, 'INVITE', since, () => true, 5000);
      assert.equal(resumed.from, pbxHop(), 'the resume re-INVITE came through the PBX');
      assert.equal(directionOf(resumed.text), 'sendrecv', `the resume re-INVITE offers sendrecv:\n${resumed.text}`);
      await scene.hooks.waitEvent('call.resumed', id, () => true, 5000);
      assert.ok(await until(() => pbxSaw(kam, 'ACK', gwHop()).length >= 1, 3000), 'the gateway ACKed through the PBX');
      await sleep(300);
      await botHears(bot, a, A.hz, t, 'bot, after resume');

      // REST DTMF → A: RFC 4733 events in the gateway's RTP to A (media flows directly, not via
      // the PBX); baresip reports the digits. This is also the proof that the gateway → A direction
      // is back after resume: baresip 1.0 stops its WAV recording at the first hold re-INVITE
      // (see hold.e2e.test.ts), so A's ear cannot be judged by frequency after it.
      const dtmfSince = a.eventCount;
      const r = await scene.api.control(id, 'dtmf', { digits: '14#' });
      assert.equal(r.status, 200, r.line);
      const gotDigits = () => a.peer.events.slice(dtmfSince).filter((e) => e.type === 'CALL_DTMF_START').map((e) => String(e.param ?? '')).join('');
      await until(() => gotDigits().length >= 3, 6000);
      t.diagnostic(`A received DTMF "${gotDigits()}"`);
      assert.equal(gotDigits(), '14#', 'A receives every digit sent by REST');

      // A holds and resumes: its re-INVITEs reach the gateway through the PBX (the gateway as
      // UAS of an in-dialog request: its 200 goes back along the Vias, A's ACK along the route).
      kam = pbx.log.length;
      const holds = scene.hooks.events('call.hold', id).length;
      const resumes = scene.hooks.events('call.resumed', id).length;
      await a.command('hold');
      await scene.hooks.waitEvent('call.hold', id, () => scene.hooks.events('call.hold', id).length > holds, 5000);
      await a.command('resume');
      await scene.hooks.waitEvent('call.resumed', id, () => scene.hooks.events('call.resumed', id).length > resumes, 5000);
      const fromA = pbxSaw(kam, 'INVITE', phoneHop(a));
      assert.equal(fromA.length, 2, 'A\'s hold and resume re-INVITEs crossed the PBX');
      assert.ok(fromA.every((x) => x.ruri === gwContact), 'addressed to the gateway\'s Contact');
      assert.ok(await until(() => pbxSaw(kam, 'ACK', phoneHop(a)).length >= 2, 3000), 'A ACKed both 200s through the PBX');
      await sleep(300);

      // A's DTMF → the bot (`dtmf` events) and the app (call.dtmf): A's RTP flows again after its resume.
      const botSince = bot.count;
      const hooksBefore = scene.hooks.events('call.dtmf', id).length;
      for (const d of ['7', '*', '0']) {
        await a.command('sndcode', d);
        await sleep(400);
      }
      await bot.until(() => bot.messages.slice(botSince).filter((m) => m.json?.event === 'dtmf').length >= 3, '3 dtmf events', 5000).catch(() => undefined);
      const digits = bot.messages.slice(botSince).filter((m) => m.json?.event === 'dtmf').map((m) => m.json.dtmf.digit).join('');
      t.diagnostic(`bot dtmf events: "${digits}"`);
      assert.equal(digits, '7*0', 'the bot gets A\'s digits, in order, once each');
      await scene.hooks.waitEvent('call.dtmf', id, (e) => e.digit === '0', 5000);
      assert.deepEqual(scene.hooks.events('call.dtmf', id).slice(hooksBefore).map((e) => e.digit), ['7', '*', '0'], 'one call.dtmf webhook per digit');

      // A hangs up: BYE through the PBX, to the gateway's Contact; 200 back through the PBX.
      since = a.peer.output.length;
      kam = pbx.log.length;
      await a.command('hangup');
      await a.waitEvent('CALL_CLOSED', 10_000, events);
      const ended = await scene.hooks.waitEvent('call.ended', id, () => true, 10_000);
      t.diagnostic(`call.ended: ${JSON.stringify(ended)}`);
      assert.equal(ended.reason, 'normal');
      const byes = pbxSaw(kam, 'BYE', phoneHop(a));
      assert.equal(byes.length, 1, 'the PBX relayed A\'s BYE');
      assert.equal(byes[0]!.ruri, gwContact, 'to the gateway\'s Contact');
      assert.ok(await until(() => phoneGotResponse(a, since, 200, 'BYE'), 3000), 'A got 200 to its BYE (through the PBX)');
      await bot.waitEvent('stop', () => true, 5000);
      assert.deepEqual((await scene.api.listCalls()).json?.calls, [], 'no call left');
      // The whole call: the gateway's in-dialog requests (UAS: Record-Route as it came), A's (UAC: reversed).
      t.diagnostic(assertRoutedVia(kamSince, gwHop(), rr, pbx.peerPort, 'the gateway'));
      t.diagnostic(assertRoutedVia(kamSince, phoneHop(a), [...rr].reverse(), pbx.udpPort, 'A'));
      assert.deepEqual(pbx.log.match(/STRAY .*/g) ?? [], [], 'no in-dialog request missed the PBX\'s Route');
    }));

  test('(2) POST /v1/calls via the PBX peer to B; audio both ways; REST transfer: B gets a REFER through the PBX and calls C, who hears B', (t) =>
    step(async () => {
      const traceB = b.peer.output.length;
      const eventsB = b.eventCount;
      const eventsC = c.eventCount;
      const kamSince = pbx.log.length;
      const created = await scene.api.createCall({ to: B.number, from: GW_NUMBER, peer: 'pbx' });
      assert.equal(created.status, 201, created.line);
      const id = String(created.json.call_id);

      const invite = await waitBaresipReceived(b, 'INVITE', traceB, () => true, 10_000);
      t.diagnostic(`B got: ${invite.firstLine} (from ${invite.from})`);
      assert.equal(invite.from, pbxHop(), 'the INVITE came from the PBX');
      const rr = recordRoutes(invite.text);
      t.diagnostic(`Record-Route: ${rr.join(', ')}`);
      assert.deepEqual(rr.map((r) => /^<sip:([\d.]+:\d+);/.exec(r)?.[1]), [`${PBX_IP}:${pbx.udpPort}`, `${PBX_IP}:${pbx.peerPort}`], 'the PBX record-routes on both its interfaces');
      const out = pbxSaw(kamSince, 'INVITE', gwHop());
      assert.equal(out.length, 1, 'the gateway sent its INVITE to the PBX peer');
      assert.match(out[0]!.ruri, new RegExp(`^sip:${B.number}@${PBX_IP.replace(/\./g, '\\.')}:${pbx.peerPort}\\b`), 'addressed to the number at the PBX (its peer port)');
      const gwContact = contactUri(invite.text);
      await b.waitEvent('CALL_ESTABLISHED', 10_000, eventsB);
      await scene.hooks.waitEvent('call.answered', id, () => true, 10_000);
      const ok = await traced(b, traceB, (m) => m.from.endsWith(`:${b.peer.sipPort}`) && /^SIP\/2\.0 200/.test(m.firstLine) && /^CSeq:\s*\d+\s+INVITE/im.test(m.text));
      const bContact = contactUri(ok?.text ?? '');
      t.diagnostic(`Contacts: the gateway's ${gwContact} (in its INVITE), B's ${bContact} (in its 200)`);
      assert.ok(await until(() => pbxSaw(kamSince, 'ACK', gwHop()).length >= 1, 3000), 'the gateway\'s ACK crossed the PBX (route set from the 200\'s Record-Route)');
      assert.equal(pbxSaw(kamSince, 'ACK', gwHop())[0]!.ruri, bContact, 'the ACK\'s Request-URI is B\'s Contact');
      // The gateway is the UAC: its route set is the 200's Record-Route reversed (§12.1.2).
      assertRoutedVia(kamSince, gwHop(), [...rr].reverse(), pbx.peerPort, 'the gateway');

      const bot = await connectBot(created.json.ws_url, { apiKey: scene.apiKey, retry404Ms: 3000 });
      bots.push(bot);
      await bot.waitEvent('start', () => true, 10_000);
      await botHears(bot, b, B.hz, t, 'bot hears B');
      await heardByPhone(bot, b, B.hz, t, 'B hears the bot');

      // Blind transfer to C by number, as an xbridge client writes it: B is behind the PBX peer, so
      // the number is in the PBX's plan — Refer-To is C at the peer's address, and B dials it there.
      const target = `sip:${C.number}@${PBX_IP}:${pbx.peerPort}`;
      const since = b.peer.output.length;
      const kam = pbx.log.length;
      const r = await scene.api.control(id, 'transfer', { target: C.number });
      assert.equal(r.status, 200, r.line);
      const refer = await waitBaresipReceived(b, 'REFER', since, () => true, 5000);
      const referTo = /^(?:Refer-To|r):\s*(.*)$/im.exec(refer.text)?.[1] ?? '';
      t.diagnostic(`B got ${refer.firstLine} from ${refer.from}; Refer-To: ${referTo}`);
      assert.equal(refer.from, pbxHop(), 'the REFER came through the PBX');
      assert.equal(pbxSaw(kam, 'REFER', gwHop())[0]?.ruri, bContact, 'the REFER\'s Request-URI is B\'s Contact');
      assert.equal(referTo.replace(/^<|>$/g, ''), target, 'Refer-To names C at the PBX peer');

      // B calls C through the PBX; C answers.
      await c.waitEvent('CALL_ESTABLISHED', 10_000, eventsC);
      const toC = pbxSaw(kam, 'INVITE', phoneHop(b));
      assert.ok(toC.some((x) => x.ruri.startsWith(`sip:${C.number}@`)), `B's INVITE to C crossed the PBX (saw ${JSON.stringify(toC)})`);
      const cInvite = await traced(c, 0, (m) => m.firstLine.startsWith('INVITE ') && m.to.endsWith(`:${c.peer.sipPort}`));
      assert.equal(cInvite?.from, pbxHop(), 'C got the INVITE from the PBX');

      // The gateway's call ends once B's NOTIFY says the target answered; its BYE to B crosses the PBX.
      const ended = await scene.hooks.waitEvent('call.ended', id, () => true, 10_000);
      t.diagnostic(`call.ended of the transferred call: ${JSON.stringify(ended)}`);
      assert.equal(ended.reason, 'normal', 'the gateway reports a completed transfer as a normal end');
      const notifies = pbxSaw(kam, 'NOTIFY', phoneHop(b));
      const done = gatewayLog().filter((l) => l.msg === 'transfer finished' && l.callId === id);
      t.diagnostic(`B's NOTIFYs through the PBX: ${notifies.length}; the gateway logged: ${JSON.stringify(done)}`);
      assert.ok(notifies.length >= 1, 'B\'s NOTIFYs (sipfrag) crossed the PBX to the gateway');
      assert.ok(notifies.every((x) => x.ruri === gwContact), 'addressed to the gateway\'s Contact');
      assert.deepEqual(done.map((l) => [l.target, l.status]), [[target, 200]], 'the gateway ended the call because the transfer completed (sipfrag 200), not because B hung up');
      await bot.waitEvent('stop', () => true, 5000);
      const bye = await waitBaresipReceived(b, 'BYE', since, () => true, 5000);
      assert.equal(bye.from, pbxHop(), 'the gateway\'s BYE to B came through the PBX');
      assert.equal(pbxSaw(kam, 'BYE', gwHop())[0]?.ruri, bContact, 'its Request-URI is B\'s Contact');

      // C hears B (and B hears C): the transferred call is up, B ↔ C through the PBX.
      await sleep(600);
      const markC = c.mark();
      const markB = b.mark();
      await sleep(1500);
      t.diagnostic(assertBaresipHears(c.heardSince(markC, [B.hz, C.hz]), B.hz, C.hz, `C hears B's ${B.hz} Hz`));
      t.diagnostic(assertBaresipHears(b.heardSince(markB, [C.hz, B.hz]), C.hz, B.hz, `B hears C's ${C.hz} Hz`));
      assert.deepEqual((await scene.api.listCalls()).json?.calls, [], 'no call left on the gateway');

      // The whole call: every in-dialog request of the gateway's (ACK, REFER, BYE) took the reversed Record-Route.
      t.diagnostic(assertRoutedVia(kamSince, gwHop(), [...rr].reverse(), pbx.peerPort, 'the gateway'));
      const closed = c.eventCount;
      await c.command('hangup');
      await c.waitEvent('CALL_CLOSED', 5000, closed);
      assert.deepEqual(pbx.log.match(/STRAY .*/g) ?? [], [], 'no in-dialog request missed the PBX\'s Route');
    }));

  test('(3) A dials the gateway directly from 127.0.0.1: 403, no /incoming — IP authorisation tells the PBX apart', (t) =>
    step(async () => {
      const n = scene.hooks.incoming().length;
      const since = a.peer.output.length;
      const events = a.eventCount;
      await a.dial(`sip:${GW_NUMBER}@127.0.0.1:${scene.gateway.sipPort}`);
      const closed = await a.waitEvent('CALL_CLOSED', 10_000, events);
      t.diagnostic(`A: CALL_CLOSED ${closed.param ?? ''}`);
      const answer = baresipSipMessages(a, since).find((m) => m.to.endsWith(`:${a.peer.sipPort}`) && /^SIP\/2\.0 [3-6]\d\d/.test(m.firstLine) && /^CSeq:\s*\d+\s+INVITE/im.test(m.text));
      assert.ok(answer, 'A got a final answer');
      t.diagnostic(`the gateway answered: ${answer.firstLine} (from ${answer.from})`);
      assert.equal(answer.from, `127.0.0.1:${scene.gateway.sipPort}`, 'straight from the gateway');
      assert.match(answer.firstLine, /^SIP\/2\.0 403/, 'refused 403: no peer for 127.0.0.1, no digest peers');
      await sleep(300);
      assert.equal(scene.hooks.incoming().length, n, 'no /incoming for a refused call');
      assert.deepEqual(scene.hooks.badlySigned().map((h) => `${h.path} ${h.body?.event ?? ''}: ${h.signature}`), [], 'every webhook signed');
    }));
});
