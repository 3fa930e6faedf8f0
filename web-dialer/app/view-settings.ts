/** Audio settings (a disclosure under the phone): microphone and speaker pickers, a microphone test with its live level, voice processing. */
import { html, nothing } from 'lit';
import { canPickSpeaker } from '../core/audio.ts';
import { levelMeter } from '../ui/parts.ts';
import type { PatchbayApp } from './patchbay-app.ts';

export function renderSettings(app: PatchbayApp) {
  const { microphones, speakers } = app.devices;
  const s = app.settings;
  const onToggle = (e: Event) => {
    if ((e.target as HTMLDetailsElement).open) void app.refreshDevices();
    else app.stopMicTest();
  };
  return html`<details class="settings" @toggle=${onToggle}>
    <summary data-testid="settings">Audio settings</summary>
    <label for="microphone">Microphone</label>
    <select id="microphone" data-testid="microphone" @change=${(e: Event) => app.updateSettings({ microphoneId: (e.target as HTMLSelectElement).value })}>
      <option value="" ?selected=${!s.microphoneId}>System default</option>
      ${microphones.filter((d) => d.deviceId !== 'default').map((d) => html`<option value=${d.deviceId} ?selected=${d.deviceId === s.microphoneId}>${d.label}</option>`)}
    </select>
    ${canPickSpeaker()
      ? html`<label for="speaker">Speaker</label>
          <select id="speaker" data-testid="speaker" @change=${(e: Event) => app.updateSettings({ speakerId: (e.target as HTMLSelectElement).value })}>
            <option value="" ?selected=${!s.speakerId}>System default</option>
            ${speakers.filter((d) => d.deviceId !== 'default').map((d) => html`<option value=${d.deviceId} ?selected=${d.deviceId === s.speakerId}>${d.label}</option>`)}
          </select>`
      : html`<p class="muted">This browser plays calls on the system's default speaker.</p>`}
    <label class="check"
      ><input type="checkbox" data-testid="voice-processing" .checked=${s.voiceProcessing} @change=${(e: Event) => app.updateSettings({ voiceProcessing: (e.target as HTMLInputElement).checked })} />
      Echo cancellation and noise suppression</label
    >
    ${app.call
      ? levelMeter('Microphone level', app.call.micLevel(), 'settings-mic-level')
      : html`<button type="button" data-testid="mic-test" aria-pressed=${app.micTest ? 'true' : 'false'} @click=${() => (app.micTest ? app.stopMicTest() : void app.startMicTest())}>
            ${app.micTest ? 'Stop microphone test' : 'Test microphone'}
          </button>
          ${app.micTest ? levelMeter('Microphone level', app.micTest.meter.level(), 'settings-mic-level') : nothing}
          ${app.micTestError ? html`<p class="alert error" role="alert">${app.micTestError}</p>` : nothing}`}
  </details>`;
}
