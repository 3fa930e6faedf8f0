/**
 * Issue 4 e2e (h): passthrough and transcoding are both exercised. The browser offers Opus and
 * PCMU; baresip speaks only G.711. With `webrtc.codec_policy: passthrough` the gateway answers
 * the browser with PCMU and relays payloads; with `opus` it keeps Opus toward the browser and
 * transcodes Opus ⇄ PCMU. Audio is verified both ways, and the call's CDR names the bridge mode.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertBaresipHears, assertBrowserHears, sleep } from './support/audio-checks.ts';
import { browserCallsBaresip, browserHangsUp } from './support/calls.ts';
import { BARESIP_HZ, BROWSER_HZ, setUpScene, withReport, type Scene } from './support/scene.ts';

/** The session's local offer and the gateway's answer, read from the page's RTCPeerConnection. */
function descriptions(scene: Scene): Promise<{ offer: string; answer: string }> {
  return scene.phone.page.evaluate(() => {
    const pc = (window as unknown as { patchbayDemo: { session: { connection: RTCPeerConnection } } }).patchbayDemo.session.connection;
    return { offer: pc.localDescription?.sdp ?? '', answer: pc.remoteDescription?.sdp ?? '' };
  });
}

/** Payload names in the first m=audio line's order. */
function codecsOf(sdp: string): string[] {
  const pts = /^m=audio \d+ \S+ ([\d ]+)/m.exec(sdp)?.[1]?.trim().split(' ') ?? [];
  return pts.map((pt) => new RegExp(`^a=rtpmap:${pt} ([^/\\s]+)`, 'm').exec(sdp)?.[1] ?? pt);
}

const POLICIES = [
  { policy: 'passthrough', browserCodec: 'PCMU', mode: 'passthrough' },
  { policy: 'opus', browserCodec: 'opus', mode: 'transcode' },
] as const;

for (const { policy, browserCodec, mode } of POLICIES) {
  describe(`codec policy ${policy}`, () => {
    let scene: Scene;
    before(async () => {
      scene = await setUpScene({ config: { webrtc: { codec_policy: policy } } });
    });
    after(async () => {
      await scene?.close();
    });

    test(`(h) browser → baresip is bridged by ${mode}`, (t) =>
      withReport(scene, async () => {
        await browserCallsBaresip(scene);
        const { offer, answer } = await descriptions(scene);
        t.diagnostic(`browser offered ${codecsOf(offer).join(' ')}; gateway answered ${codecsOf(answer).join(' ')}`);
        assert.ok(codecsOf(offer).includes('opus') && codecsOf(offer).includes('PCMU'), 'the browser offers Opus and PCMU');
        assert.equal(codecsOf(answer)[0], browserCodec, `the gateway answers the browser with ${browserCodec}`);

        await sleep(1000);
        t.diagnostic(assertBrowserHears(await scene.phone.listen(1500), BARESIP_HZ, [BROWSER_HZ], 'browser hears baresip'));
        t.diagnostic(assertBaresipHears(scene.baresip.heardSince(undefined, [BROWSER_HZ, BARESIP_HZ], 1500), BROWSER_HZ, BARESIP_HZ, 'baresip hears the browser'));
        await browserHangsUp(scene);

        await scene.gateway.inspect.waitNoActiveCalls();
        const cdr = (await scene.gateway.inspect.cdrs()).at(-1);
        t.diagnostic(`CDR: ${JSON.stringify(cdr)}`);
        assert.equal(cdr?.bridgeMode, mode, 'bridge mode in the CDR');
        assert.equal(cdr?.legs.a.codec, browserCodec, 'the browser leg\'s codec in the CDR');
      }));
  });
}
