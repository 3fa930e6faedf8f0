/**
 * The call screens: incoming (caller, Answer / Decline, ringing), outgoing (calling, ringing,
 * Cancel) and in call (timer, hold state, mute / hold / keypad / hang up, DTMF keypad, blind
 * transfer, microphone and speaker levels, call quality with warnings).
 */
import { html, nothing } from 'lit';
import type { Call } from '../core/call.ts';
import { callControls, dialpad, levelMeter, qualityIndicator } from '../ui/parts.ts';
import { formatDuration, spokenDuration } from '../ui/format.ts';
import type { PatchbayApp } from './patchbay-app.ts';

const STATE_TEXT: Record<Call['state'], string> = {
  calling: 'Calling…',
  ringing: 'Ringing…',
  incoming: 'Incoming call',
  connecting: 'Connecting…',
  active: 'In call',
  ended: 'Call ended',
};

function who(call: Call) {
  return html`<p class="peer" data-testid="peer">
    ${call.peerName ? html`<span class="peer-name">${call.peerName}</span> ` : nothing}<span class="peer-number">${call.peer}</span>
  </p>`;
}

export function renderCall(app: PatchbayApp, call: Call) {
  if (call.state === 'incoming') {
    return html`<div class="incoming" data-testid="incoming" role="alertdialog" aria-labelledby="incoming-title" aria-describedby="incoming-from">
      <h2 id="incoming-title" data-testid="call-state" data-state="incoming">Incoming call</h2>
      <p id="incoming-from" class="peer" data-testid="incoming-from">${call.peerName ? `${call.peerName} (${call.peer})` : call.peer}</p>
      <div class="answer-row">
        <button type="button" class="ok" data-testid="answer" @click=${() => call.answer()}>Answer</button>
        <button type="button" class="danger" data-testid="reject" @click=${() => call.reject()}>Decline</button>
      </div>
    </div>`;
  }
  const held = call.hold === 'local' || call.hold === 'both';
  const holdText = call.hold === 'none' ? '' : call.hold === 'remote' ? 'On hold by the other side' : 'On hold';
  return html`<div class="in-call">
    <h2 data-testid="call-state" data-state=${call.state === 'active' ? 'active' : call.state}>${STATE_TEXT[call.state]}</h2>
    ${who(call)}
    ${call.state === 'active'
      ? html`<p class="timer" data-testid="call-timer" role="timer" aria-label="Call time ${spokenDuration(call.duration)}">${formatDuration(call.duration)}</p>`
      : nothing}
    <p class="hold-state" data-testid="hold-state" data-state=${call.hold} aria-live="polite">${holdText}${call.muted ? (holdText ? ' · muted' : 'Muted') : ''}</p>
    ${callControls(call, { keypadOpen: app.keypadOpen, toggleKeypad: () => ((app.keypadOpen = !app.keypadOpen), app.requestUpdate()) })}
    ${call.state === 'active' && app.keypadOpen
      ? html`<div id="in-call-keypad" class="in-call-keypad">
          ${dialpad((k) => app.pressKey(k), 'dtmf', 'Keypad (sends tones)')}
          <p class="muted">Sent: <code data-testid="dtmf-sent">${call.digitsSent}</code>${call.digitsReceived ? html` · Received: <code data-testid="dtmf-received">${call.digitsReceived}</code>` : nothing}</p>
        </div>`
      : nothing}
    ${call.state === 'active' ? renderTransfer(app, call, held) : nothing}
    ${call.state === 'active'
      ? html`<div class="levels">
          ${levelMeter('Your microphone', call.micLevel(), 'mic-level')} ${levelMeter('You hear', call.remoteLevel(), 'remote-level')}
        </div>
        ${qualityIndicator(call.quality)}`
      : nothing}
  </div>`;
}

function renderTransfer(app: PatchbayApp, call: Call, held: boolean) {
  if (call.transferring) return html`<p class="alert info" role="status" data-testid="transfer-status">Transferring to ${call.transferring}…</p>`;
  if (!app.transferOpen) {
    return html`<button type="button" class="wide" data-testid="transfer" ?disabled=${held} @click=${() => ((app.transferOpen = true), app.focusTestId('transfer-target'), app.requestUpdate())}>
      Transfer…
    </button>`;
  }
  return html`<form class="transfer" @submit=${(e: Event) => (e.preventDefault(), app.transfer())}>
    <label for="transfer-target">Transfer to</label>
    <div class="number-row">
      <input
        id="transfer-target"
        data-testid="transfer-target"
        inputmode="tel"
        autocomplete="off"
        .value=${app.transferTarget}
        @input=${(e: InputEvent) => (app.transferTarget = (e.target as HTMLInputElement).value)}
      />
      <button type="submit" class="primary" data-testid="transfer-confirm">Transfer</button>
      <button type="button" data-testid="transfer-cancel" @click=${() => ((app.transferOpen = false), app.requestUpdate())}>Cancel</button>
    </div>
  </form>`;
}
