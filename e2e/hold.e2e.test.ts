/**
 * Issue 4 e2e (d): hold and resume from each side. The browser (1001, 1 kHz) calls a SIP phone
 * (1003, 440 Hz; e2e/support/rtp-phone.ts, because baresip 1.0 stops recording after its first
 * hold re-INVITE). Before hold both hear each other; while either side holds, neither tone gets
 * through; after resume both are back — all judged by frequency, in the browser by its analyser
 * and at the phone by Goertzel over what it received since a mark.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { SIP_HEARD_DBFS, SIP_SILENT_DBFS, assertBrowserHears, assertBrowserSilent, sleep } from './support/audio-checks.ts';
import { endAnyCall } from './support/calls.ts';
import { passwordOf } from './support/gateway.ts';
import { RtpPhone } from './support/rtp-phone.ts';
import { BROWSER_HZ, setUpScene, withReport, type Scene } from './support/scene.ts';

const PHONE_HZ = 440;
/** Time for a re-INVITE to cross both legs and the jitter buffers to drain or refill. */
const SETTLE_MS = 1000;

describe('hold and resume', () => {
  let scene: Scene;
  let phone: RtpPhone;
  before(async () => {
    scene = await setUpScene({ baresip: false });
    phone = await RtpPhone.start({ user: '1003', password: passwordOf('1003'), gatewaySipPort: scene.gateway.sipPort, sineHz: PHONE_HZ });
  });
  afterEach(async () => {
    await phone?.hangup();
    await endAnyCall(scene);
  });
  after(async () => {
    await phone?.stop();
    await scene?.close();
  });

  /** Listens 1.5 s in the browser and at the phone. */
  async function listenBoth(): Promise<{ browser: Awaited<ReturnType<Scene['phone']['listen']>>; phone: { seconds: number; dbfs: number } }> {
    const mark = phone.mark();
    const browser = await scene.phone.listen(1500);
    return { browser, phone: phone.heardSince(mark, BROWSER_HZ) };
  }

  async function assertBothHear(what: string, diag: (s: string) => void): Promise<void> {
    const heard = await listenBoth();
    diag(assertBrowserHears(heard.browser, PHONE_HZ, [BROWSER_HZ], `${what}: browser hears the phone`));
    const p = `${what}: phone hears the browser: ${heard.phone.seconds.toFixed(2)} s, 1000 Hz at ${heard.phone.dbfs.toFixed(1)} dBFS`;
    diag(p);
    assert.ok(heard.phone.seconds >= 1 && heard.phone.dbfs >= SIP_HEARD_DBFS, p);
  }

  async function assertNeitherHears(what: string, diag: (s: string) => void): Promise<void> {
    const heard = await listenBoth();
    diag(assertBrowserSilent(heard.browser, PHONE_HZ, `${what}: browser hears the phone`));
    const p = `${what}: phone hears the browser: ${heard.phone.seconds.toFixed(2)} s, 1000 Hz at ${heard.phone.dbfs.toFixed(1)} dBFS`;
    diag(p);
    assert.ok(heard.phone.dbfs < SIP_SILENT_DBFS, p);
  }

  async function callPhone(): Promise<void> {
    await scene.phone.call('1003');
    await scene.phone.waitCallState('connected');
    await sleep(SETTLE_MS);
  }

  test('(d) the browser holds and resumes', (t) =>
    withReport(scene, async () => {
      const diag = (s: string) => t.diagnostic(s);
      await callPhone();
      await assertBothHear('before hold', diag);
      await scene.phone.hold();
      await scene.phone.waitHoldState('local');
      await sleep(SETTLE_MS);
      await assertNeitherHears('held by the browser', diag);
      await scene.phone.resume();
      await scene.phone.waitHoldState('none');
      await sleep(SETTLE_MS);
      await assertBothHear('after resume', diag);
    }));

  test('(d) the SIP phone holds and resumes', (t) =>
    withReport(scene, async () => {
      const diag = (s: string) => t.diagnostic(s);
      await callPhone();
      await assertBothHear('before hold', diag);
      diag(`phone's hold answered ${await phone.hold()}`);
      await scene.phone.waitHoldState('remote');
      await sleep(SETTLE_MS);
      await assertNeitherHears('held by the phone', diag);
      diag(`phone's resume answered ${await phone.resume()}`);
      await scene.phone.waitHoldState('none');
      await sleep(SETTLE_MS);
      await assertBothHear('after resume', diag);
    }));
});
