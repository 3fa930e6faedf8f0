/**
 * Issue 4 e2e (c): DTMF across the gateway. Keypad clicks on the demo page (RFC 4733 from
 * Chromium) must arrive at baresip as the same digits; digits baresip sends must reach the browser —
 * heard as their two DTMF frequencies (Chromium plays received telephone-events as tones) or shown
 * by the page when the gateway relays them as SIP INFO.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertBrowserHearsDigit, sleep } from './support/audio-checks.ts';
import { browserCallsBaresip, browserHangsUp } from './support/calls.ts';
import { setUpScene, withReport, type Scene } from './support/scene.ts';

describe('DTMF between the browser and baresip', () => {
  let scene: Scene;
  before(async () => {
    scene = await setUpScene();
  });
  after(async () => {
    await scene?.close();
  });

  test('(c) keypad digits reach baresip, and baresip digits reach the browser', (t) =>
    withReport(scene, async () => {
      await browserCallsBaresip(scene);
      await sleep(500);

      const since = scene.baresip.eventCount;
      await scene.phone.sendDtmf('159#');
      await sleep(600);
      const got = scene.baresip.peer.events
        .slice(since)
        .filter((e) => e.type === 'CALL_DTMF_START')
        .map((e) => String(e.param ?? ''))
        .join('');
      t.diagnostic(`baresip received DTMF "${got}"`);
      assert.equal(got, '159#', 'digits clicked on the page, as baresip received them');

      // baresip sends '5' (770 + 1336 Hz) three times while the browser listens.
      const listening = scene.phone.listen(1500);
      await sleep(300);
      await scene.baresip.command('sndcode', '555');
      const heard = await listening;
      const shown = await scene.phone.dtmfReceived();
      if (shown.includes('5')) {
        t.diagnostic(`the page reported DTMF "${shown}" (SIP INFO)`);
      } else {
        t.diagnostic(assertBrowserHearsDigit(heard, '5', 'browser hears baresip\'s 5 (RFC 4733 played by Chromium)'));
      }
      await browserHangsUp(scene);
    }));
});
