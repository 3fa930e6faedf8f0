/**
 * Test helper: real Chromium for WebRTC tests — Debian's /usr/bin/chromium via playwright-core
 * with exactly the flags of DESIGN.md, a fake microphone playing a WAV tone we write, and the
 * test page served from 127.0.0.1. Launch once per test file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ToneGenerator } from '../../../media/tone.ts';
import { writeWav } from '../../../media/wav.ts';
import { BROWSER_PAGE_HTML } from './browser-page.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** DESIGN.md's flags for Chromium in tests, with the fake-capture WAV. */
export function chromiumFlags(wavPath: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${wavPath}`,
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ];
}

/** A 48 kHz mono PCM16 WAV of a steady tone. */
export function toneWav(frequency: number, seconds: number): Uint8Array {
  const samples = new Int16Array(48000 * seconds);
  new ToneGenerator({ frequency, sampleRate: 48000, dbfs: -6 }).fill(samples);
  return writeWav({ sampleRate: 48000, channels: 1, samples });
}

export interface TestBrowser {
  browser: Browser;
  /** A fresh page with the test script loaded (`window.pb`). */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Launch Chromium whose microphone plays a `micHz` tone; serves the test page on 127.0.0.1. */
export async function launchTestBrowser(micHz: number): Promise<TestBrowser> {
  const dir = await mkdtemp(join(tmpdir(), 'patchbay-webrtc-'));
  const wav = join(dir, `tone-${micHz}.wav`);
  await writeFile(wav, toneWav(micHz, 10));
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(BROWSER_PAGE_HTML);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumFlags(wav) });
  return {
    browser,
    async newPage() {
      const page = await browser.newPage();
      await page.goto(url);
      return page;
    },
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
