/**
 * Issue 6 e2e: the web dialer at `/` in Chromium, driven through its UI — sign in and see
 * "registered"; presence of other users over app events; a wrong password shows an error; the
 * network drops (a TCP proxy cuts the dialer's connections) and the dialer shows it, reconnects
 * and registers again; keyboard-only use and paste clean-up; usable at 360 px. Needs the gateway
 * only (no calls layer). Screenshots: sign-in and idle (see support/screenshots.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchTestBrowser, type TestBrowser } from '../gateway/webrtc/testing/browser.ts';
import { Dialer } from './support/dialer.ts';
import { GatewayProcess, passwordOf } from './support/gateway.ts';
import { screenshot } from './support/screenshots.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

describe('web dialer: sign-in, registration, reconnect', () => {
  let gateway: GatewayProcess;
  let browser: TestBrowser;
  const open: Dialer[] = [];
  before(async () => {
    gateway = await GatewayProcess.start();
    browser = await launchTestBrowser(1000);
  });
  after(async () => {
    for (const d of open) await d.close().catch(() => {});
    await browser?.close();
    await gateway?.stop();
  });
  const dialer = async (o: Parameters<typeof Dialer.open>[2] = {}, url = gateway.httpUrl) => {
    const d = await Dialer.open(browser.browser, url, o);
    open.push(d);
    return d;
  };
  const explain = async (err: unknown, d?: Dialer) => {
    if (err instanceof Error) err.message += `\n--- page ---\n${d?.trace() ?? ''}\n--- gateway ---\n${gateway.logTail(30)}`;
    return err;
  };

  test('the gateway serves the dialer at / and the widget at /widget.js (CORS for third-party pages)', async () => {
    const page = await fetch(`${gateway.httpUrl}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<patchbay-app>/);
    const widget = await fetch(`${gateway.httpUrl}/widget.js`);
    assert.equal(widget.status, 200);
    assert.equal(widget.headers.get('access-control-allow-origin'), '*');
    assert.match(widget.headers.get('content-type') ?? '', /javascript/);
  });

  test('sign in → registered, the state always visible; other users appear online', async (t) => {
    const a = await dialer();
    try {
      await screenshot(a.page, 'web-dialer-sign-in');
      await a.signIn('1001', passwordOf('1001'));
      assert.match((await a.byId('reg-state').textContent()) ?? '', /Ready/);
      await a.byId('person-1002').waitFor();
      assert.equal(await a.byId('person-1002').getAttribute('data-online'), 'no');
      const b = await dialer();
      await b.signIn('1002', passwordOf('1002'));
      await a.page.locator('[data-testid="person-1002"][data-online="yes"]').waitFor({ timeout: 5000 });
      t.diagnostic('1001 sees 1002 come online through app events');
      await b.byId('sign-out').click();
      await a.page.locator('[data-testid="person-1002"][data-online="no"]').waitFor({ timeout: 5000 });
      t.diagnostic('… and go offline after Sign out');
      await screenshot(a.page, 'web-dialer-idle');
    } catch (err) {
      throw await explain(err, a);
    }
  });

  test('a wrong password shows a clear error and stays on the sign-in screen', async () => {
    const d = await dialer();
    try {
      await d.submitSignIn('1003', 'not-the-password');
      const alert = d.byId('sign-in-error');
      await alert.waitFor({ timeout: 10_000 });
      assert.equal((await alert.textContent())?.trim(), 'Wrong user name or password.');
      assert.equal(await alert.getAttribute('role'), 'alert');
      assert.ok(await d.byId('password').isVisible(), 'still on the sign-in form');
      await d.byId('password').fill(passwordOf('1003'));
      await d.byId('sign-in').click();
      await d.waitRegState('registered');
    } catch (err) {
      throw await explain(err, d);
    }
  });

  test('the network drops: "reconnecting" is shown, then the dialer reconnects and registers again', async (t) => {
    const proxy = await TcpProxy.start(gateway.httpPort);
    const d = await dialer({}, proxy.url);
    const watcher = await dialer();
    try {
      await watcher.signIn('1003', passwordOf('1003'));
      await d.signIn('1004', passwordOf('1004'));
      const seen = (online: 'yes' | 'no') => watcher.page.locator(`[data-testid="person-1004"][data-online="${online}"]`).waitFor({ timeout: 20_000 });
      await seen('yes');
      proxy.cut(2500);
      await d.waitRegState('reconnecting', 5000);
      assert.match((await d.byId('connection-alert').textContent()) ?? '', /lost.*Reconnecting/s);
      t.diagnostic('connection cut: the dialer says it is reconnecting');
      await seen('no');
      t.diagnostic('the gateway dropped 1004\'s binding with its WebSocket (another user sees 1004 offline)');
      await d.waitRegState('registered', 20_000);
      assert.ok(!(await d.byId('connection-alert').isVisible().catch(() => false)), 'the alert is gone');
      await seen('yes');
      t.diagnostic('reconnected and registered again: the dialer says Ready and 1004 is online again at the gateway');
    } catch (err) {
      throw await explain(err, d);
    } finally {
      await proxy.close();
    }
  });

  test('keyboard only: sign in with Tab and Enter, type a number anywhere, paste cleans it up', async () => {
    const d = await dialer();
    await d.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const kb = d.page.keyboard;
    try {
      await d.byId('user').focus();
      await kb.type('1005');
      await kb.press('Tab');
      await kb.type(passwordOf('1005'));
      await kb.press('Enter');
      await d.waitRegState('registered');
      await d.page.waitForFunction(() => document.activeElement?.shadowRoot?.activeElement?.getAttribute('data-testid') === 'number', undefined, { timeout: 2000 });
      await d.byId('number').fill('');
      await d.page.locator('body').click({ position: { x: 5, y: 400 } });
      await kb.type('12*#');
      assert.equal(await d.byId('number').inputValue(), '12*#', 'digits typed outside any field go to the number');
      await d.byId('number').fill('');
      await d.page.evaluate(() => navigator.clipboard.writeText('+1 (555) 123-4567'));
      await d.byId('number').focus();
      await kb.press('Control+V');
      assert.equal(await d.byId('number').inputValue(), '+15551234567');
      await d.byId('key-5').click();
      assert.equal(await d.byId('number').inputValue(), '+155512345675', 'dial-pad clicks append');
      assert.equal(await d.byId('key-5').getAttribute('aria-label'), '5 JKL');
      assert.equal(await d.byId('call').isEnabled(), true);
    } catch (err) {
      throw await explain(err, d);
    }
  });

  test('usable at 360 px: no horizontal scrolling, dial pad and Call on screen', async () => {
    const d = await dialer({ width: 360, height: 740 });
    try {
      const scroll = await d.page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scroll <= 360, `sign-in page is ${scroll} px wide`);
      await d.signIn('1002', passwordOf('1002'));
      const after = await d.page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(after <= 360, `dialer is ${after} px wide`);
      for (const id of ['key-1', 'key-hash', 'call', 'reg-state']) {
        const box = await d.byId(id).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 360, `${id} fits (${JSON.stringify(box)})`);
      }
      await screenshot(d.page, 'web-dialer-mobile');
    } catch (err) {
      throw await explain(err, d);
    }
  });
});
