/** The demo phone route group: the page with its controls and prefill, its assets, JsSIP bundled locally. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { demoPageRoutes, demoPrefill } from './demo-page.ts';
import { DEMO_USERS } from '../config/index.ts';

test('GET / serves the page with stable ids, the prefill and local scripts only', async () => {
  const app = demoPageRoutes({ prefill: { username: '1001', password: 'demo1001' } });
  const res = await app.request('/');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  const html = await res.text();
  for (const id of ['user', 'password', 'register', 'reg-state', 'target', 'call', 'hangup', 'answer', 'hold', 'resume', 'dtmf-1', 'dtmf-hash', 'dtmf-received', 'remote-audio']) {
    assert.match(html, new RegExp(`id="${id}"`), id);
  }
  assert.match(html, /id="user"[^>]*value="1001"/);
  assert.match(html, /id="password"[^>]*value="demo1001"/);
  assert.match(html, /id="target"[^>]*value="echo"/);
  const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(scripts, ['/assets/jssip.js', '/assets/demo.js']);
  assert.doesNotMatch(html, /https?:\/\//, 'no external URLs');
});

test('without a prefill the fields are empty; values are escaped', async () => {
  assert.match(await (await demoPageRoutes().request('/')).text(), /id="user"[^>]*value=""/);
  const html = await (await demoPageRoutes({ prefill: { username: 'a"b', password: '<x>' } }).request('/')).text();
  assert.match(html, /value="a&quot;b"/);
  assert.match(html, /value="&lt;x&gt;"/);
});

test('demoPrefill picks only a user that still has its published demo password', () => {
  assert.deepEqual(demoPrefill(DEMO_USERS), DEMO_USERS[0]);
  assert.equal(demoPrefill([{ username: '1001', password: 'secret' }]), undefined);
});

test('the page script configures no STUN and the SIP WebSocket on the same host', async () => {
  const js = await (await demoPageRoutes().request('/assets/demo.js')).text();
  assert.match(js, /iceServers: \[\]/);
  assert.match(js, /\/\/\$\{location\.host\}\/sip/);
});

test('/assets/jssip.js is a browser bundle defining window.JsSIP', async () => {
  const res = await demoPageRoutes().request('/assets/jssip.js');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /javascript/);
  const text = await res.text();
  const sandbox: Record<string, unknown> = { window: {}, navigator: { userAgent: 'test' } };
  sandbox.self = sandbox.window;
  runInNewContext(`${text}; window.JsSIP = JsSIP;`, sandbox);
  const JsSIP = (sandbox.window as { JsSIP?: { UA?: unknown; version?: string } }).JsSIP;
  assert.equal(typeof JsSIP?.UA, 'function');
  assert.match(String(JsSIP?.version), /^3\./);
});
