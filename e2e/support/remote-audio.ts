/**
 * e2e harness: what the browser hears. Reuses the WebAudio analyser of gateway/webrtc's test page
 * (`pb.listen`: averaged power spectrum, levels in dB above the median bin, peak frequency) by
 * taking its source from BROWSER_PAGE_HTML, and feeds it the demo page's remote stream
 * (`window.patchbayDemo.remoteStream`). Installed as an init script, so it is there before the
 * page's own scripts run.
 */
import type { Page } from 'playwright-core';
import { BROWSER_PAGE_HTML } from '../../gateway/webrtc/testing/browser-page.ts';

/** What the analyser heard. */
export interface Heard {
  /** dB above the noise floor (median bin below 4 kHz) at each asked frequency. */
  levels: number[];
  /** Strongest frequency below 4 kHz. */
  peakHz: number;
  peakDb: number;
  floorDb: number;
}

/** The `pb.listen = async (ms, freqs) => {…};` statement of the webrtc test page. */
function listenSource(): string {
  const start = BROWSER_PAGE_HTML.indexOf('pb.listen = async (ms, freqs) =>');
  const end = BROWSER_PAGE_HTML.indexOf('\n};\n', start);
  if (start < 0 || end < 0) throw new Error('gateway/webrtc/testing/browser-page.ts no longer defines pb.listen as expected');
  return BROWSER_PAGE_HTML.slice(start, end + 3);
}

/** Page script: `window.pbAudio.listen(ms, freqs)` on whatever remote stream the demo page plays. */
export const REMOTE_AUDIO_SCRIPT = `(() => {
  'use strict';
  let ctx, analyser, source, attached;
  const pb = (window.pbAudio = {});
  pb.attach = async () => {
    const stream = window.patchbayDemo && window.patchbayDemo.remoteStream;
    if (!stream) throw new Error('no remote stream yet');
    ctx = ctx || new AudioContext({ sampleRate: 48000 });
    await ctx.resume();
    if (attached === stream) return;
    if (source) source.disconnect();
    source = ctx.createMediaStreamSource(stream);
    analyser = ctx.createAnalyser();
    analyser.fftSize = 8192;
    analyser.smoothingTimeConstant = 0;
    source.connect(analyser);
    attached = stream;
  };
  const listen = (() => { ${listenSource()} return pb.listen; })();
  pb.listen = async (ms, freqs) => { await pb.attach(); return listen(ms, freqs); };
})();`;

/** Installs the analyser into every document `page` loads (call before goto). */
export async function installRemoteAudio(page: Page): Promise<void> {
  await page.addInitScript({ content: REMOTE_AUDIO_SCRIPT });
}

/** Listens to the remote audio for `ms`; levels at `freqs` in dB above the floor. */
export function listen(page: Page, ms: number, freqs: number[]): Promise<Heard> {
  return page.evaluate(([m, f]) => (window as unknown as { pbAudio: { listen(ms: number, freqs: number[]): Promise<Heard> } }).pbAudio.listen(m, f), [ms, freqs] as [number, number[]]);
}
