/** Small formatting helpers for the dialer's views: call timer, dates of recent calls, names. Pure. */

/** `75` → `1:15`, `3725` → `1:02:05`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Spoken form of a duration for screen readers: `1 minute 15 seconds`. */
export function spokenDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const parts: string[] = [];
  const unit = (n: number, w: string) => (n ? [`${n} ${w}${n === 1 ? '' : 's'}`] : []);
  parts.push(...unit(Math.floor(s / 3600), 'hour'), ...unit(Math.floor((s % 3600) / 60), 'minute'), ...unit(s % 60, 'second'));
  return parts.join(' ') || '0 seconds';
}

/** Time of a recent call: `14:05` today, `Mon 14:05` this week, else `12 Mar`. */
export function formatWhen(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === now.toDateString()) return hm;
  if (now.getTime() - d.getTime() < 6 * 86_400_000) return `${d.toLocaleDateString([], { weekday: 'short' })} ${hm}`;
  return d.toLocaleDateString([], { day: 'numeric', month: 'short' });
}

/** Letters under the dial-pad digits. */
export const KEY_LETTERS: Record<string, string> = { '2': 'ABC', '3': 'DEF', '4': 'GHI', '5': 'JKL', '6': 'MNO', '7': 'PQRS', '8': 'TUV', '9': 'WXYZ', '0': '+' };

/** Accessible name of a dial-pad key. */
export function keyLabel(key: string): string {
  if (key === '*') return 'star';
  if (key === '#') return 'pound';
  return KEY_LETTERS[key] ? `${key} ${KEY_LETTERS[key]}` : key;
}

/** Test id of a dial-pad key (`*` → `star`, `#` → `hash`). */
export function keyId(key: string): string {
  return key === '*' ? 'star' : key === '#' ? 'hash' : key;
}
