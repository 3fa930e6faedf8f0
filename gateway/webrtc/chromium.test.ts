/**
 * WebRtcLeg against real Chromium (Debian's /usr/bin/chromium, launched once for the file): the
 * browser's fake microphone plays a 1 kHz tone; the page measures what it hears with a WebAudio
 * AnalyserNode. Audio is judged by frequency on both sides. Every UDP datagram our process sends
 * is recorded and must go to 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { WebRtcLeg, WebRtcLegError, type DirectionChange, type WebRtcLegOptions } from './index.ts';
import { AudioCollector, streamTone } from './testing/audio.ts';
import { launchTestBrowser, type TestBrowser } from './testing/browser.ts';
import { installUdpGuard, openUdpSockets, type UdpGuard } from './testing/udp-guard.ts';

const MIC_HZ = 1000;

interface Heard {
  /** dB above the noise floor at each asked frequency. */
  levels: number[];
  peakHz: number;
}

/** Call `window.pb[fn](...args)` in the page. */
function pb<T>(page: Page, fn: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([name, list]) => (window as unknown as { pb: Record<string, (...a: unknown[]) => unknown> }).pb[name]!(...list),
    [fn, args] as [string, unknown[]],
  ) as Promise<T>;
}

/** Browser listens for `ms`; returns levels at `freqs` and the peak frequency. */
function listen(page: Page, ms: number, freqs: number[]): Promise<Heard> {
  return pb<Heard>(page, 'listen', ms, freqs);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function nextEvent<T extends unknown[]>(leg: WebRtcLeg, event: 'connected' | 'failed' | 'close' | 'direction'): Promise<T> {
  return new Promise((resolve) => leg.once(event, (...args: unknown[]) => resolve(args as T)));
}

/** The browser offers, the leg answers; resolves when both ends are connected. */
async function browserCalls(page: Page, options: WebRtcLegOptions = {}): Promise<WebRtcLeg> {
  await pb(page, 'setup');
  const leg = new WebRtcLeg(options);
  const connected = nextEvent(leg, 'connected');
  const offer = await pb<string>(page, 'offer');
  await pb(page, 'acceptAnswer', await leg.answer(offer));
  await connected;
  await pb(page, 'waitConnected');
  return leg;
}

/** Assert `heard` has its peak at `hz` (±1 FFT bin) and `hz` ≥ 30 dB above the `others`. */
function assertTone(heard: Heard, hz: number, others: number[], freqs: number[]): void {
  assert.ok(Math.abs(heard.peakHz - hz) <= 6, `peak at ${heard.peakHz} Hz, expected ${hz}`);
  const level = heard.levels[freqs.indexOf(hz)]!;
  for (const o of others) {
    const other = heard.levels[freqs.indexOf(o)]!;
    assert.ok(level - other >= 30, `${hz} Hz only ${(level - other).toFixed(1)} dB above ${o} Hz`);
  }
}

let browser: TestBrowser;
let page: Page;
let guard: UdpGuard;

before(async () => {
  guard = installUdpGuard();
  browser = await launchTestBrowser(MIC_HZ);
  page = await browser.newPage();
});

after(async () => {
  await browser?.close();
  guard.restore();
  assert.ok(guard.destinations.size > 0);
  assert.deepEqual([...guard.destinations.keys()], ['127.0.0.1'], 'a datagram left 127.0.0.1');
  assert.deepEqual([...new Set(guard.bound)], ['127.0.0.1'], 'a socket bound elsewhere than 127.0.0.1');
});

describe('WebRtcLeg ⇄ Chromium', () => {
  test('browser offers: Opus tone reaches the leg, echo reaches the browser, DTMF and hold from the browser, browser hang-up', async () => {
    const sockets = openUdpSockets();
    const leg = await browserCalls(page);
    assert.equal(leg.getStats().codec, 'opus');
    assert.match(leg.getStats().remoteAddress!, /^127\.0\.0\.1:/);
    const atLeg = new AudioCollector(leg);
    // Echo: loop every received packet back unchanged (passthrough).
    leg.on('rtp', (p) => leg.sendRtp(p.payload, { payloadType: p.payloadType, timestamp: p.timestamp, marker: p.marker }));
    await sleep(1000);
    const freqs = [MIC_HZ, 440, 1500];
    const heard = await listen(page, 1000, freqs);
    assert.deepEqual([...atLeg.codecs], ['opus']);
    assert.ok(atLeg.toneShare(MIC_HZ) > 0.9, `leg heard 1 kHz share ${atLeg.toneShare(MIC_HZ)}`);
    assertTone(heard, MIC_HZ, [440, 1500], freqs);
    atLeg.close();

    // DTMF from the browser's RTCDTMFSender arrives once per key, in order.
    const digits: string[] = [];
    const allDigits = new Promise<void>((resolve) =>
      leg.on('dtmf', (d, ms) => {
        digits.push(d);
        assert.ok(ms >= 90 && ms <= 130, `duration ${ms} ms`);
        if (digits.length === 4) resolve();
      }),
    );
    await pb(page, 'insertDtmf', '123#', 100, 70);
    await allDigits;
    await pb(page, 'dtmfDone');
    await sleep(200); // late retransmitted end packets must not add digits
    assert.deepEqual(digits, ['1', '2', '3', '#']);

    // Hold and resume from the browser (re-offers).
    const hold = nextEvent<[DirectionChange]>(leg, 'direction');
    const holdAnswer = await leg.handleReoffer(await pb<string>(page, 'reoffer', 'sendonly'));
    await pb(page, 'acceptAnswer', holdAnswer);
    assert.deepEqual(await hold, [{ remote: 'sendonly', local: 'recvonly', onHold: true }]);
    assert.match(holdAnswer, /a=recvonly/);
    const resume = nextEvent<[DirectionChange]>(leg, 'direction');
    await pb(page, 'acceptAnswer', await leg.handleReoffer(await pb<string>(page, 'reoffer', 'sendrecv')));
    assert.deepEqual(await resume, [{ remote: 'sendrecv', local: 'sendrecv', onHold: false }]);

    // The browser hangs up: DTLS close_notify closes the leg as 'remote', once, sockets released.
    const reasons: string[] = [];
    leg.on('close', (r) => reasons.push(r));
    const closed = nextEvent(leg, 'close');
    await pb(page, 'close');
    await closed;
    await leg.released;
    leg.close();
    assert.deepEqual(reasons, ['remote']);
    assert.equal(openUdpSockets(), sockets);
  });

  test('leg offers PCMU: a 440 Hz tone and RFC 4733 DTMF from Node are heard in the browser; local hang-up', async () => {
    const sockets = openUdpSockets();
    await pb(page, 'setup');
    const leg = new WebRtcLeg({ codecs: ['PCMU'] });
    const connected = nextEvent(leg, 'connected');
    const offer = await leg.createOffer();
    assert.match(offer, /m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0 /);
    const answer = await pb<string>(page, 'answer', offer);
    assert.match(answer, /m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0[ \r]/);
    await leg.applyAnswer(answer);
    await connected;
    assert.equal(leg.getStats().codec, 'PCMU');

    const freqs = [440, MIC_HZ, 770, 1336, 697, 1209];
    const [, tone] = await Promise.all([streamTone(leg, 'PCMU', 440, 2000), sleep(900).then(() => listen(page, 1000, freqs))]);
    assertTone(tone, 440, [MIC_HZ, 770, 1336], freqs);

    // '5' is 770 + 1336 Hz: the browser's NetEq plays received telephone-events as tones.
    const sending = leg.sendDtmf('5', 1500);
    await sleep(300);
    const dtmf = await listen(page, 800, freqs);
    await sending;
    const at = (hz: number) => dtmf.levels[freqs.indexOf(hz)]!;
    for (const hz of [770, 1336]) {
      for (const other of [440, 697, 1209]) {
        assert.ok(at(hz) - at(other) >= 30, `DTMF ${hz} Hz only ${(at(hz) - at(other)).toFixed(1)} dB above ${other} Hz`);
      }
    }
    assert.equal(leg.getStats().dtmfSent, 1);

    const reasons: string[] = [];
    leg.on('close', (r) => reasons.push(r));
    leg.close();
    leg.close();
    await leg.released;
    assert.deepEqual(reasons, ['local']);
    assert.equal(openUdpSockets(), sockets);
  });

  test('an ICE-lite leg answers the browser, and offers to it, and gets its audio', async () => {
    const answering = await browserCalls(page, { iceLite: true });
    assert.equal(answering.getStats().iceRole, 'controlled');
    answering.close();
    await answering.released;

    await pb(page, 'setup');
    const leg = new WebRtcLeg({ iceLite: true });
    const connected = nextEvent(leg, 'connected');
    const offer = await leg.createOffer();
    assert.match(offer.split('\r\nm=')[0]!, /\r\na=ice-lite\r\n/); // session level, where Chrome reads it
    await leg.applyAnswer(await pb<string>(page, 'answer', offer));
    await connected;
    assert.equal(leg.getStats().iceRole, 'controlled');
    const atLeg = new AudioCollector(leg);
    await sleep(1000);
    assert.ok(atLeg.toneShare(MIC_HZ) > 0.9, `leg heard 1 kHz share ${atLeg.toneShare(MIC_HZ)}`);
    atLeg.close();
    leg.close();
    await leg.released;
  });

  test("a tampered fingerprint in the browser's offer fails the leg", async () => {
    await pb(page, 'setup');
    const leg = new WebRtcLeg();
    const offer = await pb<string>(page, 'offer');
    const tampered = offer.replace(/(a=fingerprint:sha-256 )([0-9A-F])/, (_, p: string, h: string) => p + (h === '0' ? '1' : '0'));
    assert.notEqual(tampered, offer);
    const failed = nextEvent<[WebRtcLegError]>(leg, 'failed');
    const closed = nextEvent<[string]>(leg, 'close');
    await pb(page, 'acceptAnswer', await leg.answer(tampered));
    const [error] = await failed;
    assert.equal(error.code, 'fingerprint-mismatch');
    assert.deepEqual(await closed, ['failed']);
    await leg.released;
  });
});
