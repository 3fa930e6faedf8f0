/** The idle phone: the number field (typing, paste clean-up), the dial pad and the Call button. */
import { html } from 'lit';
import { cleanNumber, isDialable } from '../core/number.ts';
import { dialpad } from '../ui/parts.ts';
import type { PatchbayApp } from './patchbay-app.ts';

export function renderIdle(app: PatchbayApp) {
  const ready = app.phone?.state === 'registered';
  const onKeydown = (e: KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      if (ready) void app.dial((e.target as HTMLInputElement).value);
    } else if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !isDialable(e.key)) {
      e.preventDefault();
    }
  };
  const onPaste = (e: ClipboardEvent) => {
    const text = e.clipboardData?.getData('text');
    if (!text) return;
    e.preventDefault();
    const input = e.target as HTMLInputElement;
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    app.setNumber(cleanNumber(input.value.slice(0, start) + text + input.value.slice(end)));
  };
  return html`<form class="dial" @submit=${(e: Event) => (e.preventDefault(), ready && void app.dial())}>
    <label for="number" class="sr-only">Number to call</label>
    <div class="number-row">
      <input
        id="number"
        data-testid="number"
        class="number"
        inputmode="tel"
        autocomplete="off"
        placeholder="Number, user or extension"
        .value=${app.number}
        @input=${(e: InputEvent) => app.setNumber((e.target as HTMLInputElement).value)}
        @keydown=${onKeydown}
        @paste=${onPaste}
      />
      <button type="button" class="clear" aria-label="Delete last digit" data-testid="backspace" ?disabled=${!app.number} @click=${() => app.setNumber(app.number.slice(0, -1))}>⌫</button>
    </div>
    ${dialpad((k) => app.pressKey(k), 'key', 'Dial pad')}
    <button type="submit" class="ok call-button" data-testid="call" ?disabled=${!ready || !app.number.trim()}>Call</button>
  </form>`;
}
