/**
 * Issue 6 e2e: calls through the web dialer's UI (needs the calls layer). Chromium A (microphone
 * 1 kHz) signs in as 1001, Chromium B (microphone 600 Hz) as 1003, baresip (440 Hz, auto-answer)
 * is 1002, and the hold test uses the hold spec's SIP phone (e2e/support/rtp-phone.ts) as 1004.
 * Everything is clicked and typed; audio is judged by frequency: what the page plays (analyser)
 * and what baresip records. Recent calls: a second dialer signed in as 1001 in its own context
 * (nothing stored in that browser) shows the gateway's list live. Screenshots: in call, incoming.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchTestBrowser, type TestBrowser } from '../gateway/webrtc/testing/browser.ts';
import { SIP_HEARD_DBFS, SIP_SILENT_DBFS, assertBaresipHears, assertBaresipSilent, assertBrowserHears, assertBrowserSilent, sleep } from './support/audio-checks.ts';
import { BaresipPhone } from './support/baresip-phone.ts';
import { Dialer } from './support/dialer.ts';
import { GatewayProcess, passwordOf } from './support/gateway.ts';
import { RtpPhone } from './support/rtp-phone.ts';
import { screenshot } from './support/screenshots.ts';

const A_HZ = 1000;
const B_HZ = 600;
const BARESIP_HZ = 440;
/** Time for media to flow (or stop) after a state change. */
const SETTLE_MS = 1000;

describe('web dialer: calls', () => {
  let gateway: GatewayProcess;
  let browserA: TestBrowser;
  let browserB: TestBrowser;
  let a: Dialer;
  let b: Dialer;
  let baresip: BaresipPhone;

  before(async () => {
    gateway = await GatewayProcess.start();
    [browserA, browserB] = await Promise.all([launchTestBrowser(A_HZ), launchTestBrowser(B_HZ)]);
    a = await Dialer.open(browserA.browser, gateway.httpUrl);
    b = await Dialer.open(browserB.browser, gateway.httpUrl);
    await a.signIn('1001', passwordOf('1001'));
    await b.signIn('1003', passwordOf('1003'));
    baresip = await BaresipPhone.start({ user: '1002', password: passwordOf('1002'), gatewaySipPort: gateway.sipPort, sineHz: BARESIP_HZ });
  });
  after(async () => {
    await baresip?.stop().catch(() => {});
    await browserA?.close();
    await browserB?.close();
    await gateway?.stop();
  });

  /** Runs a test body; a failure gets both pages' SIP traces, the gateway log and baresip's output. */
  const withReport = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      if (err instanceof Error) {
        err.message += `\n--- 1001 ---\n${a.trace()}\n--- 1003 ---\n${b.trace()}\n--- gateway ---\n${gateway.logTail(40)}\n--- baresip ---\n${baresip?.peer.output.slice(-1500)}`;
      }
      // Leave no call behind for the next test.
      for (const d of [a, b]) if (await d.byId('hangup').isVisible().catch(() => false)) await d.byId('hangup').click().catch(() => {});
      for (const d of [a, b]) if (await d.byId('reject').isVisible().catch(() => false)) await d.byId('reject').click().catch(() => {});
      await baresip?.command('hangup').catch(() => {});
      await sleep(500);
      throw err;
    }
  };

  /** 1001 calls baresip and both ends report the call up. */
  async function aCallsBaresip(): Promise<void> {
    const since = baresip.eventCount;
    await a.dial('1002');
    await baresip.waitEvent('CALL_ESTABLISHED', 15_000, since);
    await a.waitCallState('active');
  }

  async function aHangsUp(): Promise<void> {
    const since = baresip.eventCount;
    await a.hangup();
    await baresip.waitEvent('CALL_CLOSED', 10_000, since);
  }

  test('call echo: the timer runs, the "You hear" meter rises and the page hears its own microphone', (t) =>
    withReport(async () => {
      await a.dial('echo');
      await a.waitCallState('active');
      await sleep(SETTLE_MS);
      const heard = await a.listen(1500);
      t.diagnostic(assertBrowserHears(heard, A_HZ, [B_HZ, BARESIP_HZ], 'echo: hears own 1 kHz'));
      const level = await a.meter('remote-level');
      t.diagnostic(`"You hear" meter at ${level} %, microphone meter at ${await a.meter('mic-level')} %`);
      assert.ok(level > 30, `the remote level meter shows ${level} %`);
      assert.match((await a.byId('call-timer').textContent()) ?? '', /^0:0[1-9]$/);
      await a.page.locator('[data-testid="quality"]:not([data-bars="0"])').waitFor({ timeout: 5000 });
      t.diagnostic(`quality indicator: ${((await a.byId('quality').textContent()) ?? '').replace(/\s+/g, ' ').trim()}`);
      await screenshot(a.page, 'web-dialer-in-call');
      await a.hangup();
      assert.equal(await a.callMessage(), 'Call ended.');
      await a.byId('recent-call').first().waitFor();
    }));

  test('1001 ⇄ 1003 in two browsers: each hears the other (1 kHz one way, 600 Hz the other)', (t) =>
    withReport(async () => {
      await a.dial('1003');
      const from = await b.waitIncoming();
      assert.match(from, /1001/);
      await screenshot(b.page, 'web-dialer-incoming');
      await b.byId('answer').click();
      await Promise.all([a.waitCallState('active'), b.waitCallState('active')]);
      await sleep(SETTLE_MS);
      t.diagnostic(assertBrowserHears(await b.listen(1500), A_HZ, [B_HZ], '1003 hears 1001'));
      t.diagnostic(assertBrowserHears(await a.listen(1500), B_HZ, [A_HZ], '1001 hears 1003'));
      await b.hangup();
      await a.waitCallState('idle');
      assert.equal(await a.callMessage(), '1003 hung up.');
    }));

  test('baresip calls 1001: the incoming screen shows the caller; Answer; audio both ways', (t) =>
    withReport(async () => {
      const since = baresip.eventCount;
      await baresip.dial(`sip:1001@127.0.0.1:${gateway.sipPort}`);
      const from = await a.waitIncoming();
      assert.match(from, /1002/);
      assert.equal(await a.page.evaluate(() => document.querySelector('patchbay-app')?.shadowRoot?.activeElement?.getAttribute('data-testid')), 'answer', 'focus is on Answer');
      await a.page.keyboard.press('Enter');
      await a.waitCallState('active');
      await baresip.waitEvent('CALL_ESTABLISHED', 15_000, since);
      await sleep(SETTLE_MS);
      t.diagnostic(assertBrowserHears(await a.listen(1500), BARESIP_HZ, [A_HZ], '1001 hears baresip'));
      t.diagnostic(assertBaresipHears(baresip.heardSince(undefined, [A_HZ, BARESIP_HZ], 1500), A_HZ, BARESIP_HZ, 'baresip hears 1001'));
      await aHangsUp();
    }));

  test('Mute silences what the far end hears; Unmute brings it back', (t) =>
    withReport(async () => {
      await aCallsBaresip();
      await sleep(SETTLE_MS);
      await a.toggleMute();
      assert.equal(await a.byId('mute').getAttribute('aria-pressed'), 'true');
      await sleep(SETTLE_MS);
      let mark = baresip.mark();
      await sleep(1500);
      t.diagnostic(assertBaresipSilent(baresip.heardSince(mark, [A_HZ, BARESIP_HZ]), A_HZ, 'muted: baresip hears 1001'));
      t.diagnostic(assertBrowserHears(await a.listen(1000), BARESIP_HZ, [A_HZ], 'muted: 1001 still hears baresip'));
      await a.toggleMute();
      await sleep(SETTLE_MS);
      mark = baresip.mark();
      await sleep(1500);
      t.diagnostic(assertBaresipHears(baresip.heardSince(mark, [A_HZ, BARESIP_HZ]), A_HZ, BARESIP_HZ, 'unmuted: baresip hears 1001'));
      await aHangsUp();
    }));

  test('Hold and Resume (with the SIP phone of the hold spec: baresip loses its recording on hold)', (t) =>
    withReport(async () => {
      const phone = await RtpPhone.start({ user: '1004', password: passwordOf('1004'), gatewaySipPort: gateway.sipPort, sineHz: BARESIP_HZ });
      try {
        const listenBoth = async () => {
          const mark = phone.mark();
          const browser = await a.listen(1500);
          return { browser, phone: phone.heardSince(mark, A_HZ) };
        };
        const describe = (what: string, p: { seconds: number; dbfs: number }) => `${what}: ${p.seconds.toFixed(2)} s, 1000 Hz at ${p.dbfs.toFixed(1)} dBFS`;
        await a.dial('1004');
        await a.waitCallState('active');
        await sleep(SETTLE_MS);
        let heard = await listenBoth();
        t.diagnostic(assertBrowserHears(heard.browser, BARESIP_HZ, [A_HZ], 'before hold: 1001 hears the phone'));
        assert.ok(heard.phone.seconds >= 1 && heard.phone.dbfs >= SIP_HEARD_DBFS, describe('before hold: the phone hears 1001', heard.phone));

        await a.toggleHold();
        await a.waitHoldState('local');
        assert.equal((await a.byId('hold').textContent())?.trim(), 'Resume');
        await sleep(SETTLE_MS);
        heard = await listenBoth();
        t.diagnostic(assertBrowserSilent(heard.browser, BARESIP_HZ, 'held: 1001 hears the phone'));
        t.diagnostic(describe('held: the phone hears 1001', heard.phone));
        assert.ok(heard.phone.dbfs < SIP_SILENT_DBFS, describe('held: the phone hears 1001', heard.phone));

        await a.toggleHold();
        await a.waitHoldState('none');
        await sleep(SETTLE_MS);
        heard = await listenBoth();
        t.diagnostic(assertBrowserHears(heard.browser, BARESIP_HZ, [A_HZ], 'resumed: 1001 hears the phone'));
        t.diagnostic(describe('resumed: the phone hears 1001', heard.phone));
        assert.ok(heard.phone.seconds >= 1 && heard.phone.dbfs >= SIP_HEARD_DBFS, describe('resumed: the phone hears 1001', heard.phone));
        await a.hangup();
      } finally {
        await phone.hangup().catch(() => {});
        await phone.stop();
      }
    }));

  test('REST hold of a browser call (POST /v1/calls/{id}/hold): the dialer is told it is held, the browser hears nothing; resume brings the audio back', (t) =>
    withReport(async () => {
      await aCallsBaresip();
      await sleep(SETTLE_MS);
      const list = (await (await fetch(`${gateway.httpUrl}/v1/calls`)).json()) as { calls: Array<{ call_id: string; from: string; status: string }> };
      const call = list.calls.find((c) => c.from === '1001');
      assert.ok(call, `1001's call in GET /v1/calls: ${JSON.stringify(list)}`);
      const post = (what: string) => fetch(`${gateway.httpUrl}/v1/calls/${call.call_id}/${what}`, { method: 'POST' });
      let r = await post('hold');
      assert.equal(r.status, 200, await r.text());
      await a.waitHoldState('remote');
      const status = ((await (await fetch(`${gateway.httpUrl}/v1/calls/${call.call_id}`)).json()) as { status: string }).status;
      assert.equal(status, 'on_hold');
      await sleep(SETTLE_MS);
      t.diagnostic(assertBrowserSilent(await a.listen(1500), BARESIP_HZ, 'held by REST: 1001 hears baresip'));
      r = await post('resume');
      assert.equal(r.status, 200, await r.text());
      await a.waitHoldState('none');
      await sleep(SETTLE_MS);
      t.diagnostic(assertBrowserHears(await a.listen(1500), BARESIP_HZ, [A_HZ], 'resumed by REST: 1001 hears baresip'));
      const mark = baresip.mark();
      await sleep(1500);
      t.diagnostic(assertBaresipHears(baresip.heardSince(mark, [A_HZ, BARESIP_HZ]), A_HZ, BARESIP_HZ, 'resumed by REST: baresip hears 1001'));
      await aHangsUp();
    }));

  test('the in-call keypad sends DTMF that reaches baresip', (t) =>
    withReport(async () => {
      await aCallsBaresip();
      await sleep(500);
      const since = baresip.eventCount;
      await a.sendDtmf('159#');
      await sleep(600);
      const got = baresip.peer.events
        .slice(since)
        .filter((e) => e.type === 'CALL_DTMF_START')
        .map((e) => String(e.param ?? ''))
        .join('');
      t.diagnostic(`baresip received "${got}"; the page shows sent "${await a.byId('dtmf-sent').textContent()}"`);
      assert.equal(got, '159#');
      await aHangsUp();
    }));

  test('blind transfer: 1001 transfers baresip to 1003, who answers and hears baresip', (t) =>
    withReport(async () => {
      await aCallsBaresip();
      await sleep(500);
      await a.transfer('1003');
      const from = await b.waitIncoming(20_000);
      t.diagnostic(`1003 sees an incoming call from "${from}"`);
      await b.byId('answer').click();
      await b.waitCallState('active');
      await a.waitCallState('idle');
      assert.match(await a.callMessage(), /transferred to 1003/);
      await sleep(SETTLE_MS);
      t.diagnostic(assertBrowserHears(await b.listen(1500), BARESIP_HZ, [B_HZ, A_HZ], '1003 hears baresip'));
      const since = baresip.eventCount;
      await b.hangup();
      await baresip.waitEvent('CALL_CLOSED', 10_000, since);
    }));

  test('blind transfer of a browser: 1003 transfers 1001 to baresip; the dialer of 1001 follows and hears baresip', (t) =>
    withReport(async () => {
      await a.dial('1003');
      await b.waitIncoming();
      await b.byId('answer').click();
      await a.waitCallState('active');
      await b.waitCallState('active');
      await sleep(500);
      const since = baresip.eventCount;
      await b.transfer('1002');
      await b.waitCallState('idle');
      await baresip.waitEvent('CALL_ESTABLISHED', 20_000, since);
      // The dialer of 1001 now shows its call with 1002 (the gateway ended the old one after the transfer).
      const deadline = Date.now() + 15_000;
      for (;;) {
        const peer = (await a.byId('peer').textContent().catch(() => '')) ?? '';
        const state = await a.byId('call-state').getAttribute('data-state').catch(() => null);
        if (peer.includes('1002') && state === 'active') break;
        if (Date.now() > deadline) throw new Error(`1001 shows "${peer}" in state ${state}, not an active call with 1002`);
        await sleep(100);
      }
      t.diagnostic(`1001 shows: ${await a.byId('peer').textContent()}`);
      await sleep(SETTLE_MS);
      t.diagnostic(assertBrowserHears(await a.listen(1500), BARESIP_HZ, [B_HZ, A_HZ], '1001 hears baresip after the transfer'));
      await aHangsUp();
    }));

  test('calling a number nobody has says so', () =>
    withReport(async () => {
      // The message of the call before is still on screen: it must go the moment a new call is dialled
      // (it used to stay until the new call changed state, so a fast 404 looked like "Call ended.").
      await a.waitCallState('idle');
      const before = await a.byId('call-message').textContent({ timeout: 500 }).catch(() => null);
      await a.dial('1099');
      const right = await a.byId('call-message').textContent({ timeout: 200 }).catch(() => null);
      assert.ok(right === null || right.trim() !== before?.trim() || /1099/.test(right), `after dialling the old message "${right}" stays`);
      await a.waitCallMessage(/1099 (was not found|is not available)/);
      await a.waitCallState('idle');
      assert.equal(await a.byId('call-message').getAttribute('role'), 'alert');
    }));

  test('recent calls come from the gateway: another dialer of 1001 sees an echo call appear live, keeps it after a reload, and calls back from it', (t) =>
    withReport(async () => {
      // Its own browser context: this dialer never makes the first call, so all it shows came from the gateway.
      const other = await Dialer.open(browserA.browser, gateway.httpUrl);
      try {
        await other.signIn('1001', passwordOf('1001'));
        const before = (await other.recentCalls())[0]?.id;
        await a.dial('echo');
        await a.waitCallState('active');
        await sleep(500);
        await a.hangup();
        const [call] = await other.waitRecentCalls((l) => l[0] !== undefined && l[0].id !== before, 'the echo call on top');
        assert.deepEqual({ direction: call!.direction, peer: call!.peer }, { direction: 'outbound', peer: 'echo' });
        t.diagnostic(`the other dialer shows the call on top without a reload: ${JSON.stringify(call)}`);
        await a.waitRecentCalls((l) => l[0]?.id === call!.id, 'the same call on the calling dialer');

        await other.page.reload();
        await other.waitRegState('registered');
        await other.waitRecentCalls((l) => l[0]?.id === call!.id, 'the call after a reload (sent on connect)');
        t.diagnostic('after a reload the gateway sends the list again on connect');

        await other.callBackWithKeyboard(call!.id);
        await other.waitCallState('active');
        await sleep(500);
        await other.hangup();
        const [back] = await other.waitRecentCalls((l) => l[0] !== undefined && l[0].id !== call!.id, 'the call-back on top');
        assert.deepEqual({ direction: back!.direction, peer: back!.peer }, { direction: 'outbound', peer: 'echo' });
        await a.waitRecentCalls((l) => l[0]?.id === back!.id, 'the call-back on the first dialer too');
        t.diagnostic('Enter on "Call echo back" called echo again; both dialers of 1001 list that call on top');
      } finally {
        await other.close();
      }
    }));
});
