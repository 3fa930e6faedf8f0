/**
 * JsSIP 3.x running in Node (testing/jssip-node.ts) against a running Gateway's SIP over
 * WebSocket endpoint (RFC 7118, ws://…/sip on the HTTP port): REGISTER with Digest (a
 * connection-bound binding with RFC 5626 instance and reg-id), a call from JsSIP that our UA
 * answers, a call from our UA routed over its WebSocket to its `.invalid` Contact, and the
 * binding dropped when the WebSocket closes without un-REGISTER.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { Gateway } from '../../cli/gateway.ts';
import { resolveConfig } from '../../config/index.ts';
import { freePort } from '../../../testing/free-port.ts';
import { JsSipClient } from '../../../testing/jssip-node.ts';
import { CallAnswerer } from '../../../testing/sip-answerer.ts';
import type { Binding, RegistrationChange } from '../registrar/index.ts';
import type { Dialog, IncomingInvite } from '../index.ts';

let gateway: Gateway;
let answerer: CallAnswerer;
let wsUrl = '';
let sipPort = 0;
const clients: JsSipClient[] = [];

before(async () => {
  sipPort = await freePort();
  const config = resolveConfig({
    listen: { http: '127.0.0.1:0' },
    server: { listen: `127.0.0.1:${sipPort}` },
    directory: { users: [{ username: '1003', password: 'web-1003' }] },
    log: { level: 'silent' },
  });
  gateway = new Gateway(config);
  await gateway.start();
  answerer = new CallAnswerer(gateway.sip!.ua);
  wsUrl = `ws://127.0.0.1:${gateway.httpAddress!.port}/sip`;
});

after(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await gateway.stop();
});

describe('JsSIP over WebSocket ⇄ Gateway', () => {
  let client: JsSipClient;
  let binding: Binding;

  it('registers with Digest; the binding is bound to its WebSocket connection', async () => {
    client = await JsSipClient.start({ wsUrl, uri: 'sip:1003@127.0.0.1', password: 'web-1003' });
    clients.push(client);
    [binding] = gateway.sip!.location.lookup('1003') as [Binding];
    assert.ok(binding, 'a binding for 1003');
    assert.equal(binding.source.protocol, 'ws');
    assert.match(binding.source.connectionId ?? '', /^ws-/);
    assert.match(binding.contact, /^sip:[^@]+@[^;]+\.invalid;transport=ws$/);
    assert.equal(binding.regId, 1);
    assert.match(binding.instanceId ?? '', /^urn:uuid:/);
    assert.match(binding.userAgent ?? '', /JsSIP/);
  });

  it('/health reports the SIP server', async () => {
    const health = (await (await fetch(`http://127.0.0.1:${gateway.httpAddress!.port}/health`)).json()) as Record<string, unknown>;
    assert.deepEqual(health, { status: 'ok', sip_trunks: 0, sip_server: true, active_calls: 0 });
  });

  it('a second client of the same user adds a second binding; closing its WebSocket removes only that one', async () => {
    const second = await JsSipClient.start({ wsUrl, uri: 'sip:1003@127.0.0.1', password: 'web-1003' });
    clients.push(second);
    const both = gateway.sip!.location.lookup('1003');
    assert.equal(both.length, 2);
    assert.notEqual(both[0]!.source.connectionId, both[1]!.source.connectionId);
    const change = once(gateway.sip!, 'registration') as Promise<[RegistrationChange]>;
    second.dropConnection();
    const [{ bindings }] = await change;
    assert.deepEqual(bindings.map((b) => b.contact), [binding.contact]);
  });

  it('a registration with a wrong password is refused', async () => {
    await assert.rejects(JsSipClient.start({ wsUrl, uri: 'sip:1003@127.0.0.1', password: 'wrong' }), /registration failed/);
  });

  it('calls our UA over the WebSocket and we answer', async () => {
    const answered = once(answerer, 'answered') as Promise<[Dialog, IncomingInvite]>;
    const session = await client.call(`sip:1001@127.0.0.1`);
    const [dialog, call] = await answered;
    assert.equal(call.source.protocol, 'ws');
    assert.equal(call.source.connectionId, binding.source.connectionId);
    const bye = once(answerer, 'bye');
    session.terminate();
    await bye;
    assert.equal(dialog.endReason, 'bye');
  });

  it('receives a call from our UA at its .invalid Contact over its WebSocket, and our BYE', async () => {
    const incoming = once(client, 'incoming');
    const dialog = await gateway.sip!.ua.invite({ target: binding.contact, sdp: answerer.sdpFor(undefined), destination: binding.source }).result();
    const [session] = (await incoming) as [Parameters<typeof JsSipClient.ended>[0]];
    assert.match(dialog.remoteTarget, /\.invalid;transport=ws/);
    const ended = JsSipClient.ended(session);
    const bye = await dialog.bye();
    assert.equal(bye?.status, 200);
    assert.equal(await ended, 'remote:Terminated');
  });

  it('drops the binding when the WebSocket closes without un-REGISTER', async () => {
    const change = once(gateway.sip!, 'registration') as Promise<[RegistrationChange]>;
    client.dropConnection();
    const [{ aor, bindings }] = await change;
    assert.equal(aor, '1003');
    assert.deepEqual(bindings, []);
    assert.deepEqual(gateway.sip!.location.lookup('1003'), []);
  });
});
