/**
 * Trunks.connectionClosed: which closed connections make a trunk register again — those to its
 * registrar's next hop (transport, address — a name is resolved — and port, 5061 for TLS when
 * none is written); never for UDP trunks or unrelated connections.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UserAgent } from '../ua/index.ts';
import { Trunks } from './trunks.ts';

function setup() {
  // The user agent is only used to send, which these tests never do (the trunks are not started).
  const trunks = new Trunks({
    ua: {} as UserAgent,
    trunks: [
      { name: 'tls-ip', username: 'a', password: 'x', host: '127.0.0.1', transport: 'tls' },
      { name: 'tcp-name', username: 'b', password: 'x', host: 'localhost:5070', transport: 'tcp' },
      { name: 'udp', username: 'c', password: 'x', host: '127.0.0.1:5060', transport: 'udp' },
    ],
  });
  const calls: string[] = [];
  for (const name of ['tls-ip', 'tcp-name', 'udp']) trunks.get(name)!.connectionClosed = () => void calls.push(name);
  return { trunks, calls };
}

test('a closed connection to a trunk registrar makes that trunk register again', async () => {
  const { trunks, calls } = setup();
  await trunks.connectionClosed({ protocol: 'tls', address: '127.0.0.1', port: 5061, connectionId: 'tls-1' });
  assert.deepEqual(calls, ['tls-ip'], 'TLS without a port is 5061');
  await trunks.connectionClosed({ protocol: 'tcp', address: '127.0.0.1', port: 5070, connectionId: 'tcp-2' });
  assert.deepEqual(calls, ['tls-ip', 'tcp-name'], 'a host name is resolved (localhost)');
  await trunks.connectionClosed({ protocol: 'tls', address: '::ffff:127.0.0.1', port: 5061, connectionId: 'tls-3' });
  assert.deepEqual(calls, ['tls-ip', 'tcp-name', 'tls-ip'], 'IPv4-mapped addresses match');
});

test('other connections do not: another port, another transport, another address', async () => {
  const { trunks, calls } = setup();
  await trunks.connectionClosed({ protocol: 'tls', address: '127.0.0.1', port: 5060 });
  await trunks.connectionClosed({ protocol: 'tcp', address: '127.0.0.1', port: 5061 });
  await trunks.connectionClosed({ protocol: 'tls', address: '127.0.0.2', port: 5061 });
  await trunks.connectionClosed({ protocol: 'ws', address: '127.0.0.1', port: 5060 });
  assert.deepEqual(calls, []);
  await trunks.stop();
  await trunks.connectionClosed({ protocol: 'tls', address: '127.0.0.1', port: 5061 });
  assert.deepEqual(calls, [], 'nothing after stop');
});

test('registered trunks get a keep-alive toward their registrar every keepAliveMs; unregistered ones do not; stop ends them', async () => {
  const sent: string[] = [];
  const trunks = new Trunks({
    ua: {} as UserAgent,
    trunks: [
      { name: 'tls-ip', username: 'a', password: 'x', host: '127.0.0.1', transport: 'tls' },
      { name: 'udp', username: 'c', password: 'x', host: '127.0.0.1:5080', transport: 'udp' },
      { name: 'down', username: 'd', password: 'x', host: '127.0.0.1:5090', transport: 'tcp' },
    ],
    keepAlive: async (d) => void sent.push(`${d.protocol} ${d.address}:${d.port}`),
    keepAliveMs: 20,
  });
  for (const name of ['tls-ip', 'udp', 'down']) {
    const r = trunks.get(name)!;
    r.start = () => {};
    Object.defineProperty(r, 'registered', { get: () => name !== 'down' });
  }
  trunks.start();
  const deadline = Date.now() + 5000;
  while (sent.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(sent.includes('tls 127.0.0.1:5061'), sent.join(', '));
  assert.ok(sent.includes('udp 127.0.0.1:5080'));
  assert.ok(!sent.some((s) => s.endsWith(':5090')), 'not for a trunk that is not registered');
  for (const name of ['tls-ip', 'udp', 'down']) trunks.get(name)!.stop = async () => {};
  await trunks.stop();
  const n = sent.length;
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(sent.length, n, 'no keep-alive after stop');
});
