/**
 * e2e harness: two variants of the test Chromium (same binary, same flags as
 * gateway/webrtc/testing/browser.ts, same fake microphone tone) for what the standard one cannot
 * show:
 *
 * - `launchAskingBrowser`: without `--use-fake-ui-for-media-stream`, so the microphone is not
 *   granted to every page: each browser context gets it only when the test grants the
 *   'microphone' permission (as a person clicking Allow); a context without it is denied, as
 *   after a person clicked Block.
 * - `launchTabbedBrowser`: Chromium started here with a DevTools port and attached with
 *   `connectOverCDP(…, { noDefaults: true })`. Playwright then leaves the default context alone —
 *   in particular it does not turn on focus emulation, which keeps every page it drives
 *   "visible" — so tabs behave as in a person's browser: bringing another tab to the front
 *   really hides the first (`document.visibilityState === 'hidden'`), nothing emulated.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM_PATH, chromiumFlags, toneWav } from '../../gateway/webrtc/testing/browser.ts';

async function toneFile(micHz: number): Promise<{ dir: string; wav: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'patchbay-e2e-browser-'));
  const wav = join(dir, `tone-${micHz}.wav`);
  await writeFile(wav, toneWav(micHz, 10));
  return { dir, wav };
}

export interface AskingBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Chromium whose (fake) microphone plays `micHz`, given to a context only with the 'microphone' permission. */
export async function launchAskingBrowser(micHz: number): Promise<AskingBrowser> {
  const { dir, wav } = await toneFile(micHz);
  const args = chromiumFlags(wav).filter((f) => f !== '--use-fake-ui-for-media-stream');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args });
  return {
    browser,
    async close() {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface TabbedBrowser {
  browser: Browser;
  /** The browser's own (default) context: tabs in it hide each other like in a person's browser. */
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium (microphone playing `micHz`) whose default context has real tab visibility; see the file comment. */
export async function launchTabbedBrowser(micHz: number): Promise<TabbedBrowser> {
  const { dir, wav } = await toneFile(micHz);
  const child: ChildProcess = spawn(
    CHROMIUM_PATH,
    [...chromiumFlags(wav), '--remote-debugging-port=0', `--user-data-dir=${join(dir, 'profile')}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopChild = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };
  let browser: Browser;
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`Chromium printed no DevTools endpoint within 15 s:\n${err.slice(-2000)}`)), 15_000);
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Chromium exited (${code}) before it listened:\n${err.slice(-2000)}`));
      });
    });
    browser = await chromium.connectOverCDP(endpoint, { noDefaults: true, isLocal: true });
  } catch (err) {
    await stopChild();
    throw err;
  }
  const context = browser.contexts()[0]!;
  return {
    browser,
    context,
    async close() {
      await browser.close().catch(() => {});
      await stopChild();
    },
  };
}
