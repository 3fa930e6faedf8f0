/** The sign-in screen: directory user and password; failures (wrong password, network) in an alert. */
import { html, nothing } from 'lit';
import { statusPill } from '../ui/parts.ts';
import type { PatchbayApp } from './patchbay-app.ts';

export function renderSignIn(app: PatchbayApp) {
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    void app.signIn(String(form.get('user') ?? ''), String(form.get('password') ?? ''));
  };
  return html`<main class="sign-in">
    <form class="card" @submit=${submit} aria-labelledby="sign-in-title" novalidate>
      <h1 id="sign-in-title"><span class="logo" aria-hidden="true"></span>Patchbay</h1>
      <p class="muted">Sign in with your phone user to make and take calls in this browser.</p>
      <label for="user">User</label>
      <input id="user" name="user" data-testid="user" autocomplete="username" inputmode="text" required .value=${app.settings.lastUser} />
      <label for="password">Password</label>
      <input id="password" name="password" data-testid="password" type="password" autocomplete="current-password" required />
      ${app.signInError
        ? html`<p class="alert error" role="alert" data-testid="sign-in-error">${app.signInError}</p>`
        : nothing}
      <button class="primary" type="submit" data-testid="sign-in" ?disabled=${app.signingIn}>${app.signingIn ? 'Signing in…' : 'Sign in'}</button>
      ${app.signingIn && app.phone ? html`<p>${statusPill(app.phone.state, undefined)}</p>` : nothing}
    </form>
  </main>`;
}
