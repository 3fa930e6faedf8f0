/**
 * The signed-in screen: a header with the registration state (always visible), the connection
 * alert while reconnecting, the phone card (dial pad or the call) with the device settings, and
 * the side column with people (presence) and recent calls. One column below 760 px.
 */
import { html, nothing } from 'lit';
import { statusPill } from '../ui/parts.ts';
import type { PatchbayApp } from './patchbay-app.ts';
import { renderCall } from './view-call.ts';
import { renderIdle } from './view-idle.ts';
import { renderSettings } from './view-settings.ts';
import { renderPeople, renderRecent } from './view-side.ts';

export function renderShell(app: PatchbayApp) {
  const phone = app.phone!;
  const call = app.call;
  const connection =
    phone.state === 'reconnecting'
      ? html`<p class="alert warn" role="alert" data-testid="connection-alert">Connection to the gateway lost. Reconnecting…${phone.reconnects > 1 ? ` (attempt ${phone.reconnects})` : ''}</p>`
      : phone.state === 'connecting' || phone.state === 'registering'
        ? html`<p class="alert info" role="status" data-testid="connection-alert">Connecting to the gateway…</p>`
        : phone.problem && phone.state === 'failed'
          ? html`<p class="alert error" role="alert" data-testid="connection-alert">${phone.problem}</p>`
          : nothing;
  return html`<header class="top">
      <span class="brand"><span class="logo" aria-hidden="true"></span>Patchbay</span>
      ${statusPill(phone.state, phone.user)}
      <span class="spacer"></span>
      <button type="button" data-testid="sign-out" @click=${() => app.signOut()}>Sign out</button>
    </header>
    ${connection}
    <main class="layout">
      <section class="card phone" aria-label=${call ? 'Call' : 'Dialer'}>
        ${app.banner && !call
          ? html`<p class="alert ${app.banner.kind}" role=${app.banner.kind === 'error' ? 'alert' : 'status'} data-testid="call-message">${app.banner.text}</p>`
          : nothing}
        ${call ? renderCall(app, call) : renderIdle(app)}
        ${app.banner && call ? html`<p class="alert ${app.banner.kind}" role="alert" data-testid="call-message">${app.banner.text}</p>` : nothing}
        ${renderSettings(app)}
      </section>
      <aside class="side">
        <section class="card" aria-labelledby="people-title">${renderPeople(app)}</section>
        <section class="card" aria-labelledby="recent-title">${renderRecent(app)}</section>
      </aside>
    </main>`;
}
