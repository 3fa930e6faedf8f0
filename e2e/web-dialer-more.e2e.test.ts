/**
 * More of the web dialer through its UI in real Chromium (needs the calls layer): the microphone
 * blocked (a context of a browser that asks for the microphone, where it was not allowed), a busy
 * callee (a dialer already in a call answers a second call 486 Busy Here), the microphone and
 * speaker pickers during a call with the live microphone meter, and the incoming-call
 * notification while the dialer's tab is really hidden (another tab brought to the front in a
 * browser Playwright attaches to without focus emulation: see support/browsers.ts).
 * Chromium A (microphone 1 kHz) has 1001 and 1003; everything is clicked and typed; what the page
 * shows and hears is read from the screen, its analyser and observation hooks (init scripts that
 * note notifications and opened microphones), never from the app's internals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchTestBrowser, type TestBrowser } from '../gateway/webrtc/testing/browser.ts';
import { assertBrowserHears, sleep } from './support/audio-checks.ts';
import { launchAskingBrowser, launchTabbedBrowser, type AskingBrowser, type TabbedBrowser } from './support/browsers.ts';
import { Dialer, type ShownNotification } from './support/dialer.ts';
import { GatewayProcess, passwordOf } from './support/gateway.ts';

const A_HZ = 1000;
const OTHER_HZ = 600;
const SETTLE_MS = 1000;
const MIC_BLOCKED = 'Microphone access is blocked. Allow the microphone for this site and try again.';

describe('web dialer: microphone blocked, busy, device pickers, notifications', () => {
  let gateway: GatewayProcess;
  let browser: TestBrowser;
  let a: Dialer;
  let b: Dialer;
  const extra: Dialer[] = [];

  before(async () => {
    gateway = await GatewayProcess.start();
    browser = await launchTestBrowser(A_HZ);
    a = await Dialer.open(browser.browser, gateway.httpUrl, { observe: ['microphones'] });
    b = await Dialer.open(browser.browser, gateway.httpUrl);
    await a.signIn('1001', passwordOf('1001'));
    await b.signIn('1003', passwordOf('1003'));
  });
  after(async () => {
    for (const d of extra) await d.close().catch(() => {});
    await browser?.close();
    await gateway?.stop();
  });

  /** Runs a test body; a failure gets the pages' SIP traces and the gateway log, and no call is left behind. */
  const withReport = async (fn: () => Promise<void>, more: () => Dialer[] = () => []) => {
    try {
      await fn();
    } catch (err) {
      const all = [a, b, ...more()];
      if (err instanceof Error) {
        for (const d of all) err.message += `\n--- page ${d.page.url()} ---\n${d.trace(20)}`;
        err.message += `\n--- gateway ---\n${gateway.logTail(40)}`;
      }
      for (const d of all) if (await d.byId('hangup').isVisible().catch(() => false)) await d.byId('hangup').click().catch(() => {});
      for (const d of all) if (await d.byId('reject').isVisible().catch(() => false)) await d.byId('reject').click().catch(() => {});
      await sleep(500);
      throw err;
    }
  };

  /** The call message is an alert (role=alert) with exactly `text`. */
  async function assertAlert(d: Dialer, text: string): Promise<void> {
    const message = await d.waitCallMessage(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    assert.equal(message, text);
    assert.equal(await d.byId('call-message').getAttribute('role'), 'alert', `"${text}" is shown as an alert`);
  }

  /** Back on the dial pad: the number field and Call are there, no call screen. */
  async function assertIdle(d: Dialer): Promise<void> {
    await d.waitCallState('idle');
    assert.ok(await d.byId('number').isVisible(), 'the number field is shown');
    assert.ok(!(await d.byId('call-state').isVisible().catch(() => false)), 'no call screen');
  }

  describe('microphone blocked', () => {
    let asking: AskingBrowser;
    before(async () => {
      asking = await launchAskingBrowser(OTHER_HZ);
    });
    after(async () => {
      await asking?.close();
    });

    test('calling echo with the microphone blocked says so in an alert and the dialer stays usable; answering says so too; Test microphone says so', (t) => {
      let blocked: Dialer | undefined;
      return withReport(
        async () => {
          // A context granted no permission: Playwright sends CDP Browser.grantPermissions with an empty list, which
          // rejects all others — the microphone is "denied" for the gateway's origin, as after the person clicked Block.
          blocked = await Dialer.open(asking.browser, gateway.httpUrl, { permissions: [] });
          extra.push(blocked);
          await blocked.signIn('1004', passwordOf('1004'));
          assert.equal(await blocked.page.evaluate(async () => (await navigator.permissions.query({ name: 'microphone' as PermissionName })).state), 'denied');

          await blocked.dial('echo');
          await assertAlert(blocked, MIC_BLOCKED);
          await assertIdle(blocked);
          assert.equal(await blocked.byId('number').inputValue(), 'echo', 'the number stays for another try');
          assert.ok(await blocked.byId('call').isEnabled(), 'Call can be clicked again');
          t.diagnostic(`Call → alert "${MIC_BLOCKED}", back on the dial pad`);
          const calls = (await (await fetch(`${gateway.httpUrl}/v1/calls`)).json()) as { calls: Array<{ from: string }> };
          assert.ok(!calls.calls.some((c) => c.from === '1004'), `no call from 1004 reached the gateway: ${JSON.stringify(calls)}`);

          // Someone calls 1004, who clicks Answer: the microphone cannot open, the call is refused and the person is told why.
          await b.dial('1004');
          assert.match(await blocked.waitIncoming(), /1003/);
          await blocked.byId('answer').click();
          await assertAlert(blocked, MIC_BLOCKED);
          await assertIdle(blocked);
          await b.waitCallState('idle');
          const callerSees = await b.callMessage();
          t.diagnostic(`Answer → alert on 1004; the caller 1003 sees "${callerSees}"`);
          assert.match(callerSees, /^1004 /);

          // The microphone test in Audio settings explains it the same way.
          await blocked.openSettings();
          await blocked.byId('mic-test').click();
          const testAlert = blocked.page.locator('patchbay-app details.settings').getByRole('alert');
          await testAlert.waitFor({ timeout: 5000 });
          assert.equal((await testAlert.textContent())?.trim(), MIC_BLOCKED);

          // The same browser in a context where the microphone was allowed calls echo and hears itself:
          // it is the permission that made the difference.
          const allowed = await Dialer.open(asking.browser, gateway.httpUrl, { permissions: ['microphone'] });
          extra.push(allowed);
          await allowed.signIn('1005', passwordOf('1005'));
          await allowed.dial('echo');
          await allowed.waitCallState('active');
          await sleep(SETTLE_MS);
          t.diagnostic(assertBrowserHears(await allowed.listen(1500), OTHER_HZ, [A_HZ], 'microphone allowed: echo hears its own 600 Hz'));
          await allowed.hangup();
        },
        () => extra,
      );
    });
  });

  test('calling someone who is already in a call: "1003 is busy." as an alert; their call goes on; recent calls say busy', (t) =>
    withReport(async () => {
      await b.dial('echo');
      await b.waitCallState('active');
      await a.dial('1003');
      await assertAlert(a, '1003 is busy.');
      await assertIdle(a);
      t.diagnostic('1001 → 1003 (in a call): "1003 is busy."');
      assert.ok(!(await b.byId('incoming').isVisible().catch(() => false)), '1003 is not disturbed by an incoming screen');
      assert.equal(await b.byId('call-state').getAttribute('data-state'), 'active', "1003's call goes on");
      await sleep(SETTLE_MS);
      t.diagnostic(assertBrowserHears(await b.listen(1000), A_HZ, [OTHER_HZ], "1003's echo call still carries audio"));
      const [top] = await a.waitRecentCalls((l) => l[0]?.peer === '1003' && /busy/.test(l[0].text), 'the busy call on top');
      assert.equal(top!.direction, 'outbound');
      t.diagnostic(`recent calls: "${top!.text}"`);
      await b.hangup();
    }));

  test('microphone and speaker pickers during an echo call: Chromium\'s devices are listed; switching keeps the audio and the microphone meter up; the choice is remembered', (t) =>
    withReport(async () => {
      await a.dial('echo');
      await a.waitCallState('active');
      await sleep(SETTLE_MS);
      t.diagnostic(`microphone meter at ${await a.waitMeterAbove('mic-level', 30)} % with the default microphone`);

      await a.openSettings();
      const mics = await a.pickerOptions('microphone');
      const speakers = await a.pickerOptions('speaker');
      t.diagnostic(`microphones: ${mics.join(', ')}; speakers: ${speakers.join(', ')}`);
      assert.equal(mics[0], 'System default');
      for (const m of ['Fake Audio Input 1', 'Fake Audio Input 2']) assert.ok(mics.includes(m), `microphone picker lists ${m}`);
      for (const s of ['Fake Audio Output 1', 'Fake Audio Output 2']) assert.ok(speakers.includes(s), `speaker picker lists ${s}`);
      assert.equal(await a.pickerChoice('microphone'), 'System default');

      const before = (await a.microphones()).length;
      await a.choose('microphone', 'Fake Audio Input 2');
      // The dialer opens that microphone and stops the one it replaces.
      const deadline = Date.now() + 5000;
      let mics2 = await a.microphones();
      while (!(mics2.length > before && mics2.at(-1)!.label === 'Fake Audio Input 2' && mics2.slice(0, -1).every((m) => m.stopped)) && Date.now() < deadline) {
        await sleep(100);
        mics2 = await a.microphones();
      }
      assert.equal(mics2.at(-1)?.label, 'Fake Audio Input 2', `the microphone opened last: ${JSON.stringify(mics2)}`);
      assert.ok(!mics2.at(-1)!.stopped, 'the chosen microphone is live');
      assert.ok(mics2.slice(0, -1).every((m) => m.stopped), `the replaced microphones are stopped: ${JSON.stringify(mics2)}`);
      assert.equal(await a.pickerChoice('microphone'), 'Fake Audio Input 2');
      assert.equal(await a.byId('call-state').getAttribute('data-state'), 'active');
      await sleep(SETTLE_MS);
      t.diagnostic(assertBrowserHears(await a.listen(1500), A_HZ, [OTHER_HZ], 'after choosing Fake Audio Input 2: echo hears 1 kHz'));
      t.diagnostic(`meters after the switch: call ${await a.waitMeterAbove('mic-level', 30)} %, settings ${await a.waitMeterAbove('settings-mic-level', 30)} %`);

      assert.equal(await a.playingSinkId(), '', 'the call plays on the default speaker');
      await a.choose('speaker', 'Fake Audio Output 1');
      await sleep(SETTLE_MS);
      assert.equal(await a.pickerChoice('speaker'), 'Fake Audio Output 1');
      const speakerId = await a.pickerValue('speaker', 'Fake Audio Output 1');
      assert.equal(await a.playingSinkId(), speakerId, 'the call now plays on Fake Audio Output 1');
      if (await a.byId('call-message').isVisible()) assert.fail(`a problem is shown: "${await a.byId('call-message').textContent()}"`);
      t.diagnostic(assertBrowserHears(await a.listen(1500), A_HZ, [OTHER_HZ], 'after choosing Fake Audio Output 1: echo hears 1 kHz'));
      await a.hangup();

      // Remembered across a reload (the session signs back in).
      await a.page.reload();
      await a.waitRegState('registered');
      await a.openSettings();
      const expected = { microphone: 'Fake Audio Input 2', speaker: 'Fake Audio Output 1' };
      let remembered = { microphone: '', speaker: '' };
      for (const until = Date.now() + 5000; Date.now() < until; await sleep(100)) {
        // The device list arrives a moment after sign-in; until then the pickers show only "System default".
        remembered = { microphone: await a.pickerChoice('microphone'), speaker: await a.pickerChoice('speaker') };
        if (remembered.microphone === expected.microphone && remembered.speaker === expected.speaker) break;
      }
      assert.deepEqual(remembered, expected);
      t.diagnostic(`after a reload the pickers show ${JSON.stringify(remembered)}`);

      // The next call uses them from the start.
      await a.dial('echo');
      await a.waitCallState('active');
      await sleep(SETTLE_MS);
      assert.deepEqual(
        (await a.microphones()).map((m) => m.label),
        ['Fake Audio Input 2'],
        'the new call opened the chosen microphone',
      );
      assert.equal(await a.playingSinkId(), await a.pickerValue('speaker', 'Fake Audio Output 1'), 'the new call plays on the chosen speaker');
      t.diagnostic(assertBrowserHears(await a.listen(1500), A_HZ, [OTHER_HZ], 'next call with the remembered devices: echo hears 1 kHz'));
      await a.waitMeterAbove('mic-level', 30);
      await a.hangup();
      await a.choose('microphone', 'System default');
      await a.choose('speaker', 'System default');
    }));

  describe('incoming call while the tab is hidden', () => {
    let tabbed: TabbedBrowser;
    let d: Dialer;
    before(async () => {
      tabbed = await launchTabbedBrowser(OTHER_HZ);
      await tabbed.context.grantPermissions(['notifications'], { origin: gateway.httpUrl });
      d = await Dialer.openTab(tabbed.context, gateway.httpUrl, { observe: ['notifications'] });
      await d.signIn('1005', passwordOf('1005'));
    });
    after(async () => {
      await d?.close().catch(() => {});
      await tabbed?.close();
    });

    const visibility = () => d.page.evaluate(() => document.visibilityState);
    const waitNotifications = async (ok: (n: ShownNotification[]) => boolean, what: string, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      let list = await d.notifications();
      while (!ok(list) && Date.now() < deadline) {
        await sleep(100);
        list = await d.notifications();
      }
      assert.ok(ok(list), `${what}: the page showed ${JSON.stringify(list)}`);
      return list;
    };

    test('another tab in front hides the dialer: an incoming call shows a notification, which closes when the caller gives up or the call is answered; none while the dialer is in front', (t) =>
      withReport(
        async () => {
          assert.equal(await visibility(), 'visible');
          assert.equal(await d.page.evaluate(() => Notification.permission), 'granted');

          // Tab in front: the call screen is enough, no notification.
          await b.dial('1005');
          await d.waitIncoming();
          await b.byId('hangup').click();
          await d.waitCallState('idle');
          await b.waitCallState('idle');
          assert.deepEqual(await d.notifications(), [], 'no notification while the dialer is in front');

          // The person switches to another tab: the dialer's tab is hidden for real.
          const other = await tabbed.context.newPage();
          await other.goto(`${gateway.httpUrl}/health`);
          await other.bringToFront();
          await d.page.waitForFunction(() => document.visibilityState === 'hidden', undefined, { timeout: 5000 });
          t.diagnostic(`another tab in front: the dialer's document.visibilityState is "${await visibility()}"`);

          await b.dial('1005');
          const from = await d.waitIncoming();
          let shown = await waitNotifications((l) => l.length === 1, 'one notification');
          assert.deepEqual(shown[0], { title: 'Incoming call', body: `From ${from}`, tag: 'patchbay-incoming', hidden: true, closed: false });
          t.diagnostic(`hidden: notification "${shown[0]!.title}" / "${shown[0]!.body}"`);
          // The caller gives up: the notification goes (no stale "Incoming call").
          await b.byId('hangup').click();
          await d.waitCallState('idle');
          shown = await waitNotifications((l) => l[0]?.closed === true, 'the notification closed after the caller hung up');
          t.diagnostic(`the caller hung up: notification closed; the dialer says "${await d.callMessage()}"`);

          // Called again while hidden; the person comes back to the tab and answers.
          await b.dial('1005');
          await d.waitIncoming();
          shown = await waitNotifications((l) => l.length === 2, 'a second notification');
          assert.equal(shown[1]!.closed, false);
          await d.page.bringToFront();
          await d.page.waitForFunction(() => document.visibilityState === 'visible', undefined, { timeout: 5000 });
          await d.byId('answer').click();
          await Promise.all([d.waitCallState('active'), b.waitCallState('active')]);
          shown = await waitNotifications((l) => l[1]?.closed === true, 'the notification closed on Answer');
          await sleep(SETTLE_MS);
          t.diagnostic(assertBrowserHears(await d.listen(1500), A_HZ, [OTHER_HZ], '1005 answered and hears 1003'));
          await d.hangup();
          await b.waitCallState('idle');
          await other.close();
        },
        () => [d],
      ));
  });
});

describe('web dialer: call quality from getStats (Twilio SDK thresholds)', () => {
  let gateway: GatewayProcess;
  let silentBrowser: TestBrowser;
  let toneBrowser: TestBrowser;
  let silent: Dialer;
  let talking: Dialer;

  before(async () => {
    gateway = await GatewayProcess.start();
    // Frequency 0: the fake microphone plays digital silence (a mic that is plugged in but dead).
    [silentBrowser, toneBrowser] = await Promise.all([launchTestBrowser(0), launchTestBrowser(A_HZ)]);
    silent = await Dialer.open(silentBrowser.browser, gateway.httpUrl);
    talking = await Dialer.open(toneBrowser.browser, gateway.httpUrl);
    await silent.signIn('1004', passwordOf('1004'));
    await talking.signIn('1005', passwordOf('1005'));
  });
  after(async () => {
    await silentBrowser?.close();
    await toneBrowser?.close();
    await gateway?.stop();
  });

  /** The quality indicator as shown: bars, warnings (data attributes) and the words the person reads. */
  async function quality(d: Dialer): Promise<{ bars: number; warnings: string[]; text: string; shown: string }> {
    const q = d.byId('quality');
    const warnings = ((await q.getAttribute('data-warnings')) ?? '').split(' ').filter(Boolean);
    const shown = (await d.byId('quality-warnings').textContent({ timeout: 200 }).catch(() => '')) ?? '';
    return { bars: Number(await q.getAttribute('data-bars')), warnings, text: ((await q.textContent()) ?? '').replace(/\s+/g, ' ').trim(), shown: shown.trim() };
  }

  test('a silent microphone is warned about within ~10 s; a talking one on the same calls is not, and a loopback call rates excellent', async (t) => {
    await Promise.all([silent.dial('echo'), talking.dial('echo')]);
    await Promise.all([silent.waitCallState('active'), talking.waitCallState('active')]);
    const deadline = Date.now() + 25_000;
    let s = await quality(silent);
    while (!s.warnings.includes('silent-microphone') && Date.now() < deadline) {
      await sleep(500);
      s = await quality(silent);
    }
    t.diagnostic(`silent mic: ${JSON.stringify(s)}`);
    assert.ok(s.warnings.includes('silent-microphone'), `the silent microphone is warned about: ${JSON.stringify(s)}`);
    assert.match(s.shown, /microphone is silent/i, 'in words the person reads');
    assert.equal(await silent.byId('quality-warnings').getAttribute('role'), 'status');
    const k = await quality(talking);
    t.diagnostic(`talking mic: ${JSON.stringify(k)}`);
    assert.deepEqual(k.warnings, [], 'no warning for a microphone that carries a tone, on loopback');
    assert.equal(k.bars, 4, 'loopback: excellent');
    assert.match(k.text, /Quality: excellent — \d+ ms RTT, \d+ ms jitter, \d+\.\d % loss/);
    // Muting suspends the silent-microphone check (a muted mic is silent on purpose).
    await talking.toggleMute();
    await sleep(12_000);
    assert.deepEqual((await quality(talking)).warnings, [], 'muted for 12 s: no silent-microphone warning');
    await Promise.all([silent.hangup(), talking.hangup()]);
  });
});
