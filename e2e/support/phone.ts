/**
 * e2e harness: the gateway's demo page in real Chromium, driven like a person — type into the
 * fields, click Register / Call / Answer / Hold / Resume / keypad / Hang up, read the state labels.
 * Each phone is its own browser context (own JsSIP UA, own microphone stream). JsSIP's SIP trace
 * (`?debug=1`) and the page log are kept for failure reports.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { TestBrowser } from '../../gateway/webrtc/testing/browser.ts';
import { FREQS } from './audio-checks.ts';
import { installRemoteAudio, listen, type Heard } from './remote-audio.ts';

export type CallState = 'idle' | 'calling' | 'ringing' | 'incoming' | 'answering' | 'connected' | 'ended';
export type HoldState = 'none' | 'local' | 'remote' | 'both';

export class DemoPhone {
  readonly page: Page;
  readonly #context: BrowserContext;
  /** Console output of the page (JsSIP's SIP trace included), newest last. */
  readonly console: string[] = [];

  private constructor(context: BrowserContext, page: Page) {
    this.#context = context;
    this.page = page;
    page.on('console', (m) => this.console.push(m.text()));
    page.on('pageerror', (e) => this.console.push(`pageerror: ${e.message}`));
  }

  /** Opens the demo page of the gateway at `httpUrl` in a fresh context. */
  static async open(browser: TestBrowser, httpUrl: string): Promise<DemoPhone> {
    const context = await browser.browser.newContext();
    const page = await context.newPage();
    const phone = new DemoPhone(context, page);
    await installRemoteAudio(page);
    await page.goto(`${httpUrl}/demo?debug=1`);
    return phone;
  }

  #byId(id: string) {
    return this.page.getByTestId(id);
  }

  /** Types user and password, clicks Register, waits for "registered". */
  async register(user: string, password: string): Promise<void> {
    await this.#byId('user').fill(user);
    await this.#byId('password').fill(password);
    await this.#byId('register').click();
    await this.#waitData('reg-state', 'registered', 10_000);
  }

  /** Types the number and clicks Call. */
  async call(target: string): Promise<void> {
    await this.#byId('target').fill(target);
    await this.#byId('call').click();
  }

  /** Waits for the incoming-call banner and clicks Answer. */
  async answer(timeoutMs = 10_000): Promise<string> {
    await this.#byId('incoming').waitFor({ state: 'visible', timeout: timeoutMs });
    const from = (await this.#byId('incoming-from').textContent()) ?? '';
    await this.#byId('answer').click();
    return from;
  }

  async hangup(): Promise<void> {
    await this.#byId('hangup').click();
  }

  async hold(): Promise<void> {
    await this.#byId('hold').click();
  }

  async resume(): Promise<void> {
    await this.#byId('resume').click();
  }

  /** Clicks the keypad keys of `digits`, one after the other (the page sends RFC 4733 by default). */
  async sendDtmf(digits: string, gapMs = 400): Promise<void> {
    for (const d of digits) {
      const id = d === '*' ? 'star' : d === '#' ? 'hash' : d;
      await this.#byId(`dtmf-${id}`).click();
      await this.page.waitForTimeout(gapMs);
    }
  }

  /** Digits the page reported as received (SIP INFO → JsSIP newDTMF). */
  async dtmfReceived(): Promise<string> {
    return (await this.#byId('dtmf-received').textContent()) ?? '';
  }

  async callState(): Promise<string> {
    return (await this.#byId('call-state').getAttribute('data-state')) ?? '';
  }

  async holdState(): Promise<string> {
    return (await this.#byId('hold-state').getAttribute('data-state')) ?? '';
  }

  /** Waits for the call state; a call that ends first fails at once with the page's reason. */
  async waitCallState(state: CallState, timeoutMs = 15_000): Promise<void> {
    await this.#waitData('call-state', state, timeoutMs, state === 'ended' ? undefined : 'ended');
  }

  async waitHoldState(state: HoldState, timeoutMs = 10_000): Promise<void> {
    await this.#waitData('hold-state', state, timeoutMs);
  }

  /** Listens to the remote audio for `ms`; levels at the harness's FREQS (test tones, DTMF). */
  listen(ms: number): Promise<Heard> {
    return listen(this.page, ms, [...FREQS]);
  }

  /** The page's log lines (registration, call progress, DTMF). */
  async pageLog(): Promise<string> {
    return (await this.#byId('log').textContent()) ?? '';
  }

  /** The last `n` SIP messages JsSIP sent or received, for failure reports. */
  sipTrace(n = 12): string {
    return this.console
      .filter((l) => /JsSIP:Transport %c(sending message|received text message):/.test(l))
      .map((l) => l.replace(/^%cJsSIP:Transport %c(sending message|received text message):\s*/, (_, what: string) => (what.startsWith('sending') ? '>>> ' : '<<< ')).replace(/\s*%c \+\d+ms.*$/s, ''))
      .slice(-n)
      .join('\n');
  }

  async #waitData(testId: string, state: string, timeoutMs: number, failState?: string): Promise<void> {
    const selector = (s: string) => `[data-testid="${testId}"][data-state="${s}"]`;
    try {
      await this.page.waitForSelector(failState ? `${selector(state)}, ${selector(failState)}` : selector(state), { timeout: timeoutMs });
    } catch {
      // timed out: reported below
    }
    const now = await this.#byId(testId).getAttribute('data-state');
    if (now === state) return;
    const shown = await this.#byId(testId).textContent();
    throw new Error(`${testId} is "${shown}", not "${state}" (waited up to ${timeoutMs} ms)\npage log:\n${await this.pageLog()}\nSIP (JsSIP):\n${this.sipTrace()}`);
  }

  async close(): Promise<void> {
    await this.#context.close();
  }
}
