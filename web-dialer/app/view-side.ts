/** The side column: people in the directory with who is online (app events), and recent calls with call-back. */
import { html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
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
  // The gateway's CDR reasons (gateway/calls/call-end.ts) not covered above.
  error: 'failed',
  media_timeout: 'no audio',
  ice_failed: 'connection failed',
};

/**
 * The recent calls (the gateway's list, live over app events; else this browser's): a labelled
 * list, one entry per call with a Call-back button (Tab reaches it, Enter or a click dials the
 * other party back) described by the entry's text. Keyed by call id, so focus stays on the same
 * call when a new one arrives on top.
 */
export function renderRecent(app: PatchbayApp) {
  const calls = app.recentCalls.slice(0, 20);
  const canCall = app.phone?.state === 'registered' && !app.call;
  return html`<h2 id="recent-title">Recent calls</h2>
    ${calls.length === 0 ? html`<p class="muted" data-testid="recent-empty">No calls yet.</p>` : nothing}
    <ul class="list" aria-labelledby="recent-title" data-testid="recent-calls">
      ${repeat(
        calls,
        (c) => c.id,
        (c, i) => {
          const answered = c.answerTime !== null;
          const what = answered ? formatDuration(c.durationSeconds) : (REASON_TEXT[c.endReason] ?? c.endReason.replace(/[_-]/g, ' '));
          const dir = c.direction === 'inbound' ? (answered ? 'Incoming' : 'Missed') : 'Outgoing';
          const who = c.peer || 'Unknown caller';
          return html`<li data-testid="recent-call" data-call-id=${c.id} data-direction=${c.direction}>
            <span class="dir ${c.direction} ${answered ? '' : 'unanswered'}" aria-hidden="true">${c.direction === 'inbound' ? '↙' : '↗'}</span>
            <span class="grow" id="recent-${i}"
              ><span class="sr-only">${dir} call, </span><span data-testid="recent-peer">${who}</span><br /><span class="muted small-text"
                >${formatWhen(c.startTime)} · ${what}</span
              ></span
            >
            ${c.peer
              ? html`<button type="button" class="small" aria-label="Call ${c.peer} back" aria-describedby="recent-${i}" data-testid="recent-call-back" ?disabled=${!canCall} @click=${() => void app.dial(c.peer)}>
                  Call
                </button>`
              : nothing}
          </li>`;
        },
      )}
    </ul>`;
}
