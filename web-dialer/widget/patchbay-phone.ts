/**
 * `<patchbay-phone>`: the embeddable click-to-call phone. Shadow DOM (host-page styles do not get
 * in — `:host { all: initial }` — and ours do not get out), themable with `--patchbay-*` custom
 * properties. Attributes: `gateway` (default: where widget.js came from), `user`, `password`
 * (or set the `password` property), `auto-register`, `display-name`, `number` (prefilled),
 * `voice-processing="off"`. API: `register()`, `unregister()`, `call(number)`, `answer()`,
 * `reject()`, `hangup()`, `sendDigits(digits)`, `mute(on)`, `hold(on)`. Events (bubbling,
 * composed CustomEvents): `registered`, `unregistered`, `registration-failed`, `incoming`,
 * `ringing`, `answered`, `ended` (detail.reason), `error`.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { Call } from '../core/call.ts';
import { audioContext } from '../core/audio.ts';
import { cleanNumber, isDialable } from '../core/number.ts';
import { Phone, SignInError, type RegistrationState } from '../core/phone.ts';
import { callControls, dialpad, levelMeter, partsStyles, qualityIndicator, statusPill } from '../ui/parts.ts';
import { formatDuration } from '../ui/format.ts';
import { theme } from '../ui/theme.ts';

/** Where this script was loaded from: the default gateway. */
const SCRIPT_ORIGIN = new URL(import.meta.url).origin;

export class PatchbayPhone extends LitElement {
  static override properties = {
    gateway: { type: String },
    user: { type: String },
    password: { type: String },
    autoRegister: { type: Boolean, attribute: 'auto-register' },
    displayName: { type: String, attribute: 'display-name' },
    number: { type: String },
    voiceProcessing: { type: String, attribute: 'voice-processing' },
  };

  static override styles = [
    css`
      :host {
        all: initial;
        display: inline-block;
        width: 20em;
        max-width: 100%;
        contain: content;
      }
      :host([hidden]) {
        display: none;
      }
    `,
    theme,
    partsStyles,
    css`
      /* Set on the wrapper, not only on :host: a page rule like "* { font-family: x !important }" matches the host element itself. */
      .card {
        font-family: var(--_font);
        color: var(--_fg);
        line-height: 1.4;
        text-align: left;
        background: var(--_surface);
        border: 1px solid var(--_line);
        border-radius: var(--_radius);
        padding: 0.9em;
        font-size: 15px;
        display: grid;
        gap: 0.6em;
      }
      .head {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 0.5em;
      }
      .title {
        font-weight: 700;
      }
      .row {
        display: flex;
        gap: 0.5em;
      }
      .row > input {
        flex: 1;
      }
      .peer {
        font-size: 1.25em;
        font-weight: 700;
        text-align: center;
        margin: 0;
        overflow-wrap: anywhere;
      }
      .sub {
        text-align: center;
        color: var(--_muted);
        margin: 0;
        font-variant-numeric: tabular-nums;
      }
      .two {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 0.5em;
      }
      .dialpad {
        max-width: none;
      }
      .key {
        min-height: 2.8em;
      }
      p {
        margin: 0;
      }
    `,
  ];

  declare gateway: string;
  declare user: string;
  declare password: string;
  declare autoRegister: boolean;
  declare displayName: string;
  declare number: string;
  declare voiceProcessing: string;
  #phone: Phone | undefined;
  #message: { kind: 'error' | 'info'; text: string } | undefined;
  #keypad = false;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #registering: Promise<void> | undefined;

  constructor() {
    super();
    this.gateway = '';
    this.user = '';
    this.password = '';
    this.autoRegister = false;
    this.displayName = '';
    this.number = '';
    this.voiceProcessing = '';
  }

  /** The registration state ('signed-out', 'connecting', 'registering', 'registered', 'reconnecting', 'failed'). */
  get registrationState(): RegistrationState {
    return this.#phone?.state ?? 'signed-out';
  }

  /** The current call's state, or 'idle'. */
  get callState(): Call['state'] | 'idle' {
    return this.#call?.state ?? 'idle';
  }

  get #call(): Call | undefined {
    const c = this.#phone?.current;
    return c && c.state !== 'ended' ? c : undefined;
  }

  /** Connects and registers as `user`; resolves when registered. */
  register(password?: string): Promise<void> {
    if (password !== undefined) this.password = password;
    if (this.#registering) return this.#registering;
    if (this.#phone?.state === 'registered') return Promise.resolve();
    if (!this.user || !this.password) return Promise.reject(this.#fail(new Error('Set the user and password attributes first.')));
    this.#phone?.stop();
    const phone = new Phone({
      gateway: this.gateway || SCRIPT_ORIGIN,
      user: this.user,
      password: this.password,
      displayName: this.displayName || undefined,
      media: { microphoneId: '', speakerId: '', voiceProcessing: this.voiceProcessing !== 'off' },
    });
    this.#phone = phone;
    phone.on('change', () => this.requestUpdate());
    phone.on('registered', () => this.#fire('registered', { user: this.user }));
    phone.on('unregistered', () => this.#fire('unregistered', { user: this.user }));
    phone.on('registration-failed', (problem, message) => this.#fire('registration-failed', { problem, message }));
    phone.on('call', (call) => this.#watch(call));
    phone.on('incoming', (call) => this.#fire('incoming', { from: call.peer, displayName: call.peerName ?? null }));
    this.#message = undefined;
    this.#registering = phone.start().then(
      () => {
        this.#registering = undefined;
      },
      (err: unknown) => {
        this.#registering = undefined;
        if (this.#phone === phone) this.#phone = undefined;
        throw this.#fail(err instanceof SignInError ? err : new Error(String(err)));
      },
    );
    this.requestUpdate();
    return this.#registering;
  }

  /** Unregisters and disconnects (ends any call). */
  unregister(): void {
    this.#phone?.stop();
    this.#phone = undefined;
    this.requestUpdate();
  }

  /** Places a call (registers first when needed). */
  async call(number: string): Promise<void> {
    audioContext();
    const target = cleanNumber(number);
    if (!target) throw this.#fail(new Error('Enter a number to call.'));
    this.number = target;
    this.#message = undefined; // the last call's outcome goes at once (a fast failure must not look like it)
    this.requestUpdate();
    if (this.#phone?.state !== 'registered') await this.register();
    try {
      await this.#phone!.call(target);
    } catch (err) {
      throw this.#fail(err as Error);
    }
  }

  answer(): void {
    audioContext();
    if (this.#call?.state === 'incoming') this.#call.answer();
  }

  reject(): void {
    this.#call?.reject();
  }

  hangup(): void {
    this.#call?.hangup();
  }

  /** Sends DTMF digits in the active call. */
  sendDigits(digits: string): void {
    this.#call?.sendDigits(digits);
  }

  mute(on = true): void {
    this.#call?.setMuted(on);
  }

  hold(on = true): void {
    this.#call?.setHold(on);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.autoRegister) queueMicrotask(() => void this.register().catch(() => {}));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unregister();
    clearInterval(this.#ticker);
    this.#ticker = undefined;
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const live = Boolean(this.#call);
    if (live && !this.#ticker) this.#ticker = setInterval(() => this.requestUpdate(), 250);
    if (!live && this.#ticker) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  #watch(call: Call): void {
    this.#message = undefined;
    this.#keypad = false;
    call.on('ringing', () => this.#fire('ringing', { to: call.peer }));
    call.on('answered', () => this.#fire('answered', { peer: call.peer, direction: call.direction }));
    call.on('problem', (text) => {
      this.#message = { kind: 'error', text };
      this.#fire('error', { message: text });
    });
    call.on('ended', (end) => {
      this.#message = { kind: end.error ? 'error' : 'info', text: end.message };
      this.#fire('ended', { reason: end.reason, message: end.message, cause: end.cause, status: end.status ?? null, durationSeconds: call.duration, peer: call.peer });
      this.requestUpdate();
    });
  }

  #fail(err: Error): Error {
    this.#message = { kind: 'error', text: err.message };
    this.#fire('error', { message: err.message });
    this.requestUpdate();
    return err;
  }

  #fire(type: string, detail: object): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  override render() {
    const state = this.registrationState;
    const call = this.#call;
    const message = this.#message
      ? html`<p class="alert ${this.#message.kind}" role=${this.#message.kind === 'error' ? 'alert' : 'status'} part="message" data-testid="widget-message">${this.#message.text}</p>`
      : nothing;
    return html`<div class="card" part="card">
      <div class="head">
        <span class="title" part="title"><slot name="title">Call</slot></span>
        ${statusPill(state, undefined)}
      </div>
      ${call ? this.#renderCall(call) : this.#renderIdle(state)} ${message}
    </div>`;
  }

  #renderIdle(state: RegistrationState) {
    const onSubmit = (e: Event) => {
      e.preventDefault();
      void this.call(this.number).catch(() => {});
    };
    const onPaste = (e: ClipboardEvent) => {
      const text = e.clipboardData?.getData('text');
      if (!text) return;
      e.preventDefault();
      this.number = cleanNumber(text);
    };
    return html`<form class="row" @submit=${onSubmit}>
        <label class="sr-only" for="n">Number to call</label>
        <input
          id="n"
          data-testid="widget-number"
          inputmode="tel"
          autocomplete="off"
          placeholder="Number"
          .value=${this.number}
          @input=${(e: InputEvent) => (this.number = (e.target as HTMLInputElement).value)}
          @paste=${onPaste}
          @keydown=${(e: KeyboardEvent) => e.key.length === 1 && !e.ctrlKey && !e.metaKey && !isDialable(e.key) && e.preventDefault()}
        />
        <button type="submit" class="ok" part="call-button" data-testid="widget-call" ?disabled=${state === 'connecting' || state === 'registering'}>Call</button>
      </form>
      ${state === 'signed-out' || state === 'failed'
        ? html`<button type="button" data-testid="widget-register" @click=${() => void this.register().catch(() => {})}>Connect</button>`
        : nothing}`;
  }

  #renderCall(call: Call) {
    if (call.state === 'incoming') {
      return html`<p class="sub" data-testid="widget-call-state" data-state="incoming">Incoming call</p>
        <p class="peer">${call.peerName ?? call.peer}</p>
        <div class="two">
          <button type="button" class="ok" data-testid="widget-answer" @click=${() => this.answer()}>Answer</button>
          <button type="button" class="danger" data-testid="widget-reject" @click=${() => this.reject()}>Decline</button>
        </div>`;
    }
    const sub = call.state === 'active' ? formatDuration(call.duration) : call.state === 'ringing' ? 'Ringing…' : 'Calling…';
    return html`<p class="peer">${call.peerName ?? call.peer}</p>
      <p class="sub" data-testid="widget-call-state" data-state=${call.state} role="timer">${sub}${call.hold !== 'none' ? ' · on hold' : ''}${call.muted ? ' · muted' : ''}</p>
      ${callControls(call, { keypadOpen: this.#keypad, toggleKeypad: () => ((this.#keypad = !this.#keypad), this.requestUpdate()) })}
      ${this.#keypad && call.state === 'active' ? html`<div id="in-call-keypad">${dialpad((k) => this.sendDigits(k), 'dtmf', 'Keypad (sends tones)')}</div>` : nothing}
      ${call.state === 'active' ? html`${levelMeter('Microphone', call.micLevel(), 'mic-level')} ${qualityIndicator(call.quality)}` : nothing}`;
  }
}

if (!customElements.get('patchbay-phone')) customElements.define('patchbay-phone', PatchbayPhone);

declare global {
  interface HTMLElementTagNameMap {
    'patchbay-phone': PatchbayPhone;
  }
}
