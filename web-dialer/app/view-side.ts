/** The side column: people in the directory with who is online (app events), and recent calls with call-back. */
import { html, nothing } from 'lit';
import { formatDuration, formatWhen } from '../ui/format.ts';
import type { PatchbayApp } from './patchbay-app.ts';

export function renderPeople(app: PatchbayApp) {
  const ev = app.events;
  const me = app.phone?.user;
  const people = (ev?.presence.users ?? []).filter((u) => u.username !== me);
  const status =
    !ev || ev.state === 'connecting' ? 'Loading…' : ev.state === 'refused' ? 'Presence is not available.' : ev.state === 'offline' ? 'Presence is reconnecting…' : '';
  const canCall = app.phone?.state === 'registered' && !app.call;
  return html`<h2 id="people-title">People</h2>
    ${status ? html`<p class="muted" data-testid="presence-status">${status}</p>` : nothing}
    <ul class="list" data-testid="people">
      ${people.map((u) => {
        const online = ev!.isOnline(u.username);
        const name = u.displayName ? `${u.displayName} (${u.username})` : u.username;
        return html`<li data-testid="person-${u.username}" data-online=${online ? 'yes' : 'no'}>
          <span class="dot ${online ? 'ok' : ''}" aria-hidden="true"></span>
          <span class="grow">${name}<span class="sr-only">, ${online ? 'online' : 'offline'}</span></span>
          <button type="button" class="small" aria-label="Call ${name}" ?disabled=${!canCall} @click=${() => void app.dial(u.username)}>Call</button>
        </li>`;
      })}
    </ul>`;
}

const REASON_TEXT: Record<string, string> = {
  busy: 'busy',
  'not-found': 'not found',
  rejected: 'declined',
  unavailable: 'unavailable',
  'no-answer': 'no answer',
  no_answer: 'no answer',
  cancelled: 'cancelled',
  missed: 'missed',
  failed: 'failed',
  network: 'connection lost',
  'microphone-denied': 'microphone blocked',
  transferred: 'transferred',
};

export function renderRecent(app: PatchbayApp) {
  const calls = app.recentCalls;
  const canCall = app.phone?.state === 'registered' && !app.call;
  return html`<h2 id="recent-title">Recent calls</h2>
    ${calls.length === 0 ? html`<p class="muted">No calls yet.</p>` : nothing}
    <ul class="list" data-testid="recent-calls">
      ${calls.slice(0, 20).map((c) => {
        const answered = c.answerTime !== null;
        const what = answered ? formatDuration(c.durationSeconds) : (REASON_TEXT[c.endReason] ?? c.endReason);
        const dir = c.direction === 'inbound' ? (answered ? 'Incoming' : 'Missed') : 'Outgoing';
        return html`<li data-testid="recent-call">
          <span class="dir ${c.direction} ${answered ? '' : 'unanswered'}" aria-hidden="true">${c.direction === 'inbound' ? '↙' : '↗'}</span>
          <span class="grow"><span class="sr-only">${dir} call, </span>${c.peer}<br /><span class="muted small-text">${formatWhen(c.startTime)} · ${what}</span></span>
          <button type="button" class="small" aria-label="Call ${c.peer} back" ?disabled=${!canCall} @click=${() => void app.dial(c.peer)}>Call</button>
        </li>`;
      })}
    </ul>`;
}
