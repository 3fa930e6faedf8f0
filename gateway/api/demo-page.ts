/**
 * The demo phone at `/`: one small self-contained page (HTML, CSS, script under /assets, JsSIP
 * bundled locally — no CDN) where a person registers over SIP-over-WebSocket at `/sip`, calls
 * `echo` or anyone, answers, holds, sends DTMF and hangs up. In demo mode the form is prefilled
 * with the first demo user, whose password is printed at startup anyway; otherwise it is empty.
 */
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { DEMO_USERS } from '../config/index.ts';
import { jssipBundle } from './demo/jssip-bundle.ts';

export interface DemoPageOptions {
  /** Credentials prefilled in the form. Default: none (empty fields). */
  prefill?: { username: string; password: string };
}

const asset = (name: string) => readFileSync(new URL(`./demo/${name}`, import.meta.url), 'utf8');
const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
const testId = (tone: string) => (tone === '*' ? 'star' : tone === '#' ? 'hash' : tone);
const KEYPAD = [...'123A456B789C*0#D']
  .map((t) => `<button data-tone="${t}" data-testid="dtmf-${testId(t)}" id="dtmf-${testId(t)}" disabled>${t}</button>`)
  .join('');

/** The demo user to prefill: the first configured user that still has its published demo password. */
export function demoPrefill(users: ReadonlyArray<{ username: string; password: string }>): DemoPageOptions['prefill'] {
  return users.find((u) => DEMO_USERS.some((d) => d.username === u.username && d.password === u.password));
}

export function demoPageRoutes(options: DemoPageOptions = {}): Hono {
  const html = asset('index.html')
    .replace('__USER__', esc(options.prefill?.username ?? ''))
    .replace('__PASSWORD__', esc(options.prefill?.password ?? ''))
    .replace('__KEYPAD__', KEYPAD);
  const js = asset('demo.js');
  const css = asset('demo.css');
  const noStore = { 'Cache-Control': 'no-store' };
  return new Hono()
    .get('/', (c) => c.html(html, 200, noStore))
    .get('/assets/demo.js', (c) => c.body(js, 200, { 'Content-Type': 'text/javascript; charset=utf-8', ...noStore }))
    .get('/assets/demo.css', (c) => c.body(css, 200, { 'Content-Type': 'text/css; charset=utf-8', ...noStore }))
    .get('/assets/jssip.js', async (c) => {
      try {
        const text = await jssipBundle();
        return c.body(text, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600' });
      } catch (err) {
        return c.text(`JsSIP bundle unavailable: ${(err as Error).message}`, 503);
      }
    });
}
