/**
 * Vite build of the web dialer (web-dialer/ → dist/web), in two passes that share this file:
 * - the app (default mode): `index.html` with code-split, hashed assets under `static/` and a
 *   relative base, so the gateway can serve it at `/` or behind a path prefix;
 * - the widget (`--mode widget`): `widget.js`, one self-contained ES module defining
 *   `<patchbay-phone>` — a single file so a third-party page needs one script tag and no chunk
 *   requests resolve against the wrong origin.
 * web-dialer/build/web-build.ts runs both (npm `prepare`, and the gateway on start when stale);
 * `npm run dev:web` serves the app with hot reload, proxying SIP and app events to a gateway.
 */
import { defineConfig } from 'vite';

const target = ['chrome110', 'firefox115', 'safari16'];
const gateway = process.env.PATCHBAY_GATEWAY ?? 'http://127.0.0.1:8080';

export default defineConfig(({ mode }) =>
  mode === 'widget'
    ? {
        root: 'web-dialer',
        publicDir: false,
        build: {
          outDir: '../dist/web',
          emptyOutDir: false,
          target,
          sourcemap: true,
          // Lib mode keeps ES output unminified by default; a script-tag widget wants it small.
          rolldownOptions: { output: { minify: true } },
          lib: { entry: 'widget.ts', formats: ['es'], fileName: () => 'widget.js' },
        },
      }
    : {
        root: 'web-dialer',
        base: './',
        publicDir: false,
        // `npm run dev:web`: hot-reloading dialer against a running gateway (PATCHBAY_GATEWAY, default :8080).
        server: {
          host: '127.0.0.1',
          proxy: Object.fromEntries(['/sip', '/socket.io'].map((path) => [path, { target: gateway, ws: true }])),
        },
        build: {
          outDir: '../dist/web',
          emptyOutDir: true,
          target,
          sourcemap: true,
          assetsDir: 'static',
        },
      },
);
