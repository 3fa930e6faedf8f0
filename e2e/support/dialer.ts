/**
 * e2e harness: the web dialer (`/`) in real Chromium, driven like a person — type the user and
 * password, click Sign in, type or click the number, click Call / Answer / Decline / Mute / Hold /
 * Keypad / Transfer / Hang up / Call back, read what the screen says (state attributes, alerts,
 * meters, the recent-calls list).
 * Each dialer is its own browser context. What the person hears is measured by the analyser of
 * remote-audio.ts, fed with whatever stream the page plays (an init script notes each stream
 * given to an audio element's `srcObject`: observation only, no call into the app). Optional
 * observation hooks, on request: the browser notifications the page shows and the microphones it
 * opens. The pickers are used through their drop-downs.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { FREQS } from './audio-checks.ts';
import { installRemoteAudio, listen, type Heard } from './remote-audio.ts';

export type DialerCallState = 'idle' | 'calling' | 'ringing' | 'incoming' | 'connecting' | 'active';
export type DialerRegState = 'signed-out' | 'connecting' | 'registering' | 'registered' | 'reconnecting' | 'failed';

/**
 * Init script: remember the last MediaStream any media element was given, as `patchbayDemo.remoteStream`,
 * and that element's output device, as `patchbayDemo.playingSinkId` ('' = the default speaker).
 */
export const PLAYED_STREAM_SCRIPT = `(() => {
  const d = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject');
  let last = null;
  let element = null;
  Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
    configurable: true,
    get() { return d.get.call(this); },
    set(v) { if (v) { last = v; element = this; } d.set.call(this, v); },
  });
  const probe = (window.patchbayDemo = window.patchbayDemo || {});
  Object.defineProperty(probe, 'remoteStream', { configurable: true, get: () => last });
  Object.defineProperty(probe, 'playingSinkId', { configurable: true, get: () => (element ? element.sinkId : null) });
})();`;

/** Adds the played-stream probe and the analyser to every document of `page` (before goto). */
export async function installPlayedAudio(page: Page): Promise<void> {
  await page.addInitScript({ content: PLAYED_STREAM_SCRIPT });
  await installRemoteAudio(page);
}

async function installObservers(page: Page, observe: OpenOptions['observe'] = []): Promise<void> {
  if (observe.includes('notifications')) await page.addInitScript({ content: NOTIFICATIONS_SCRIPT });
  if (observe.includes('microphones')) await page.addInitScript({ content: MICROPHONES_SCRIPT });
}

/** One entry of the recent-calls list as the screen shows it. */
export interface RecentEntry {
  id: string;
  direction: 'inbound' | 'outbound';
  /** The other party as written. */
  peer: string;
  /** The whole entry as read out (direction for screen readers, peer, when, duration or why it failed). */
  text: string;
}

export interface OpenOptions {
  /** Viewport width (px). Default 1100. */
  width?: number;
  height?: number;
  /** Query string for the page. Default `?voice-processing=off&debug=1` (tones pass unchanged; JsSIP trace). */
  query?: string;
  /** Permissions the new context has (as if the person allowed them), e.g. ['microphone'] in a browser that asks. */
  permissions?: string[];
  /** Extra observation hooks for the page: the notifications it shows, the microphones it opens. */
  observe?: Array<'notifications' | 'microphones'>;
}

/** One microphone the page opened (seen through MICROPHONES_SCRIPT). */
export interface OpenedMicrophone {
  /** The device's label, e.g. "Fake Audio Input 2". */
  label: string;
  /** Whether the page has stopped it since. */
  stopped: boolean;
}

/**
 * Init script: notes each microphone track getUserMedia hands the page (its label) and whether
 * the page stopped it since, for `patchbayDemo.microphones()`. Observation only.
 */
export const MICROPHONES_SCRIPT = `(() => {
  const md = navigator.mediaDevices;
  if (!md || !md.getUserMedia) return;
  const probe = (window.patchbayDemo = window.patchbayDemo || {});
  const opened = [];
  probe.microphones = () => opened.map((t) => ({ label: t.label, stopped: t.readyState === 'ended' }));
  const gum = md.getUserMedia.bind(md);
  md.getUserMedia = async (constraints) => {
    const stream = await gum(constraints);
    opened.push(...stream.getAudioTracks());
    return stream;
  };
})();`;

/** One browser notification the page showed (seen through NOTIFICATIONS_SCRIPT). */
export interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  /** `document.hidden` when it was shown. */
  hidden: boolean;
  /** Whether the page closed it since. */
  closed: boolean;
}

/**
 * Init script: notes every Notification the page creates (title, body, tag, whether the page was
 * hidden) and whether it closed it, in `patchbayDemo.notifications`; the real Notification is
 * still created and closed. Observation only.
 */
export const NOTIFICATIONS_SCRIPT = `(() => {
  const Native = window.Notification;
  const probe = (window.patchbayDemo = window.patchbayDemo || {});
  const shown = (probe.notifications = []);
  if (!Native) return;
  window.Notification = class extends Native {
    constructor(title, options = {}) {
      super(title, options);
      const entry = { title: String(title), body: String(options.body ?? ''), tag: String(options.tag ?? ''), hidden: document.hidden, closed: false };
      shown.push(entry);
      const close = this.close.bind(this);
      this.close = () => { entry.closed = true; close(); };
    }
  };
})();`;

export class Dialer {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console output (JsSIP's SIP trace included), newest last. */
  readonly console: string[] = [];

  /** Whether close() closes the context (opened by open()) or only the tab (openTab()). */
  readonly #ownsContext: boolean;

  private constructor(context: BrowserContext, page: Page, ownsContext = true) {
    this.context = context;
    this.page = page;
    this.#ownsContext = ownsContext;
    page.on('console', (m) => this.console.push(m.text()));
    page.on('pageerror', (e) => this.console.push(`pageerror: ${e.message}`));
  }

  /** Opens the dialer of the gateway at `baseUrl` in a new context. */
  static async open(browser: Browser, baseUrl: string, o: OpenOptions = {}): Promise<Dialer> {
    const context = await browser.newContext({ viewport: { width: o.width ?? 1100, height: o.height ?? 800 }, ...(o.permissions ? { permissions: o.permissions } : {}) });
    const page = await context.newPage();
    const dialer = new Dialer(context, page);
    await installPlayedAudio(page);
    await installObservers(page, o.observe);
    await page.goto(`${baseUrl}/${o.query ?? '?voice-processing=off&debug=1'}`);
    return dialer;
  }

  /** Opens the dialer in a new tab of an existing context (e.g. a person's browser window); close() closes only that tab. */
  static async openTab(context: BrowserContext, baseUrl: string, o: Omit<OpenOptions, 'permissions'> = {}): Promise<Dialer> {
    const page = await context.newPage();
    await page.setViewportSize({ width: o.width ?? 1100, height: o.height ?? 800 });
    const dialer = new Dialer(context, page, false);
    await installPlayedAudio(page);
    await installObservers(page, o.observe);
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
        text: ((await li.textContent()) ?? '').replace(/\s+/g, ' ').trim(),
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

  /** Waits until a meter shows more than `min` %; returns the value. */
  async waitMeterAbove(testId: 'mic-level' | 'remote-level' | 'settings-mic-level', min: number, timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let value = NaN;
    while (Date.now() < deadline) {
      value = await this.meter(testId).catch(() => NaN);
      if (value > min) return value;
      await this.page.waitForTimeout(100);
    }
    throw new Error(`the ${testId} meter shows ${value} %, not above ${min} % after ${timeoutMs} ms`);
  }

  /** Opens the "Audio settings" disclosure (if closed) by clicking its summary. */
  async openSettings(): Promise<void> {
    if (!(await this.byId('microphone').isVisible())) await this.byId('settings').click();
    await this.byId('microphone').waitFor({ state: 'visible', timeout: 2000 });
  }

  /** The labels of a picker's options as shown (`microphone` or `speaker`). */
  async pickerOptions(testId: 'microphone' | 'speaker'): Promise<string[]> {
    return (await this.byId(testId).locator('option').allTextContents()).map((t) => t.trim());
  }

  /** The label of a picker's chosen option. */
  async pickerChoice(testId: 'microphone' | 'speaker'): Promise<string> {
    return ((await this.byId(testId).locator('option:checked').textContent()) ?? '').trim();
  }

  /** The device id behind a picker's option labelled `label` (its value). */
  async pickerValue(testId: 'microphone' | 'speaker', label: string): Promise<string> {
    for (const option of await this.byId(testId).locator('option').all()) {
      if (((await option.textContent()) ?? '').trim() === label) return (await option.getAttribute('value')) ?? '';
    }
    throw new Error(`the ${testId} picker has no option "${label}": ${JSON.stringify(await this.pickerOptions(testId))}`);
  }

  /** The output device (sinkId) of the element playing the call ('' = default speaker; null before any call). */
  async playingSinkId(): Promise<string | null> {
    return this.page.evaluate(() => (window as unknown as { patchbayDemo: { playingSinkId: string | null } }).patchbayDemo.playingSinkId);
  }

  /** Chooses the option labelled `label` in a picker, as a person does with the drop-down. */
  async choose(testId: 'microphone' | 'speaker', label: string): Promise<void> {
    await this.byId(testId).selectOption({ label });
  }

  /** The notifications this page showed so far (needs NOTIFICATIONS_SCRIPT as an init script). */
  async notifications(): Promise<ShownNotification[]> {
    return this.page.evaluate(() => (window as unknown as { patchbayDemo: { notifications: ShownNotification[] } }).patchbayDemo.notifications.map((n) => ({ ...n })));
  }

  /** The microphones this page opened so far, oldest first (needs `observe: ['microphones']`). */
  async microphones(): Promise<OpenedMicrophone[]> {
    return this.page.evaluate(() => (window as unknown as { patchbayDemo: { microphones(): OpenedMicrophone[] } }).patchbayDemo.microphones());
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
    if (this.#ownsContext) await this.context.close();
    else await this.page.close();
  }
}
