/**
 * Issue 4 e2e (f): the browser calls out through a trunk whose far end is sipp acting as a
 * carrier that demands digest auth — on REGISTER (401) and on INVITE (407). The call must connect
 * (the browser hears its own tone echoed by the carrier's RTP echo), end cleanly when the person
 * hangs up (BYE answered 200), and leave no call behind at the gateway.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertBrowserHears, sleep } from './support/audio-checks.ts';
import { assertNothingLeft } from './support/calls.ts';
import { BROWSER_HZ, setUpScene, withReport, type Scene } from './support/scene.ts';
import { SippCarrier, parseTrace, verifyDigest } from './support/sipp-carrier.ts';

/** Waits until /health counts `n` registered trunks. */
async function waitTrunks(scene: Scene, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = await (await fetch(`${scene.gateway.httpUrl}/health`)).json();
    if ((last as { sip_trunks?: number }).sip_trunks === n) return;
    await sleep(100);
  }
  throw new Error(`trunk not registered within ${timeoutMs} ms: /health ${JSON.stringify(last)}`);
}

describe('browser → trunk → sipp carrier with digest auth', () => {
  let carrier: SippCarrier;
  let scene: Scene;
  before(async () => {
    carrier = await SippCarrier.start();
    const { username, password } = carrier.credentials;
    scene = await setUpScene({
      baresip: false,
      config: {
        trunks: [{ name: 'carrier', username, password, host: `127.0.0.1:${carrier.port}`, transport: 'udp' }],
        routes: [{ name: 'out via carrier', to: '^9(\\d+)$', source: 'user', target: { trunk: 'carrier', number: '$1' } }],
      },
    });
  });
  after(async () => {
    await scene?.close();
    await carrier?.stop();
  });

  test('(f) the call connects through the authenticated trunk and ends cleanly', (t) =>
    withReport(scene, async () => {
      await waitTrunks(scene, 1);
      await scene.phone.call('9555');
      await scene.phone.waitCallState('connected');
      await sleep(1000);
      t.diagnostic(assertBrowserHears(await scene.phone.listen(1500), BROWSER_HZ, [440, 600], 'browser hears its tone echoed by the carrier'));
      await scene.phone.hangup();
      await scene.phone.waitCallState('ended');
      t.diagnostic(await assertNothingLeft(scene));

      const { trace, successful, failed, exitCode } = await carrier.stop();
      const messages = parseTrace(trace);
      t.diagnostic(`sipp (${successful} scenario runs ok, ${failed} failed, exit ${exitCode}): ${messages.map((m) => `${m.direction === 'sent' ? '→' : '←'} ${m.firstLine.replace(/ SIP\/2\.0$|^SIP\/2\.0 /g, '')}`).join(', ')}`);
      const received = messages.filter((m) => m.direction === 'received');
      const register = received.find((m) => m.firstLine.startsWith('REGISTER') && /^Authorization:/im.test(m.text));
      assert.ok(register, 'REGISTER answered the 401 with credentials');
      const invites = received.filter((m) => /^INVITE sip:555@/.test(m.firstLine));
      assert.equal(invites.length, 2, 'an INVITE to 555 (the dialed 9555 minus the route prefix), then one with credentials');
      const digest = verifyDigest(invites[1]!.text, 'Proxy-Authorization', carrier.credentials.password);
      assert.deepEqual(digest, { username: carrier.credentials.username, ok: true }, 'the INVITE\'s Proxy-Authorization digest is right');
      assert.ok(!messages.some((m) => m.firstLine.includes('403')), 'the carrier rejected a digest');
      assert.ok(received.some((m) => m.firstLine.startsWith('BYE')), 'the gateway sent BYE to the carrier');
      assert.equal(failed, 0, 'a sipp scenario run failed');
    }));
});
