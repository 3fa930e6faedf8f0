/**
 * JsSIP for the browser, built on first request: the npm package ships only CommonJS `lib/`
 * (no `dist/` bundle since 3.11), so we bundle `jssip/lib/JsSIP.js` into one minified IIFE
 * exposing `window.JsSIP` with esbuild (which tsx, a runtime dependency, already brings), and keep
 * it in memory. Nothing is fetched from a CDN. Rejects when jssip or esbuild is not installed.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let bundle: Promise<string> | undefined;

async function buildBundle(): Promise<string> {
  const entry = require.resolve('jssip/lib/JsSIP.js');
  const { version } = require('jssip/package.json') as { version: string };
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    globalName: 'JsSIP',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari15'],
    legalComments: 'none',
    logLevel: 'silent',
  });
  return `/* JsSIP ${version} (MIT) https://jssip.net — bundled by Patchbay */\n${result.outputFiles[0]!.text}`;
}

/** The browser bundle's text; built once, shared by every request (a failed build is retried next time). */
export function jssipBundle(): Promise<string> {
  bundle ??= buildBundle().catch((err: unknown) => {
    bundle = undefined;
    throw err;
  });
  return bundle;
}
