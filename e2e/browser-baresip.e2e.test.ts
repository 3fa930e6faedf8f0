/**
 * Issue 4 e2e (a) and (b): the demo page in Chromium (1001, microphone = 1 kHz tone) and baresip
 * (1002, 440 Hz sine, auto-answer) call each other through the gateway. Each side must hear the
 * other's tone: the browser by WebAudio analyser on the remote stream, baresip in its recording.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertBaresipHears, assertBrowserHears, sleep } from './support/audio-checks.ts';
import { baresipCallsBrowser, browserCallsBaresip, browserHangsUp, baresipHangsUp } from './support/calls.ts';
import { BARESIP_HZ, BROWSER_HZ, setUpScene, withReport, type Scene } from './support/scene.ts';

describe('browser ⇄ baresip through the gateway', () => {
  let scene: Scene;
  before(async () => {
    scene = await setUpScene();
  });
  after(async () => {
    await scene?.close();
  });

  test('(a) the browser calls baresip; each hears the other', (t) =>
    withReport(scene, async () => {
      await browserCallsBaresip(scene);
      await sleep(1000);
      const heard = await scene.phone.listen(1500);
      t.diagnostic(assertBrowserHears(heard, BARESIP_HZ, [BROWSER_HZ], 'browser hears baresip'));
      const got = scene.baresip.heardSince(undefined, [BROWSER_HZ, BARESIP_HZ], 1500);
      t.diagnostic(assertBaresipHears(got, BROWSER_HZ, BARESIP_HZ, 'baresip hears the browser'));
      await browserHangsUp(scene);
    }));

  test('(b) baresip calls the browser; the page answers; each hears the other', (t) =>
    withReport(scene, async () => {
      const from = await baresipCallsBrowser(scene);
      assert.equal(from, '1002', 'the page shows who is calling');
      await sleep(1000);
      const heard = await scene.phone.listen(1500);
      t.diagnostic(assertBrowserHears(heard, BARESIP_HZ, [BROWSER_HZ], 'browser hears baresip'));
      const got = scene.baresip.heardSince(undefined, [BROWSER_HZ, BARESIP_HZ], 1500);
      t.diagnostic(assertBaresipHears(got, BROWSER_HZ, BARESIP_HZ, 'baresip hears the browser'));
      await baresipHangsUp(scene);
    }));
});
