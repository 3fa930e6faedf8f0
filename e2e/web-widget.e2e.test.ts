/**
 * Issue 6 e2e: `<patchbay-phone>` embedded in a plain third-party page (another origin, its own
 * aggressive CSS) with one script tag. Styles do not leak either way; `auto-register` emits
 * `registered`; the page's own button calls the widget's `call()` (click-to-call) and the widget
 * emits `ringing`/`answered`/`ended` with a reason; a person can also type and click inside the
 * widget. The page logs every event into a list the test reads. The click-to-call part needs the
 * calls layer (echo).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { launchTestBrowser, type TestBrowser } from '../gateway/webrtc/testing/browser.ts';
import { assertBrowserHears, sleep } from './support/audio-checks.ts';
import { installPlayedAudio } from './support/dialer.ts';
import { GatewayProcess, passwordOf } from './support/gateway.ts';
import { screenshot } from './support/screenshots.ts';
import type { Page } from 'playwright-core';

const MIC_HZ = 1000;

/** The CRM page: hostile global CSS, the widget, a click-to-call button and an event log. */
function thirdPartyPage(gatewayUrl: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Acme CRM</title>
<style>
  * { color: rgb(255, 0, 255) !important; font-family: "Comic Sans MS", cursive !important; }
  button { background: rgb(255, 0, 0) !important; font-size: 40px !important; border-radius: 0 !important; }
  input { border: 5px dotted lime !important; }
  patchbay-phone { --patchbay-accent: rgb(120, 40, 160); --patchbay-radius: 4px; }
</style>
<script type="module" src="${gatewayUrl}/widget.js"></script>
</head><body>
  <h1>Contact: Echo Service</h1>
  <button id="crm-call" type="button">Call echo</button>
  <button id="crm-hangup" type="button">Hang up</button>
  <patchbay-phone id="phone" gateway="${gatewayUrl}" user="1005" password="${passwordOf('1005')}" auto-register voice-processing="off"></patchbay-phone>
  <ol id="events"></ol>
  <script>
    const phone = document.getElementById('phone');
    const log = (text) => { const li = document.createElement('li'); li.textContent = text; document.getElementById('events').append(li); };
    for (const type of ['registered', 'unregistered', 'registration-failed', 'incoming', 'ringing', 'answered', 'ended', 'error']) {
      phone.addEventListener(type, (e) => log(type + ' ' + JSON.stringify(e.detail)));
    }
    document.getElementById('crm-call').addEventListener('click', () => phone.call('echo').catch((e) => log('call rejected ' + e.message)));
    document.getElementById('crm-hangup').addEventListener('click', () => phone.hangup());
  </script>
</body></html>`;
}

describe('<patchbay-phone> on a third-party page', () => {
  let gateway: GatewayProcess;
  let browser: TestBrowser;
  let site: Server;
  let siteUrl: string;
  let page: Page;

  before(async () => {
    gateway = await GatewayProcess.start();
    browser = await launchTestBrowser(MIC_HZ);
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(thirdPartyPage(gateway.httpUrl));
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    const context = await browser.browser.newContext({ viewport: { width: 900, height: 700 } });
    page = await context.newPage();
    await installPlayedAudio(page);
    await page.goto(siteUrl);
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => site?.close(r));
    await gateway?.stop();
  });

  const events = async () => (await page.locator('#events li').allTextContents()).map((t) => t.trim());
  const waitEvent = async (prefix: string, timeoutMs = 15_000) => {
    await page.locator('#events li', { hasText: new RegExp(`^${prefix}\\b`) }).first().waitFor({ timeout: timeoutMs }).catch(async () => {
      throw new Error(`no "${prefix}" event within ${timeoutMs} ms; events: ${JSON.stringify(await events())}\n--- gateway ---\n${gateway.logTail(30)}`);
    });
    return (await events()).filter((e) => e.startsWith(prefix));
  };

  test('one script tag from another origin defines the widget; auto-register emits "registered"', async () => {
    assert.notEqual(new URL(siteUrl).origin, new URL(gateway.httpUrl).origin, 'the page is a third-party origin');
    const [registered] = await waitEvent('registered');
    assert.equal(registered, 'registered {"user":"1005"}');
    await page.locator('patchbay-phone [data-testid="reg-state"][data-state="registered"]').waitFor();
  });

  test('styles do not leak in or out', async () => {
    const widgetCall = page.locator('patchbay-phone').getByTestId('widget-call');
    const inside = await widgetCall.evaluate((el) => {
      const s = getComputedStyle(el);
      return { bg: s.backgroundColor, size: s.fontSize, color: s.color, font: s.fontFamily };
    });
    assert.notEqual(inside.bg, 'rgb(255, 0, 0)', 'the page\'s button background does not reach the widget');
    assert.notEqual(inside.size, '40px');
    assert.notEqual(inside.color, 'rgb(255, 0, 255)');
    assert.doesNotMatch(inside.font, /Comic Sans/);
    const outside = await page.locator('#crm-call').evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(outside, 'rgb(255, 0, 0)', 'the page keeps its own styles');
    const h1Radius = await page.locator('h1').evaluate((el) => getComputedStyle(el).borderRadius);
    assert.equal(h1Radius, '0px');
    const pill = await page.locator('patchbay-phone').getByTestId('reg-state').evaluate((el) => getComputedStyle(el).borderTopLeftRadius);
    assert.equal(pill, '999px', 'the widget keeps its own styles');
    const accent = await widgetCall.evaluate((el) => getComputedStyle(el.closest('.card')!).getPropertyValue('--patchbay-accent').trim());
    assert.equal(accent, 'rgb(120, 40, 160)', 'the page themes the widget through --patchbay-* custom properties');
    await screenshot(page, 'widget-third-party-page');
  });

  test('click-to-call from the page: ringing/answered/ended events with a reason; the caller hears echo', async (t) => {
    await page.locator('#crm-call').click();
    const [answered] = await waitEvent('answered');
    assert.equal(answered, 'answered {"peer":"echo","direction":"outgoing"}');
    await page.locator('patchbay-phone [data-testid="widget-call-state"][data-state="active"]').waitFor();
    await sleep(1000);
    const heard = await page.evaluate(() => (window as unknown as { pbAudio: { listen(ms: number, f: number[]): Promise<unknown> } }).pbAudio.listen(1500, [440, 600, 1000]));
    t.diagnostic(assertBrowserHears(heard as never, MIC_HZ, [440, 600], 'the widget plays the echo'));
    await page.locator('#crm-hangup').click();
    const [ended] = await waitEvent('ended');
    const detail = JSON.parse(ended!.slice('ended '.length)) as { reason: string; message: string; durationSeconds: number };
    assert.equal(detail.reason, 'hangup');
    assert.ok(detail.durationSeconds >= 1);
    t.diagnostic(`events: ${(await events()).join(' | ')}`);
  });

  test('a person types a number in the widget and clicks Call; a busy/unknown number ends with its reason', async () => {
    const before = (await events()).filter((e) => e.startsWith('ended')).length;
    await page.locator('patchbay-phone').getByTestId('widget-number').fill('1099');
    await page.locator('patchbay-phone').getByTestId('widget-call').click();
    await page.waitForFunction((n) => Array.from(document.querySelectorAll('#events li')).filter((li) => li.textContent!.startsWith('ended')).length > n, before, { timeout: 15_000 });
    const ended = (await events()).filter((e) => e.startsWith('ended')).at(-1)!;
    assert.match(ended, /"reason":"(not-found|unavailable)"/);
    assert.match((await page.locator('patchbay-phone').getByTestId('widget-message').textContent()) ?? '', /1099/);
  });
});
