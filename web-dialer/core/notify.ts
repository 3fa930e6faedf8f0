/**
 * Browser notifications for incoming calls while the tab is hidden. Permission is asked on the
 * sign-in click (a user gesture); clicking the notification brings the dialer to the front.
 */

export function askNotificationPermission(): void {
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission().catch(() => {});
}

/** Shows "Incoming call from …" when the page is hidden; returns a function that closes it. */
export function notifyIncoming(from: string): () => void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted' || !document.hidden) return () => {};
  const n = new Notification('Incoming call', { body: `From ${from}`, tag: 'patchbay-incoming', requireInteraction: true });
  n.onclick = () => {
    window.focus();
    n.close();
  };
  return () => n.close();
}
