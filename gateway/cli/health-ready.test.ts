/**
 * /health must not say "ok" before the call engine runs: a client that waits for ok and then calls
 * POST /v1/calls got 503 "engine not running". Its own file, so the process is fresh: the engine's
 * start then waits for real I/O (compiling the resampler) after the SIP stack is up — the window
 * this test watches turn by turn.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../config/index.ts';
import { freePort } from '../../testing/free-port.ts';
import { Gateway } from './gateway.ts';

test('/health says ok only once the call engine takes calls (it once did as soon as the SIP sockets were bound)', async () => {
  const gw = new Gateway(
      resolveConfig({ listen: { http: '127.0.0.1:0' }, server: { listen: `0.0.0.0:${await freePort()}`, peers: [{ name: 'lab', host: '127.0.0.1' }] }, log: { level: 'silent' } }),
  );
  const starting = gw.start();
  // Watch every turn of the event loop from the moment the SIP stack exists until start() is done.
  let done = false;
  void starting.finally(() => (done = true));
  const seen: string[] = [];
  while (!done) {
    if (gw.sip) seen.push(`${gw.health().sip_server ? 'ok' : 'starting'}/${gw.calls ? 'engine' : 'no-engine'}`);
    await new Promise((r) => setImmediate(r));
  }
  await starting;
  try {
    assert.ok(seen.length > 0, 'saw the gateway between its SIP stack and its call engine');
    assert.equal(seen.filter((s) => s === 'ok/no-engine').length, 0, 'turns where health said ok without a call engine');
    assert.equal(gw.health().sip_server, true);
  } finally {
    await gw.stop();
  }
});
