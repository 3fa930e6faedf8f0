/**
 * The web dialer at `/` and the `<patchbay-phone>` widget at `/widget.js`, served from dist/web —
 * built on start when missing or stale (web-dialer/build/web-build.ts; `npm install` builds it
 * too) and held in memory, so a rebuild by another process never changes what a running gateway
 * serves. `widget.js` and `static/*` carry `Access-Control-Allow-Origin: *` because a third-party
 * page loads the widget as a cross-origin module script. The old demo page, when given, stays
 * reachable at `/demo` (its own `/assets/*` do not clash with the dialer's `static/`), and takes
 * `/` back when the dialer cannot be built, with the build error in the log.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { Hono } from 'hono';
import { ensureWebBuild, type WebBuildError } from '../../web-dialer/build/web-build.ts';

export interface WebDialerRoutesOptions {
  /** Where to log the build (and its failure). Default: silent. */
  logger?: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  /** The demo page's routes (`demoPageRoutes()`): mounted for `/demo` and `/assets/*`. Default: none. */
  demo?: Hono;
  /** Use these built assets instead of building (tests). */
  dir?: string;
}

interface Asset {
  body: Uint8Array;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
};

/** Every file under `dir` keyed by its URL path ('/index.html', '/static/app-1a2b.js'…). */
export function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else if (!e.name.startsWith('.')) assets.set(`/${relative(dir, path).split(sep).join('/')}`, { body: readFileSync(path), type: TYPES[extname(e.name)] ?? 'application/octet-stream' });
    }
  };
  walk(dir);
  return assets;
}

/** Builds (when needed) and loads the dialer, then returns its routes. Never throws: a failed build falls back to the demo page. */
export async function webDialerRoutes(options: WebDialerRoutesOptions = {}): Promise<Hono> {
  let assets: Map<string, Asset> | undefined;
  try {
    let dir = options.dir;
    if (!dir) {
      const r = await ensureWebBuild({ log: (line) => options.logger?.info({}, line) });
      dir = r.dir;
    }
    assets = loadAssets(dir);
    if (!assets.has('/index.html')) throw new Error(`${dir} has no index.html`);
  } catch (err) {
    options.logger?.error({ err, output: (err as WebBuildError).output?.slice(-4000) }, 'web dialer unavailable; serving the demo page at /');
    assets = undefined;
  }
  return serveAssets(assets, options.demo);
}

/** The routes over loaded assets (`undefined`: not built). */
export function serveAssets(assets: Map<string, Asset> | undefined, demo?: Hono): Hono {
  const app = new Hono();
  const send = (path: string, headers: Record<string, string>) => {
    const a = assets?.get(path);
    if (!a) return undefined;
    return new Response(a.body as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': a.type, 'X-Content-Type-Options': 'nosniff', ...headers } });
  };
  const page = { 'Cache-Control': 'no-cache', 'Referrer-Policy': 'same-origin' };
  const shared = { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' };
  if (demo) {
    app.get('/demo', (c) => demo.fetch(new Request(new URL('/', c.req.url), c.req.raw)));
    app.get('/assets/*', (c) => demo.fetch(c.req.raw));
  }
  app.get('/', (c) => send('/index.html', page) ?? (demo ? demo.fetch(c.req.raw) : c.text('The web dialer is not built: see the gateway log (npm run build:web).', 503)));
  app.get('/index.html', (c) => send('/index.html', page) ?? c.notFound());
  app.get('/widget.js', (c) => send('/widget.js', { ...shared, 'Cache-Control': 'no-cache' }) ?? c.notFound());
  app.get('/widget.js.map', (c) => send('/widget.js.map', { ...shared, 'Cache-Control': 'no-cache' }) ?? c.notFound());
  app.get('/static/*', (c) => send(c.req.path, { ...shared, 'Cache-Control': 'public, max-age=31536000, immutable' }) ?? c.notFound());
  return app;
}
