/** The dialer's routes over built assets: pages, the CORS-enabled widget, hashed statics, /demo, and the fallback when not built. */
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Hono } from 'hono';
import { loadAssets, serveAssets, webDialerRoutes } from './web-dialer-routes.ts';

function builtDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-web-'));
  mkdirSync(join(dir, 'static'));
  writeFileSync(join(dir, 'index.html'), '<patchbay-app></patchbay-app>');
  writeFileSync(join(dir, 'widget.js'), 'export {}');
  writeFileSync(join(dir, 'static/index-abc.js'), 'console.log(1)');
  writeFileSync(join(dir, '.build.json'), '{}');
  return dir;
}

const demo = new Hono().get('/', (c) => c.text('demo page')).get('/assets/demo.js', (c) => c.text('demo js'));

test('serves the dialer, the widget with CORS, immutable statics and the demo at /demo', async () => {
  const dir = builtDir();
  try {
    const assets = loadAssets(dir);
    assert.deepEqual([...assets.keys()].sort(), ['/index.html', '/static/index-abc.js', '/widget.js'], 'dot files are not served');
    const app = serveAssets(assets, demo);
    const root = await app.request('/');
    assert.equal(await root.text(), '<patchbay-app></patchbay-app>');
    assert.match(root.headers.get('content-type')!, /text\/html/);
    const widget = await app.request('/widget.js');
    assert.equal(widget.headers.get('access-control-allow-origin'), '*');
    assert.match(widget.headers.get('content-type')!, /javascript/);
    const js = await app.request('/static/index-abc.js');
    assert.match(js.headers.get('cache-control')!, /immutable/);
    assert.equal((await app.request('/static/missing.js')).status, 404);
    assert.equal(await (await app.request('/demo')).text(), 'demo page');
    assert.equal(await (await app.request('/assets/demo.js')).text(), 'demo js');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('when the dialer cannot be loaded, / falls back to the demo page (or a 503 that says why)', async () => {
  const errors: string[] = [];
  const logger = { info() {}, error: (_o: object, msg?: string) => void errors.push(msg ?? '') };
  const app = await webDialerRoutes({ dir: join(tmpdir(), 'patchbay-no-such-build'), demo, logger });
  assert.equal(await (await app.request('/')).text(), 'demo page');
  assert.match(errors[0]!, /web dialer unavailable/);
  const bare = serveAssets(undefined);
  const res = await bare.request('/');
  assert.equal(res.status, 503);
  assert.match(await res.text(), /not built/);
});
