/**
 * e2e harness: the web dialer (`/`) in real Chromium, driven like a person — type the user and
 * password, click Sign in, type or click the number, click Call / Answer / Decline / Mute / Hold /
 * Keypad / Transfer / Hang up / Call back, read what the screen says (state attributes, alerts,
 * meters, the recent-calls list).
 * Each dialer is its own browser context. What the person hears is measured by the analyser of
 * remote-audio.ts, fed with whatever stream the page plays (an init script notes each stream
 * given to an audio element's `srcObject`: observation only, no call into the app).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { FREQS } from './audio-checks.ts';
import { installRemoteAudio, listen, type Heard } from './remote-audio.ts';

export type DialerCallState = 'idle' | 'calling' | 'ringing' | 'incoming' | 'connecting' | 'active';
export type DialerRegState = 'signed-out' | 'connecting' | 'registering' | 'registered' | 'reconnecting' | 'failed';

/** Init script: remember the last MediaStream any media element was given, as `patchbayDemo.remoteStream`. */
export const PLAYED_STREAM_SCRIPT = `(() => {
  const d = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject');
  let last = null;
  Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
    configurable: true,
    get() { return d.get.call(this); },
    set(v) { if (v) last = v; d.set.call(this, v); },
  });
  const probe = (window.patchbayDemo = window.patchbayDemo || {});
  Object.defineProperty(probe, 'remoteStream', { configurable: true, get: () => last });
})();`;

/** Adds the played-stream probe and the analyser to every document of `page` (before goto). */
export async function installPlayedAudio(page: Page): Promise<void> {
  await page.addInitScript({ content: PLAYED_STREAM_SCRIPT });
  await installRemoteAudio(page);
}

/** One entry of the recent-calls list as the screen shows it. */
export interface RecentEntry {
  id: string;
  direction: 'inbound' | 'outbound';
  /** The other party as written. */
  peer: string;
}

export interface OpenOptions {
  /** Viewport width (px). Default 1100. */
  width?: number;
  height?: number;
  /** Query string for the page. Default `?voice-processing=off&debug=1` (tones pass unchanged; JsSIP trace). */
  query?: string;
}

export class Dialer {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console output (JsSIP's SIP trace included), newest last. */
  readonly console: string[] = [];

  private constructor(context: BrowserContext, page: Page) {
    this.context = context;
    this.page = page;
    page.on('console', (m) => this.console.push(m.text()));
    page.on('pageerror', (e) => this.console.push(`pageerror: ${e.message}`));
  }

  /** Opens the dialer of the gateway at `baseUrl` in a new context. */
  static async open(browser: Browser, baseUrl: string, o: OpenOptions = {}): Promise<Dialer> {
    const context = await browser.newContext({ viewport: { width: o.width ?? 1100, height: o.height ?? 800 } });
    const page = await context.newPage();
    const dialer = new Dialer(context, page);
    await installPlayedAudio(page);
    await page.goto(`${baseUrl}/${o.query ?? '?voice-processing=off&debug=1'}`);
    return dialer;
  }

  byId(id: string) {
    return this.page.getByTestId(id);
  }

  /** Types user and password and clicks Sign in (does not wait). */
  async submitSignIn(user: string, password: string): Promise<void> {
    await this.byId('user').fill(user);
    await this.byId('password').fill(password);
    await this.byId('sign-in').click();
  }

  /** Signs in and waits for "registered". */
  async signIn(user: string, password: string): Promise<void> {
    await this.submitSignIn(user, password);
    await this.waitRegState('registered');
  }

  async waitRegState(state: DialerRegState, timeoutMs = 10_000): Promise<void> {
    await this.#waitData('reg-state', state, timeoutMs);
  }

  /** Types the number into the number field and clicks Call. */
  async dial(number: string): Promise<void> {
    await this.byId('number').fill(number);
    await this.byId('call').click();
  }

  async waitCallState(state: DialerCallState, timeoutMs = 15_000): Promise<void> {
    if (state === 'idle') {
      await this.byId('number').waitFor({ state: 'visible', timeout: timeoutMs });
      return;
    }
    await this.#waitData('call-state', state, timeoutMs);
  }

  /** Waits for the incoming-call screen; returns who is calling; clicks Answer. */
  async answer(timeoutMs = 15_000): Promise<string> {
    const from = await this.waitIncoming(timeoutMs);
    await this.byId('answer').click();
    return from;
  }

  async waitIncoming(timeoutMs = 15_000): Promise<string> {
    await this.byId('incoming').waitFor({ state: 'visible', timeout: timeoutMs });
    return (await this.byId('incoming-from').textContent())?.trim() ?? '';
  }

  async hangup(): Promise<void> {
    await this.byId('hangup').click();
    await this.waitCallState('idle');
  }

  async toggleMute(): Promise<void> {
    await this.byId('mute').click();
  }

  /** Clicks Hold (or Resume: the same button). */
  async toggleHold(): Promise<void> {
    await this.byId('hold').click();
  }

  async waitHoldState(state: 'none' | 'local' | 'remote' | 'both', timeoutMs = 10_000): Promise<void> {
    await this.#waitData('hold-state', state, timeoutMs);
  }

  /** Opens the in-call keypad (if closed) and clicks `digits` one by one. */
  async sendDtmf(digits: string, gapMs = 400): Promise<void> {
    if ((await this.byId('keypad-toggle').getAttribute('aria-pressed')) !== 'true') await this.byId('keypad-toggle').click();
    for (const d of digits) {
      await this.byId(`dtmf-${d === '*' ? 'star' : d === '#' ? 'hash' : d}`).click();
      await this.page.waitForTimeout(gapMs);
    }
  }

  /** Clicks Transfer…, types the target, clicks Transfer. */
  async transfer(target: string): Promise<void> {
    await this.byId('transfer').click();
    await this.byId('transfer-target').fill(target);
    await this.byId('transfer-confirm').click();
  }

  /** The message shown after a call (or a call problem). */
  async callMessage(timeoutMs = 10_000): Promise<string> {
    await this.byId('call-message').waitFor({ state: 'visible', timeout: timeoutMs });
    return (await this.byId('call-message').textContent())?.trim() ?? '';
  }

  /** Waits until the call message matches (a fast-failing call may still show the last call's message for a moment). */
  async waitCallMessage(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = (await this.byId('call-message').textContent({ timeout: 500 }).catch(() => ''))?.trim() ?? '';
      if (pattern.test(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the call message is "${last}", not ${pattern}`);
  }

  /** The recent-calls list as shown, newest first. */
  async recentCalls(): Promise<RecentEntry[]> {
    const out: RecentEntry[] = [];
    for (const li of await this.byId('recent-call').all()) {
      out.push({
        id: (await li.getAttribute('data-call-id')) ?? '',
        direction: (await li.getAttribute('data-direction')) as RecentEntry['direction'],
        peer: ((await li.getByTestId('recent-peer').textContent()) ?? '').trim(),
      });
    }
    return out;
  }

  /** Waits until the recent-calls list satisfies `ok`; returns it. */
  async waitRecentCalls(ok: (list: RecentEntry[]) => boolean, what: string, timeoutMs = 10_000): Promise<RecentEntry[]> {
    const deadline = Date.now() + timeoutMs;
    let list: RecentEntry[] = [];
    while (Date.now() < deadline) {
      list = await this.recentCalls().catch(() => []);
      if (ok(list)) return list;
      await this.page.waitForTimeout(100);
    }
    throw new Error(`recent calls: ${what} not shown after ${timeoutMs} ms; the list shows ${JSON.stringify(list.slice(0, 5))}`);
  }

  /** Moves the keyboard focus to the Call-back button of the recent call `id` and presses Enter. */
  async callBackWithKeyboard(id: string): Promise<void> {
    await this.page.locator(`[data-testid="recent-call"][data-call-id="${id}"]`).getByRole('button', { name: /back$/ }).focus();
    await this.page.keyboard.press('Enter');
  }

  /** A meter's value (0–100) as the screen shows it. */
  async meter(testId: 'mic-level' | 'remote-level' | 'settings-mic-level'): Promise<number> {
    return Number(await this.byId(testId).first().getAttribute('aria-valuenow'));
  }

  /** Listens to what the person hears for `ms`. */
  listen(ms: number): Promise<Heard> {
    return listen(this.page, ms, [...FREQS]);
  }

  /** The last lines of JsSIP's SIP trace and page errors, for failure reports. */
  trace(n = 30): string {
    return this.console.filter((l) => /JsSIP:Transport|received|sending|pageerror/i.test(l)).slice(-n).join('\n');
  }

  async #waitData(testId: string, state: string, timeoutMs: number): Promise<void> {
    try {
      await this.page.locator(`[data-testid="${testId}"][data-state="${state}"]`).first().waitFor({ timeout: timeoutMs });
    } catch {
      const now = await this.byId(testId).first().getAttribute('data-state', { timeout: 500 }).catch(() => '(not shown)');
      throw new Error(`${testId} is "${now}", not "${state}" after ${timeoutMs} ms\n--- page (JsSIP) ---\n${this.trace()}`);
    }
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
