/**
 * View pieces shared by the dialer and the widget, as Lit template functions (so the widget
 * defines no extra custom elements in a host page): the dial pad, level meters, the call-quality
 * indicator, the registration status pill and the in-call controls — with their styles.
 */
import { css, html, nothing, type TemplateResult } from 'lit';
import type { Call } from '../core/call.ts';
import type { RegistrationState } from '../core/phone.ts';
import { describeWarning, type QualityVerdict } from '../core/quality.ts';
import { KEY_LETTERS, keyId, keyLabel } from './format.ts';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/** A 3×4 dial pad; `prefix` namespaces test ids (`key-1`, `dtmf-1`). */
export function dialpad(onKey: (key: string) => void, prefix: 'key' | 'dtmf', label: string): TemplateResult {
  return html`<div class="dialpad" role="group" aria-label=${label}>
    ${KEYS.map(
      (k) => html`<button type="button" class="key" data-testid="${prefix}-${keyId(k)}" aria-label=${keyLabel(k)} @click=${() => onKey(k)}>
        <span class="digit" aria-hidden="true">${k}</span><span class="letters" aria-hidden="true">${KEY_LETTERS[k] ?? ''}</span>
      </button>`,
    )}
  </div>`;
}

/** A horizontal level bar (role meter) for the microphone or what is heard. */
export function levelMeter(label: string, level: number, testId: string): TemplateResult {
  const pct = Math.round(level * 100);
  return html`<div class="meter-row">
    <span class="meter-label">${label}</span>
    <div class="meter" role="meter" aria-label=${label} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct} data-testid=${testId} data-level=${pct}>
      <div class="meter-fill" style="width:${pct}%"></div>
    </div>
  </div>`;
}

/** Bars (0–4) plus the active warnings in words. */
export function qualityIndicator(q: QualityVerdict | undefined): TemplateResult {
  const bars = q?.bars ?? 0;
  const words = ['measuring', 'poor', 'fair', 'good', 'excellent'][bars];
  const detail = q && q.rttMs !== undefined ? ` — ${Math.round(q.rttMs)} ms RTT, ${Math.round(q.jitterMs ?? 0)} ms jitter, ${(q.lossPercent ?? 0).toFixed(1)} % loss${q.codec ? `, ${q.codec}` : ''}` : '';
  return html`<div class="quality" data-testid="quality" data-bars=${bars} data-warnings=${(q?.warnings ?? []).join(' ')}>
    <span class="bars" role="img" aria-label="Call quality: ${words}">
      ${[1, 2, 3, 4].map((b) => html`<span class="bar ${b <= bars ? 'on' : ''} b${b}"></span>`)}
    </span>
    <span class="muted">Quality: ${words}${detail}</span>
  </div>
  ${q?.warnings.length
    ? html`<ul class="warnings" role="status" data-testid="quality-warnings">
        ${q.warnings.map((w) => html`<li class="alert warn" data-warning=${w}>${describeWarning(w, q)}</li>`)}
      </ul>`
    : nothing}`;
}

const STATE_TEXT: Record<RegistrationState, string> = {
  'signed-out': 'Signed out',
  connecting: 'Connecting…',
  registering: 'Registering…',
  registered: 'Ready',
  reconnecting: 'Reconnecting…',
  failed: 'Not registered',
};

/** The registration status pill (always visible; announced politely). */
export function statusPill(state: RegistrationState, user: string | undefined): TemplateResult {
  const dot = state === 'registered' ? 'ok' : state === 'failed' ? 'danger' : state === 'signed-out' ? '' : 'warn pulse';
  return html`<span class="pill" role="status" aria-live="polite" data-testid="reg-state" data-state=${state}>
    <span class="dot ${dot}" aria-hidden="true"></span>${STATE_TEXT[state]}${user && state === 'registered' ? html`<span class="muted">· ${user}</span>` : nothing}
  </span>`;
}

/** Mute / hold / keypad toggles and hang up. */
export function callControls(call: Call, o: { keypadOpen: boolean; toggleKeypad: () => void; compact?: boolean }): TemplateResult {
  const active = call.state === 'active';
  const held = call.hold === 'local' || call.hold === 'both';
  return html`<div class="controls" role="group" aria-label="Call controls">
    <button type="button" data-testid="mute" aria-pressed=${call.muted ? 'true' : 'false'} ?disabled=${!active || held} @click=${() => call.setMuted(!call.muted)}>
      ${call.muted ? 'Unmute' : 'Mute'}
    </button>
    <button type="button" data-testid="hold" aria-pressed=${held ? 'true' : 'false'} ?disabled=${!active} @click=${() => call.setHold(!held)}>
      ${held ? 'Resume' : 'Hold'}
    </button>
    <button type="button" data-testid="keypad-toggle" aria-pressed=${o.keypadOpen ? 'true' : 'false'} aria-controls="in-call-keypad" ?disabled=${!active} @click=${o.toggleKeypad}>
      Keypad
    </button>
    <button type="button" class="danger" data-testid="hangup" @click=${() => call.hangup()}>${call.state === 'active' ? 'Hang up' : 'Cancel'}</button>
  </div>`;
}

export const partsStyles = css`
  .dialpad {
    display: grid;
    grid-template-columns: repeat(3, 1fr);
    gap: 0.5em;
    max-width: 18em;
    margin: 0 auto;
  }
  .key {
    display: flex;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    min-height: 3.4em;
    padding: 0.3em;
    border-radius: var(--_radius);
  }
  .key .digit {
    font-size: 1.35em;
    font-weight: 600;
    line-height: 1.1;
  }
  .key .letters {
    font-size: 0.65em;
    letter-spacing: 0.1em;
    color: var(--_muted);
    min-height: 1em;
  }
  .meter-row {
    display: grid;
    grid-template-columns: 9em 1fr;
    align-items: center;
    gap: 0.5em;
    font-size: 0.875em;
  }
  .meter {
    height: 0.6em;
    border-radius: 999px;
    background: var(--_bg);
    border: 1px solid var(--_line);
    overflow: hidden;
  }
  .meter-fill {
    height: 100%;
    background: var(--_ok);
    transition: width 90ms linear;
  }
  .quality {
    display: flex;
    align-items: center;
    gap: 0.6em;
    font-size: 0.875em;
    flex-wrap: wrap;
  }
  .bars {
    display: inline-flex;
    align-items: flex-end;
    gap: 2px;
    height: 1em;
  }
  .bar {
    width: 4px;
    background: var(--_line);
    border-radius: 1px;
  }
  .bar.on {
    background: var(--_ok);
  }
  .b1 {
    height: 25%;
  }
  .b2 {
    height: 50%;
  }
  .b3 {
    height: 75%;
  }
  .b4 {
    height: 100%;
  }
  .warnings {
    list-style: none;
    padding: 0;
    margin: 0.4em 0;
  }
  .controls {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(5em, 1fr));
    gap: 0.5em;
  }
`;
