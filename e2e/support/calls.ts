/**
 * e2e harness: the call set-ups and tear-downs the specs share, each done the way a person (page)
 * or a phone (baresip ctrl) would, waiting on both ends: browser 1001 → baresip 1002, baresip →
 * browser (the page answers), hang up from either side, and "nothing left behind" (no active call
 * at the gateway, its UDP sockets back to the idle set — so no RTP port or WebRTC socket leaked).
 */
import assert from 'node:assert/strict';
import { udpPortsOf } from './inspect.ts';
import type { Scene } from './scene.ts';

/** The browser dials baresip (1002); resolves once both ends report the call up. */
export async function browserCallsBaresip(scene: Scene): Promise<void> {
  const since = scene.baresip.eventCount;
  await scene.phone.call('1002');
  await scene.phone.waitCallState('connected');
  await scene.baresip.waitEvent('CALL_ESTABLISHED', 15_000, since);
}

/** baresip dials 1001 at the gateway; the page shows the caller and a person clicks Answer. */
export async function baresipCallsBrowser(scene: Scene): Promise<string> {
  const since = scene.baresip.eventCount;
  await scene.baresip.dial(`sip:1001@127.0.0.1:${scene.gateway.sipPort}`);
  const closed = scene.baresip.waitEvent('CALL_CLOSED', 15_000, since).then(
    (e) => Promise.reject(new Error(`baresip's call closed before the page rang: ${e.param ?? ''}`)),
    () => new Promise<never>(() => undefined),
  );
  const from = await Promise.race([scene.phone.answer(15_000), closed]);
  await scene.phone.waitCallState('connected');
  await scene.baresip.waitEvent('CALL_ESTABLISHED', 15_000, since);
  return from;
}

/** The person clicks Hang up; baresip sees the call close. */
export async function browserHangsUp(scene: Scene): Promise<void> {
  const since = scene.baresip.eventCount;
  await scene.phone.hangup();
  await scene.phone.waitCallState('ended');
  await scene.baresip.waitEvent('CALL_CLOSED', 10_000, since);
}

/** baresip hangs up; the page shows the call ended. */
export async function baresipHangsUp(scene: Scene): Promise<void> {
  const since = scene.baresip.eventCount;
  await scene.baresip.command('hangup');
  await scene.baresip.waitEvent('CALL_CLOSED', 10_000, since);
  await scene.phone.waitCallState('ended');
}

/** The gateway has no active call and holds exactly the UDP sockets it held before any call. */
export async function assertNothingLeft(scene: Scene, timeoutMs = 5000): Promise<string> {
  const active = await scene.gateway.inspect.waitNoActiveCalls(timeoutMs);
  assert.equal(active, 0, 'the gateway still reports an active call');
  const deadline = Date.now() + timeoutMs;
  let ports = udpPortsOf(scene.gateway.pid);
  while (ports.join() !== scene.idleUdpPorts.join() && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    ports = udpPortsOf(scene.gateway.pid);
  }
  const [lo, hi] = scene.gateway.rtpRange;
  const rtp = ports.filter((p) => p >= lo && p <= hi);
  assert.deepEqual(rtp, [], `RTP ports still allocated in ${lo}–${hi}`);
  assert.deepEqual(ports, scene.idleUdpPorts, 'the gateway holds UDP sockets it did not hold before the call');
  return `active calls 0; UDP sockets ${ports.join(', ')} (as before the call); RTP range ${lo}–${hi} free`;
}

/** After a test (passed or not): hang up whatever call is still up, so the next test starts clean. */
export async function endAnyCall(scene: Scene | undefined): Promise<void> {
  if (!scene) return;
  const hangup = scene.phone.page.getByTestId('hangup');
  if (await hangup.isEnabled().catch(() => false)) {
    await hangup.click().catch(() => undefined);
    await scene.phone.waitCallState('ended', 5000).catch(() => undefined);
  }
  const incoming = scene.phone.page.getByTestId('decline');
  if (await incoming.isVisible().catch(() => false)) await incoming.click().catch(() => undefined);
  await scene.gateway.inspect.waitNoActiveCalls(5000).catch(() => undefined);
}
