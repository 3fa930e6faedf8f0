/**
 * `<patchbay-app>`: the full web dialer. Holds the state (settings, the Phone once signed in, the
 * app-events channel, recent calls, what is typed) and the actions; the views are template
 * functions in this folder. Keyboard: digits typed anywhere outside a field go to the number
 * (or, in a call, out as DTMF); Enter calls; pasted numbers are cleaned up.
 */
import { LitElement, type PropertyValues } from 'lit';
import type { RecentCall } from '../../gateway/api/app-events-protocol.ts';
import { AppEventsClient } from '../core/app-events.ts';
import { LevelMeter, audioContext, listDevices, microphoneConstraints, type AudioDevice } from '../core/audio.ts';
import type { Call } from '../core/call.ts';
import { loadHistory, recordCall } from '../core/history.ts';
import { askNotificationPermission, notifyIncoming } from '../core/notify.ts';
import { cleanNumber, isDialable, isDtmfKey, targetUri } from '../core/number.ts';
import { Phone, SignInError } from '../core/phone.ts';
import { loadSession, loadSettings, saveSession, saveSettings, type DialerSettings } from '../core/settings.ts';
import { describeMicrophoneError } from '../core/end-reasons.ts';
import { theme } from '../ui/theme.ts';
import { partsStyles } from '../ui/parts.ts';
import { appStyles } from './styles.ts';
import { renderSignIn } from './view-sign-in.ts';
import { renderShell } from './view-shell.ts';

export interface Banner {
  kind: 'error' | 'warn' | 'info';
  text: string;
}

export class PatchbayApp extends LitElement {
  static override styles = [theme, partsStyles, appStyles];

  settings: DialerSettings = loadSettings();
  phone: Phone | undefined;
  events: AppEventsClient | undefined;
  signingIn = false;
  signInError: string | undefined;
  number = '';
  history: RecentCall[] = [];
  banner: Banner | undefined;
  keypadOpen = false;
  transferOpen = false;
  transferTarget = '';
  devices: { microphones: AudioDevice[]; speakers: AudioDevice[] } = { microphones: [], speakers: [] };
  micTest: { stream: MediaStream; meter: LevelMeter } | undefined;
  micTestError: string | undefined;
  readonly gateway = location.origin;
  readonly debug = new URLSearchParams(location.search).has('debug');
  #ticker: ReturnType<typeof setInterval> | undefined;
  #closeNotification: (() => void) | undefined;
  #unsubscribe: Array<() => void> = [];

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('keydown', this.#onKeydown);
    document.addEventListener('paste', this.#onPaste);
    navigator.mediaDevices?.addEventListener?.('devicechange', this.refreshDevices);
    const saved = loadSession();
    if (saved) void this.signIn(saved.user, saved.password);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('keydown', this.#onKeydown);
    document.removeEventListener('paste', this.#onPaste);
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.refreshDevices);
    this.signOut();
  }

  get call(): Call | undefined {
    return this.phone?.current && this.phone.current.state !== 'ended' ? this.phone.current : undefined;
  }

  override render() {
    return this.phone && this.phone.state !== 'failed' && !this.signingIn ? renderShell(this) : renderSignIn(this);
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const live = Boolean(this.call) || Boolean(this.micTest);
    if (live && !this.#ticker) this.#ticker = setInterval(() => this.requestUpdate(), 100);
    if (!live && this.#ticker) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  /** Focuses the element with `data-testid` after the next render. */
  focusTestId(id: string): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`[data-testid="${id}"]`)?.focus());
  }

  async signIn(user: string, password: string): Promise<void> {
    user = user.trim();
    if (!user || !password) {
      this.signInError = 'Enter your user name and password.';
      this.requestUpdate();
      return;
    }
    askNotificationPermission();
    audioContext();
    this.signingIn = true;
    this.signInError = undefined;
    this.phone?.stop();
    const phone = new Phone({ gateway: this.gateway, user, password, media: this.settings, debug: this.debug });
    this.phone = phone;
    this.requestUpdate();
    this.#unsubscribe.push(
      phone.on('change', () => this.requestUpdate()),
      phone.on('incoming', (call) => this.#onIncoming(call)),
      phone.on('call', (call) => {
        call.on('problem', (text) => this.showProblem(text));
        this.banner = undefined;
        this.keypadOpen = false;
        this.transferOpen = false;
      }),
      phone.on('call-ended', (call) => this.#onEnded(call)),
    );
    try {
      await phone.start();
      saveSession({ user, password });
      this.settings.lastUser = user;
      saveSettings(this.settings);
      this.history = loadHistory(user);
      this.events = new AppEventsClient(this.gateway, user, password);
      this.#unsubscribe.push(this.events.on('change', () => this.requestUpdate()));
      void this.refreshDevices();
    } catch (err) {
      this.signInError = err instanceof SignInError ? err.message : `Sign-in failed: ${(err as Error).message}`;
      saveSession(undefined);
      this.#teardown();
    } finally {
      this.signingIn = false;
      this.requestUpdate();
    }
    this.focusTestId(this.phone ? 'number' : 'password');
  }

  signOut(): void {
    saveSession(undefined);
    this.#teardown();
    this.banner = undefined;
    this.requestUpdate();
  }

  #teardown(): void {
    for (const u of this.#unsubscribe.splice(0)) u();
    this.stopMicTest();
    this.phone?.stop();
    this.phone = undefined;
    this.events?.close();
    this.events = undefined;
  }

  async dial(target = this.number): Promise<void> {
    const t = cleanNumber(target);
    if (!t || !this.phone) return;
    this.number = t;
    // The last call's message goes at once: a new call's outcome must never be confused with it.
    this.banner = undefined;
    this.requestUpdate();
    this.stopMicTest();
    try {
      await this.phone.call(t);
      void this.refreshDevices();
    } catch (err) {
      this.banner = { kind: 'error', text: (err as Error).message };
      this.requestUpdate();
    }
  }

  transfer(): void {
    const call = this.call;
    const t = cleanNumber(this.transferTarget);
    if (!call || !t || !this.phone) return;
    call.transfer(targetUri(t, this.phone.domain), t);
    this.transferOpen = false;
    this.transferTarget = '';
  }

  setNumber(value: string): void {
    this.number = value;
    this.requestUpdate();
  }

  pressKey(key: string): void {
    const call = this.call;
    if (call?.state === 'active') call.sendDigits(key);
    else {
      this.phone?.tones.key(key);
      this.number += key;
      this.focusTestId('number');
    }
    this.requestUpdate();
  }

  updateSettings(patch: Partial<DialerSettings>): void {
    Object.assign(this.settings, patch);
    saveSettings(this.settings);
    if (patch.speakerId !== undefined) {
      this.phone?.tones.setSink(patch.speakerId);
      void this.call?.setSpeaker(patch.speakerId);
    }
    if (patch.microphoneId !== undefined) {
      void this.call?.setMicrophone(patch.microphoneId);
      if (this.micTest) void this.startMicTest();
    }
    this.requestUpdate();
  }

  readonly refreshDevices = async (): Promise<void> => {
    this.devices = await listDevices().catch(() => ({ microphones: [], speakers: [] }));
    this.requestUpdate();
  };

  async startMicTest(): Promise<void> {
    this.stopMicTest();
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: microphoneConstraints(this.settings.microphoneId || undefined, this.settings.voiceProcessing) });
      this.micTest = { stream, meter: new LevelMeter(stream) };
      this.micTestError = undefined;
      void this.refreshDevices();
    } catch (err) {
      this.micTestError = describeMicrophoneError(err);
    }
    this.requestUpdate();
  }

  stopMicTest(): void {
    if (!this.micTest) return;
    this.micTest.meter.close();
    for (const t of this.micTest.stream.getTracks()) t.stop();
    this.micTest = undefined;
    this.requestUpdate();
  }

  #onIncoming(call: Call): void {
    this.stopMicTest();
    this.#closeNotification = notifyIncoming(call.peerName ? `${call.peerName} (${call.peer})` : call.peer);
    call.on('change', () => {
      if (call.state !== 'incoming') this.#closeNotification?.();
    });
    this.focusTestId('answer');
  }

  #onEnded(call: Call): void {
    this.#closeNotification?.();
    if (this.phone) this.history = recordCall(this.phone.user, call);
    const end = call.end;
    if (end) this.banner = { kind: end.error ? 'error' : 'info', text: end.message };
    this.keypadOpen = false;
    this.transferOpen = false;
    this.focusTestId('number');
    this.requestUpdate();
  }

  readonly #onKeydown = (e: KeyboardEvent): void => {
    if (!this.phone || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.composedPath()[0] as HTMLElement | undefined;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA' || target.isContentEditable)) return;
    const call = this.call;
    if (call?.state === 'active') {
      if (isDtmfKey(e.key) && e.key.length === 1) {
        call.sendDigits(e.key);
        this.requestUpdate();
        e.preventDefault();
      }
      return;
    }
    if (call) return;
    if (e.key.length === 1 && isDialable(e.key)) {
      this.number += e.key;
      this.focusTestId('number');
      this.requestUpdate();
      e.preventDefault();
    } else if (e.key === 'Backspace' && this.number) {
      this.number = this.number.slice(0, -1);
      this.requestUpdate();
      e.preventDefault();
    }
  };

  readonly #onPaste = (e: ClipboardEvent): void => {
    const target = e.composedPath()[0] as HTMLElement | undefined;
    if (!this.phone || this.call || (target && target.tagName === 'INPUT')) return;
    const text = e.clipboardData?.getData('text') ?? '';
    if (!text) return;
    this.number = cleanNumber(text);
    this.focusTestId('number');
    this.requestUpdate();
    e.preventDefault();
  };

  /** What the recent-calls list shows: the gateway's list when it has one, else this browser's. */
  get recentCalls(): RecentCall[] {
    return this.events?.recentCalls?.length ? this.events.recentCalls : this.history;
  }

  /** A dismissible problem from the call (transfer refused, microphone switch failed). */
  showProblem(text: string): void {
    this.banner = { kind: 'error', text };
    this.requestUpdate();
  }

  protected override firstUpdated(): void {
    this.focusTestId(this.settings.lastUser ? 'password' : 'user');
  }
}

customElements.define('patchbay-app', PatchbayApp);

declare global {
  interface HTMLElementTagNameMap {
    'patchbay-app': PatchbayApp;
  }
}
