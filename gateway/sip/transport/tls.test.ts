/**
 * TransportLayer over real TLS on 127.0.0.1 with a throwaway self-signed certificate made by
 * `openssl` for this run: certificate from files and inline PEM, request out and response back
 * over the same connection, and an untrusted server certificate surfacing as TransportError.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRequest, createResponse } from '../message/index.ts';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.ts';
import { TransportError } from './errors.ts';
import { TransportLayer } from './transport-layer.ts';
import type { ReceivedFrom } from './types.ts';

let dir = '';
let certPath = '';
let keyPath = '';
let cert = '';
const layers: TransportLayer[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-tls-'));
  certPath = join(dir, 'cert.pem');
  keyPath = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath,
      '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: 'ignore' },
  );
  cert = readFileSync(certPath, 'utf8');
});

after(async () => {
  await Promise.all(layers.map((l) => l.close()));
  rmSync(dir, { recursive: true, force: true });
});

function options(callId: string): SipRequest {
  return createRequest({
    method: 'OPTIONS',
    uri: 'sips:gw@127.0.0.1',
    headers: {
      Via: 'SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKtls1',
      From: '<sips:alice@example.com>;tag=a1',
      To: '<sips:gw@127.0.0.1>',
      'Call-ID': callId,
      CSeq: '1 OPTIONS',
    },
  });
}

describe('TLS transport', () => {
  it('carries a request and its response over one TLS connection (cert from files, CA trusted by the client)', async () => {
    const server = new TransportLayer();
    const client = new TransportLayer({ tlsClient: { ca: cert } });
    layers.push(server, client);
    await server.listen({ tls: { host: '127.0.0.1', port: 0, certPath, keyPath } });
    const port = server.listeningEndpoint('tls')!.port;
    const arrival = once(server, 'message') as Promise<[SipMessage, ReceivedFrom]>;
    await client.send(options('tls-1'), { protocol: 'tls', address: '127.0.0.1', port });
    const [request, source] = await arrival;
    assert.equal(source.protocol, 'tls');
    assert.match(source.connectionId!, /^tls-/);
    const back = once(client, 'message') as Promise<[SipMessage, ReceivedFrom]>;
    await server.send(createResponse(request as SipRequest, 200, undefined, { toTag: 's' }), source);
    const [response, from] = await back;
    assert.equal((response as SipResponse).status, 200);
    assert.equal(from.protocol, 'tls');
    assert.equal(client.getStats().connections, 1);
  });

  it('accepts inline PEM, and an untrusted certificate fails the send with TransportError', async () => {
    const server = new TransportLayer();
    const untrusting = new TransportLayer();
    layers.push(server, untrusting);
    await server.listen({ tls: { host: '127.0.0.1', port: 0, cert, key: readFileSync(keyPath) } });
    const port = server.listeningEndpoint('tls')!.port;
    await assert.rejects(
      untrusting.send(options('tls-2'), { protocol: 'tls', address: '127.0.0.1', port }),
      (e: unknown) => e instanceof TransportError && e.destination?.port === port,
    );
    assert.equal(untrusting.getStats().connections, 0);
  });

  it('gives up a connect that never completes with ETIMEDOUT (a TCP peer that never speaks TLS)', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const client = new TransportLayer({ connectTimeoutMs: 100, tlsClient: { ca: cert } });
    layers.push(client);
    await assert.rejects(
      client.send(options('tls-3'), { protocol: 'tls', address: '127.0.0.1', port }),
      (e: unknown) => e instanceof TransportError && e.code === 'ETIMEDOUT',
    );
    for (const s of held) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it('refuses to listen without a certificate', async () => {
    const layer = new TransportLayer();
    layers.push(layer);
    await assert.rejects(layer.listen({ tls: { host: '127.0.0.1', port: 0, keyPath } }), /certificate/);
  });
});
