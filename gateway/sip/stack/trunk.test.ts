/**
 * Trunk registration against a real registrar — sipp playing one (testing/sipp-scenarios.ts):
 * it answers the first REGISTER 503 (we back off and retry), then challenges with Digest MD5,
 * verifies our credentials with `verifyauth` on every later REGISTER, grants 2 s (we refresh
 * before expiry), and sees our un-REGISTER when the Gateway stops. /health reports the trunk.
 * The config has no `server` block, so the stack binds an ephemeral port for the trunk alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Gateway } from '../../cli/gateway.ts';
import { resolveConfig } from '../../config/index.ts';
import { freePort } from '../../../testing/free-port.ts';
import { runSipp, type SippResult } from '../../../testing/sipp.ts';
import { digestRegistrarXml } from '../../../testing/sipp-scenarios.ts';
import type { TrunkRegistrationStatus } from '../registration/index.ts';

let gateway: Gateway;
let registrar: Promise<SippResult>;
const statuses: TrunkRegistrationStatus[] = [];

before(async () => {
  const port = await freePort();
  registrar = runSipp({
    scenarioXml: digestRegistrarXml({ username: 'trunkuser', password: 'trunk-secret', realm: 'sipp.test', firstExpires: 2, refreshExpires: 300 }),
    localPort: port,
    args: ['-m', '1'],
  });
  await new Promise((r) => setTimeout(r, 200));
  const config = resolveConfig({
    listen: { http: '127.0.0.1:0' },
    sip: { username: 'trunkuser', password: 'trunk-secret', host: `127.0.0.1:${port}`, expires: 60 },
    log: { level: 'silent' },
  });
  gateway = new Gateway(config);
  await gateway.start();
  gateway.sip!.on('trunk', (s) => statuses.push(s));
});

after(async () => {
  await gateway.stop();
});

/** Resolves once `n` 'registered' states were reported. */
function registeredTimes(n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (statuses.filter((s) => s.state === 'registered').length < n) return;
      gateway.sip!.off('trunk', check);
      resolve();
    };
    gateway.sip!.on('trunk', check);
    check();
  });
}

describe('trunk registration ⇄ sipp registrar', () => {
  it('backs off after 503, registers with Digest MD5, and /health counts the trunk', async () => {
    await registeredTimes(1);
    // Gateway.start keeps going after the SIP stack starts, so the first states ('registering',
    // then 'failed' on the 503) may be emitted before the test's listener is attached: look for
    // the 503 in any state reported before the registration (the retry carries it as lastError).
    const registeredAt = statuses.findIndex((s) => s.state === 'registered');
    const after503 = statuses.slice(0, registeredAt).find((s) => s.lastError === '503 Service Unavailable');
    assert.ok(after503, JSON.stringify(statuses));
    assert.ok(after503.failures >= 1);
    const registered = statuses.find((s) => s.state === 'registered')!;
    assert.equal(registered.expires, 2);
    const health = (await (await fetch(`http://127.0.0.1:${gateway.httpAddress!.port}/health`)).json()) as Record<string, unknown>;
    assert.deepEqual(health, { status: 'ok', sip_trunks: 1, sip_server: false, active_calls: 0 });
  });

  it('refreshes before the 2 s expiry with credentials sipp verifies', async () => {
    await registeredTimes(2);
    const [, second] = statuses.filter((s) => s.state === 'registered');
    assert.equal(second?.expires, 300);
    assert.equal(gateway.sip!.registeredTrunks, 1);
  });

  it('unregisters on stop; sipp counts the whole exchange as one successful call', async () => {
    await gateway.stop();
    const r = await registrar;
    assert.equal(statuses.at(-1)?.state, 'stopped');
    assert.equal(r.failed, 0, r.output.slice(-2000));
    assert.equal(r.successful, 1);
    assert.equal(r.exitCode, 0);
  });
});
