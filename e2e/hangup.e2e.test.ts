/**
 * Issue 4 e2e (e): hang up from each side of a browser ⇄ baresip call (calls placed both ways).
 * Afterwards the gateway reports no active call and holds exactly the UDP sockets it held before
 * the first call — no RTP port of its range and no WebRTC socket left allocated.
 */
import { after, before, describe, test } from 'node:test';
import { assertBrowserHears, sleep } from './support/audio-checks.ts';
import { assertNothingLeft, baresipCallsBrowser, baresipHangsUp, browserCallsBaresip, browserHangsUp } from './support/calls.ts';
import { BARESIP_HZ, BROWSER_HZ, setUpScene, withReport, type Scene } from './support/scene.ts';

describe('hang up from each side', () => {
  let scene: Scene;
  before(async () => {
    scene = await setUpScene();
  });
  after(async () => {
    await scene?.close();
  });

  const cases = [
    { name: 'browser calls, browser hangs up', place: browserCallsBaresip, end: browserHangsUp },
    { name: 'browser calls, baresip hangs up', place: browserCallsBaresip, end: baresipHangsUp },
    { name: 'baresip calls, browser hangs up', place: baresipCallsBrowser, end: browserHangsUp },
    { name: 'baresip calls, baresip hangs up', place: baresipCallsBrowser, end: baresipHangsUp },
  ];
  for (const c of cases) {
    test(`(e) ${c.name}; nothing is left allocated`, (t) =>
      withReport(scene, async () => {
        await c.place(scene);
        await sleep(700);
        t.diagnostic(assertBrowserHears(await scene.phone.listen(800), BARESIP_HZ, [BROWSER_HZ], 'media up'));
        await c.end(scene);
        t.diagnostic(await assertNothingLeft(scene));
      }));
  }
});
