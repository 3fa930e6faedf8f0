/**
 * Issue 4 e2e: the demo defaults. `patchbay start` with no config (ports moved by PATCHBAY_* env
 * so the test can run anywhere) prints the demo users and their passwords and serves the demo
 * page at `/`, prefilled with 1001. A person clicks Register and Call (the number field says
 * `echo`) and hears their own voice — here the fake microphone's 600 Hz — then calls `tone` and
 * hears its 1 kHz.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchTestBrowser, type TestBrowser } from '../gateway/webrtc/testing/browser.ts';
import { assertBrowserHears, sleep } from './support/audio-checks.ts';
import { GatewayProcess, USERS } from './support/gateway.ts';
import { DemoPhone } from './support/phone.ts';

const MIC_HZ = 600;

describe('demo defaults', () => {
  let gateway: GatewayProcess;
  let browser: TestBrowser;
  let phone: DemoPhone;
  before(async () => {
    gateway = await GatewayProcess.start({ demo: true });
    browser = await launchTestBrowser(MIC_HZ);
    phone = await DemoPhone.open(browser, gateway.httpUrl);
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  const explain = async (err: unknown) => {
    if (err instanceof Error) err.message += `\n--- page log ---\n${await phone.pageLog()}\n--- JsSIP ---\n${phone.sipTrace()}\n--- gateway ---\n${gateway.logTail(30)}`;
    return err;
  };

  test('startup prints the demo users, their passwords and the WebSocket SIP URL', () => {
    for (const u of USERS) assert.match(gateway.log, new RegExp(`${u.username} / ${u.password}`));
    assert.match(gateway.log, new RegExp(`ws://127\\.0\\.0\\.1:${gateway.httpPort}/sip`));
  });

  test('the page is prefilled; Register, Call echo: the person hears themselves; then tone', async (t) => {
    try {
      assert.equal(await phone.page.getByTestId('user').inputValue(), '1001');
      assert.equal(await phone.page.getByTestId('password').inputValue(), 'demo1001');
      assert.equal(await phone.page.getByTestId('target').inputValue(), 'echo');
      await phone.page.getByTestId('register').click();
      await phone.page.waitForSelector('[data-testid="reg-state"][data-state="registered"]', { timeout: 10_000 });
      await phone.page.getByTestId('call').click();
      await phone.waitCallState('connected');
      await sleep(1000);
      t.diagnostic(assertBrowserHears(await phone.listen(1500), MIC_HZ, [1000, 440], 'echo: hears own microphone'));
      await phone.hangup();
      await phone.waitCallState('ended');

      await phone.call('tone');
      await phone.waitCallState('connected');
      await sleep(1000);
      t.diagnostic(assertBrowserHears(await phone.listen(1500), 1000, [MIC_HZ, 440], 'tone: hears 1 kHz'));
      await phone.hangup();
      await phone.waitCallState('ended');
    } catch (err) {
      throw await explain(err);
    }
  });
});
