/**
 * The dialer's remembered settings (localStorage): chosen microphone and speaker, voice
 * processing, the last user name; and the session's credentials (sessionStorage: this tab only,
 * gone when it closes) so a reload signs straight back in.
 */

export interface DialerSettings {
  microphoneId: string;
  speakerId: string;
  /** Echo cancellation, noise suppression, automatic gain. Default on; `?voice-processing=off` turns it off. */
  voiceProcessing: boolean;
  lastUser: string;
}

const KEY = 'patchbay.settings';
const SESSION = 'patchbay.session';

export function loadSettings(): DialerSettings {
  const defaults: DialerSettings = { microphoneId: '', speakerId: '', voiceProcessing: true, lastUser: '' };
  let saved: Partial<DialerSettings> = {};
  try {
    saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<DialerSettings>;
  } catch {
    // Corrupt or unavailable storage: defaults.
  }
  const s = { ...defaults, ...saved };
  const vp = new URLSearchParams(location.search).get('voice-processing');
  if (vp) s.voiceProcessing = vp !== 'off';
  return s;
}

export function saveSettings(s: DialerSettings): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // Not persisted.
  }
}

export function loadSession(): { user: string; password: string } | undefined {
  try {
    const v = JSON.parse(sessionStorage.getItem(SESSION) ?? 'null') as { user?: unknown; password?: unknown } | null;
    return v && typeof v.user === 'string' && typeof v.password === 'string' ? { user: v.user, password: v.password } : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(v: { user: string; password: string } | undefined): void {
  try {
    if (v) sessionStorage.setItem(SESSION, JSON.stringify(v));
    else sessionStorage.removeItem(SESSION);
  } catch {
    // Not persisted.
  }
}
