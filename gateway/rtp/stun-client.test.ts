/**
 * STUN client: message encoding and decoding (RFC 5389 §15.2 XOR-MAPPED-ADDRESS for IPv4 and
 * IPv6, RFC 3489 MAPPED-ADDRESS, error responses, strays), retransmission on the RFC schedule,
 * timeouts — and a real query against coturn (Debian's STUN/TURN server) on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { bindingRequest, queryMappedAddress, readBindingResponse, StunError } from './stun-client.ts';
import { freePort } from '../../testing/free-port.ts';
import { until } from '../../testing/until.ts';
import { stunResponder, xorMappedResponse } from './testing/stun-responder.ts';

test('a Binding request: type 0x0001, no attributes, magic cookie, our transaction id', () => {
  const tid = randomBytes(12);
  const m = bindingRequest(tid);
  assert.equal(m.length, 20);
  assert.equal(m.readUInt16BE(0), 0x0001);
  assert.equal(m.readUInt16BE(2), 0);
  assert.equal(m.readUInt32BE(4), 0x2112a442);
  assert.deepEqual(m.subarray(8), tid);
});

test('XOR-MAPPED-ADDRESS decodes for IPv4 and IPv6 (RFC 5769 §2.2/§2.3 sample responses)', () => {
  const tid = Buffer.from('b7e7a701bc34d686fa87dfae', 'hex');
  // §2.2: SOFTWARE "test vector ", XOR-MAPPED-ADDRESS 192.0.2.1:32853, MESSAGE-INTEGRITY, FINGERPRINT.
  const v4 = Buffer.from(
    '0101003c2112a442b7e7a701bc34d686fa87dfae' +
      '8022000b7465737420766563746f7220' +
      '002000080001a147e112a643' +
      '000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7' +
      '80280004c07d4c96',
    'hex',
  );
  assert.deepEqual(readBindingResponse(v4, tid), { address: '192.0.2.1', port: 32853 });
  // §2.3's XOR-MAPPED-ADDRESS: 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
  const v6 = Buffer.from('010100182112a442b7e7a701bc34d686fa87dfae' + '002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9', 'hex');
  assert.deepEqual(readBindingResponse(v6, tid), { address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
  // Our own responder's encoding decodes back (zero runs compressed as RFC 5952 says).
  const req = bindingRequest(tid);
  assert.deepEqual(readBindingResponse(xorMappedResponse(req, '2001:db8::1', 5), tid), { address: '2001:db8::1', port: 5 });
});

test('MAPPED-ADDRESS (RFC 3489 servers) is read when there is no XOR form; strays are ignored; errors are StunError', () => {
  const tid = randomBytes(12);
  const plain = Buffer.alloc(32);
  plain.writeUInt16BE(0x0101, 0);
  plain.writeUInt16BE(12, 2);
  plain.writeUInt32BE(0x2112a442, 4);
  tid.copy(plain, 8);
  plain.writeUInt16BE(0x0001, 20);
  plain.writeUInt16BE(8, 22);
  plain.writeUInt16BE(0x0001, 24);
  plain.writeUInt16BE(5060, 26);
  Buffer.from([198, 51, 100, 9]).copy(plain, 28);
  assert.deepEqual(readBindingResponse(plain, tid), { address: '198.51.100.9', port: 5060 });

  assert.equal(readBindingResponse(plain, randomBytes(12)), undefined, 'another transaction');
  assert.equal(readBindingResponse(Buffer.from([0x80, 0, 0, 0]), tid), undefined, 'RTP, not STUN');
  assert.equal(readBindingResponse(Buffer.alloc(10), tid), undefined, 'too short');

  const error = Buffer.alloc(20 + 4 + 4 + 12);
  error.writeUInt16BE(0x0111, 0);
  error.writeUInt16BE(20, 2);
  error.writeUInt32BE(0x2112a442, 4);
  tid.copy(error, 8);
  error.writeUInt16BE(0x0009, 20);
  error.writeUInt16BE(16, 22);
  error[26] = 4;
  error[27] = 20;
  Buffer.from('Unknown Attr', 'utf8').copy(error, 28);
  assert.throws(() => readBindingResponse(error, tid), (e: Error) => e instanceof StunError && /420 Unknown Attr/.test(e.message));

  const bare = Buffer.from(plain.subarray(0, 20));
  bare.writeUInt16BE(0, 2);
  assert.throws(() => readBindingResponse(bare, tid), /no mapped address/);
  const truncated = Buffer.from(plain);
  truncated.writeUInt16BE(40, 2);
  assert.throws(() => readBindingResponse(truncated, tid), /truncated/);
});

test('queryMappedAddress: retransmits on the RFC 5389 schedule until answered', async () => {
  const seen: number[] = [];
  const started = Date.now();
  const server = await stunResponder((req) => {
    seen.push(Date.now() - started);
    return seen.length < 3 ? undefined : xorMappedResponse(req, '203.0.113.7', 40_000);
  });
  try {
    const mapped = await queryMappedAddress({ host: '127.0.0.1', port: server.port }, { bindAddress: '127.0.0.1', rtoMs: 100, timeoutMs: 5000 });
    assert.deepEqual(mapped, { address: '203.0.113.7', port: 40_000 });
    assert.equal(seen.length, 3);
    // Sent at 0, then after the RTO (100 ms), then after twice that: the third no sooner than ~300 ms
    // after the first (a lower bound only: a loaded machine may be later, never earlier).
    assert.ok(seen[2]! - seen[0]! >= 250, `requests at ${seen.join(', ')} ms`);
  } finally {
    await server.close();
  }
});

test('queryMappedAddress: nobody answers → StunError after the timeout; a bad host → StunError', async () => {
  const silent: Socket = createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  try {
    const t0 = Date.now();
    await assert.rejects(
      queryMappedAddress({ host: '127.0.0.1', port: silent.address().port }, { bindAddress: '127.0.0.1', timeoutMs: 400 }),
      (e: Error) => e instanceof StunError && /no answer from STUN server/.test(e.message),
    );
    assert.ok(Date.now() - t0 >= 380);
  } finally {
    silent.close();
  }
  await assert.rejects(queryMappedAddress({ host: 'no-such-host.invalid', port: 3478 }, { timeoutMs: 400 }), StunError);
});

test('a real STUN server (coturn) tells us our loopback address and port', async () => {
  const port = await freePort();
  const coturn = spawn(
    'turnserver',
    ['-n', '--listening-ip', '127.0.0.1', '--listening-port', String(port), '--stun-only', '--no-cli', '--no-tls', '--no-dtls', '--log-file', 'stdout', '--simple-log'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  coturn.stdout.on('data', (d) => (out += String(d)));
  coturn.stderr.on('data', (d) => (out += String(d)));
  const exited = new Promise((r) => coturn.once('exit', r));
  try {
    await until(() => /Total (General|UDP) servers|IPv4\. UDP listener opened|listener opened on/i.test(out) || coturn.exitCode !== null, 10_000, 'coturn listening');
    assert.equal(coturn.exitCode, null, `coturn exited: ${out.slice(-500)}`);
    let mapped: { address: string; port: number } | undefined;
    for (let i = 0; i < 10 && !mapped; i++) {
      mapped = await queryMappedAddress({ host: '127.0.0.1', port }, { bindAddress: '127.0.0.1', timeoutMs: 1000 }).catch(() => undefined);
    }
    assert.ok(mapped, `no answer from coturn: ${out.slice(-500)}`);
    assert.equal(mapped.address, '127.0.0.1');
    assert.ok(mapped.port > 0);
  } finally {
    coturn.kill('SIGTERM');
    await exited;
  }
});
