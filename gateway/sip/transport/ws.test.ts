/**
 * SIP over WebSocket (RFC 7118) on a real Node http server on 127.0.0.1: the `sip` subprotocol
 * is required at `/sip`, other WebSocket routes on the same server keep working, one message per
 * text or binary frame both ways, responses and requests reach the browser over its connection,
 * CRLF pings get a pong, and closing shows up as connectionClosed.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, describe, it } from 'node:test';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { createRequest, createResponse, getHeaders, parseMessage, serializeMessage } from '../message/index.ts';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.ts';
import { TransportError } from './errors.ts';
import { TransportLayer } from './transport-layer.ts';
import type { ReceivedFrom } from './types.ts';

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

async function httpServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { server, port: (server.address() as { port: number }).port };
}

function register(callId: string): SipRequest {
  return createRequest({
    method: 'REGISTER',
    uri: 'sip:127.0.0.1',
    headers: {
      Via: 'SIP/2.0/WS df7jal23ls0d.invalid;rport;branch=z9hG4bKws1',
      From: '<sip:alice@127.0.0.1>;tag=a1',
      To: '<sip:alice@127.0.0.1>',
      'Call-ID': callId,
      CSeq: '1 REGISTER',
      Contact: '<sip:x@df7jal23ls0d.invalid;transport=ws>',
    },
  });
}

function frames(ws: WebSocket) {
  const got: Array<{ text: string; binary: boolean }> = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data: RawData, binary: boolean) => {
    got.push({ text: Buffer.isBuffer(data) ? data.toString('utf8') : String(data), binary });
    waiters.splice(0).forEach((w) => w());
  });
  return {
    async next() {
      while (got.length === 0) await new Promise<void>((r) => waiters.push(r));
      return got.shift()!;
    },
  };
}

async function open(url: string, protocols?: string | string[]): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols);
  cleanup.push(() => ws.terminate());
  await once(ws, 'open');
  return ws;
}

describe('WebSocket transport (RFC 7118)', () => {
  it('exchanges requests and responses with a browser-style client over its connection', async () => {
    const { server, port } = await httpServer();
    const layer = new TransportLayer();
    cleanup.push(() => layer.close());
    await layer.listen({ ws: { server } });
    assert.equal(layer.listeningEndpoint('ws')!.port, port);

    const ws = await open(`ws://127.0.0.1:${port}/sip`, 'sip');
    assert.equal(ws.protocol, 'sip');
    const inbox = frames(ws);
    const arrival = once(layer, 'message') as Promise<[SipMessage, ReceivedFrom]>;
    ws.send(serializeMessage(register('ws-1')).toString('utf8'));
    const [request, source] = await arrival;
    assert.equal(source.protocol, 'ws');
    assert.match(source.connectionId!, /^ws-/);
    assert.equal(source.address, '127.0.0.1');
    assert.deepEqual(getHeaders(request, 'Via'), [
      `SIP/2.0/WS df7jal23ls0d.invalid;rport=${source.port};branch=z9hG4bKws1;received=127.0.0.1`,
    ]);

    await layer.send(createResponse(request as SipRequest, 200, undefined, { toTag: 'r' }), source);
    const reply = await inbox.next();
    assert.equal(reply.binary, false, 'text frame for a UTF-8 message');
    assert.equal((parseMessage(Buffer.from(reply.text)) as SipResponse).status, 200);

    // A request from us to the browser, addressed by connection id.
    const invite = createRequest({
      method: 'OPTIONS',
      uri: 'sip:x@df7jal23ls0d.invalid;transport=ws',
      headers: {
        Via: 'SIP/2.0/WS 127.0.0.1;branch=z9hG4bKtoBrowser',
        From: '<sip:gw@127.0.0.1>;tag=g',
        To: '<sip:alice@127.0.0.1>',
        'Call-ID': 'to-browser',
        CSeq: '1 OPTIONS',
      },
    });
    await layer.send(invite, { protocol: 'ws', address: 'df7jal23ls0d.invalid', port: 0, connectionId: source.connectionId });
    assert.equal((parseMessage(Buffer.from((await inbox.next()).text)) as SipRequest).method, 'OPTIONS');

    // Binary frames carry messages too; a CRLFCRLF frame is a ping answered with CRLF.
    const second = once(layer, 'message') as Promise<[SipMessage, ReceivedFrom]>;
    ws.send(serializeMessage(register('ws-binary')), { binary: true });
    assert.deepEqual(getHeaders((await second)[0], 'Call-ID'), ['ws-binary']);
    ws.send('\r\n\r\n');
    assert.equal((await inbox.next()).text, '\r\n');

    // A broken request in a frame gets a 400 in a frame.
    ws.send(serializeMessage(register('ws-bad')).toString('utf8').replace('CSeq: 1 REGISTER', 'CSeq: 1 REGISTER\r\nMax-Forwards: x'));
    const bad = parseMessage(Buffer.from((await inbox.next()).text)) as SipResponse;
    assert.equal(bad.status, 400);

    const closed = once(layer, 'connectionClosed');
    ws.close();
    const [closedId, remote] = await closed;
    assert.equal(closedId, source.connectionId);
    assert.equal(remote.protocol, 'ws');
    await assert.rejects(
      layer.send(invite, { protocol: 'ws', address: 'df7jal23ls0d.invalid', port: 0, connectionId: source.connectionId }),
      (e: unknown) => e instanceof TransportError && e.code === 'ECLOSED',
    );
  });

  it('refuses /sip without the sip subprotocol and leaves other WebSocket routes alone', async () => {
    const { server, port } = await httpServer();
    const other = new WebSocketServer({ noServer: true });
    cleanup.push(() => new Promise<void>((r) => other.close(() => r())));
    server.on('upgrade', (req, socket, head) => {
      if (req.url === '/other') other.handleUpgrade(req, socket, head, (ws) => ws.on('message', (d) => ws.send(`echo ${d}`)));
    });
    other.on('error', () => {});
    const layer = new TransportLayer();
    cleanup.push(() => layer.close());
    await layer.listen({ ws: { server } });

    const refused = new WebSocket(`ws://127.0.0.1:${port}/sip`, 'chat');
    refused.on('error', () => {});
    const [, res] = (await once(refused, 'unexpected-response')) as [unknown, { statusCode: number }];
    assert.equal(res.statusCode, 400);
    refused.terminate();

    const echo = await open(`ws://127.0.0.1:${port}/other`);
    const inbox = frames(echo);
    echo.send('hi');
    assert.equal((await inbox.next()).text, 'echo hi');
    assert.equal(layer.getStats().connections, 0);
  });

  it('exposes handleUpgrade for servers that route upgrades themselves', async () => {
    const { server, port } = await httpServer();
    const layer = new TransportLayer();
    cleanup.push(() => layer.close());
    await layer.listen({ ws: { path: '/sip' } });
    const handled: boolean[] = [];
    server.on('upgrade', (req, socket, head) => {
      const mine = layer.handleUpgrade(req, socket, head);
      handled.push(mine);
      if (!mine) socket.destroy();
    });
    const stranger = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`, 'sip');
    stranger.on('error', () => {}); // socket hang up: nobody took the upgrade
    await new Promise((resolve) => stranger.on('close', resolve));
    const ws = await open(`ws://127.0.0.1:${port}/sip?token=abc`, ['foo', 'sip']);
    assert.equal(ws.protocol, 'sip');
    assert.deepEqual(handled, [false, true]);
    assert.equal(layer.getStats().connections, 1);
  });
});
