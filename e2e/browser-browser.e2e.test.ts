/**
 * Issue 4 e2e (g): browser → browser through the gateway — two Chromium instances (their fake
 * microphones play different tones: 1 kHz for 1001, 600 Hz for 1002), each on the demo page.
 * 1001 calls 1002, 1002's page answers, and each browser must hear the other's tone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchTestBrowser, type TestBrowser } from '../gateway/webrtc/testing/browser.ts';
import { assertBrowserHears, sleep } from './support/audio-checks.ts';
import { assertNothingLeft } from './support/calls.ts';
import { passwordOf } from './support/gateway.ts';
import { DemoPhone } from './support/phone.ts';
import { BROWSER_HZ, setUpScene, withReport, type Scene } from './support/scene.ts';

const OTHER_HZ = 600;

describe('browser ⇄ browser', () => {
  let scene: Scene;
  let otherBrowser: TestBrowser;
  let other: DemoPhone;
  before(async () => {
    scene = await setUpScene({ baresip: false });
    otherBrowser = await launchTestBrowser(OTHER_HZ);
    other = await DemoPhone.open(otherBrowser, scene.gateway.httpUrl);
    await other.register('1002', passwordOf('1002'));
  });
  after(async () => {
    await otherBrowser?.close();
    await scene?.close();
  });

  test('(g) 1001 calls 1002; both browsers hear each other', (t) =>
    withReport(scene, async () => {
      await scene.phone.call('1002');
      assert.equal(await other.answer(15_000), '1001', 'the callee page shows the caller');
      await Promise.all([scene.phone.waitCallState('connected'), other.waitCallState('connected')]);
      await sleep(1000);
      const [atCaller, atCallee] = await Promise.all([scene.phone.listen(1500), other.listen(1500)]);
      t.diagnostic(assertBrowserHears(atCaller, OTHER_HZ, [BROWSER_HZ, 440], '1001 hears 1002'));
      t.diagnostic(assertBrowserHears(atCallee, BROWSER_HZ, [OTHER_HZ, 440], '1002 hears 1001'));
      await other.hangup();
      await Promise.all([scene.phone.waitCallState('ended'), other.waitCallState('ended')]);
      t.diagnostic(await assertNothingLeft(scene));
    }));
});
