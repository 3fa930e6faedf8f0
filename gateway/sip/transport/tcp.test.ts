/**
 * TransportLayer over real TCP on 127.0.0.1: connect on demand and reuse, responses back over the
 * request's connection (and the §18.2.2 fallback when it closed), stream framing of split and
 * coalesced data, CRLF keep-alive pong, 400 on a stream, closing on framing errors,
 * connectionClosed, idle reaping, ECONNREFUSED as TransportError, and releasing the port.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { createRequest, createResponse, getHeaders, serializeMessage } from '../message/index.ts';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.ts';
import { TransportError } from './errors.ts';
import { TransportLayer } from './transport-layer.ts';
import type { ReceivedFrom, TransportLayerOptions } from './types.ts';

const layers: TransportLayer[] = [];
async function tcpLayer(options: TransportLayerOptions = {}): Promise<{ layer: TransportLayer; port: number }> {
  const layer = new TransportLayer(options);
  layers.push(layer);
  await layer.listen({ tcp: { host: '127.0.0.1', port: 0 } });
  return { layer, port: layer.listeningEndpoint('tcp')!.port };
}
after(async () => {
  await Promise.all(layers.map((l) => l.close()));
});

function message(callId: string, via: string): SipRequest {
  return createRequest({
    method: 'MESSAGE',
    uri: 'sip:bob@127.0.0.1',
    headers: {
      Via: via,
      From: '<sip:alice@example.com>;tag=a1',
      To: '<sip:bob@127.0.0.1>',
      'Call-ID': callId,
      CSeq: '1 MESSAGE',
      'Content-Type': 'text/plain',
    },
    body: `hello ${callId}`,
  });
}

function collect(layer: TransportLayer) {
  const got: Array<[SipMessage, ReceivedFrom]> = [];
  const waiters: Array<() => void> = [];
  layer.on('message', (m, s) => {
    got.push([m, s]);
    waiters.splice(0).forEach((w) => w());
  });
  return {
    got,
    async count(n: number) {
      while (got.length < n) await new Promise<void>((r) => waiters.push(r));
      return got;
    },
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function rawClient(port: number) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let data = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (d) => {
    data += d.toString('latin1');
    waiters.splice(0).forEach((w) => w());
  });
  return {
    socket,
    async until(pred: (s: string) => boolean) {
      while (!pred(data)) await new Promise<void>((r) => waiters.push(r));
      return data;
    },
    take() {
      const d = data;
      data = '';
      return d;
    },
  };
}

describe('TCP transport', () => {
  it('connects on demand, reuses the connection, and answers over the same connection', async () => {
    const a = await tcpLayer();
    const b = await tcpLayer();
    const atB = collect(b.layer);
    const atA = collect(a.layer);
    const opened: string[] = [];
    a.layer.on('connectionOpened', (id) => opened.push(id));
    const dest = { protocol: 'tcp' as const, address: '127.0.0.1', port: b.port };
    // Nobody listens at the sent-by port: a response can only arrive over the open connection.
    const via = (n: number) => `SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKtcp${n}`;
    await Promise.all([a.layer.send(message('c1', via(1)), dest), a.layer.send(message('c2', via(2)), dest)]);
    await a.layer.send(message('c3', via(3)), dest);
    const got = await atB.count(3);
    assert.deepEqual(opened.length, 1, 'concurrent sends share one connect');
    assert.equal(a.layer.getStats().connections, 1);
    assert.equal(new Set(got.map(([, s]) => s.connectionId)).size, 1);
    const [request, source] = got[0]!;
    assert.equal(source.protocol, 'tcp');
    assert.match(source.connectionId!, /^tcp-/);
    assert.equal(request.body.toString(), 'hello c1');
    assert.deepEqual(getHeaders(request, 'Via'), ['SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKtcp1']);

    await b.layer.send(createResponse(request as SipRequest, 200, undefined, { toTag: 'b' }), source);
    const [[response, from]] = await atA.count(1);
    assert.equal((response as SipResponse).status, 200);
    assert.equal(from.connectionId, opened[0]);
    assert.equal(b.layer.getStats().connections, 1);
  });

  it('falls back to the Via sent-by port when the request connection has closed (§18.2.2)', async () => {
    const a = await tcpLayer();
    const b = await tcpLayer();
    const atB = collect(b.layer);
    const atA = collect(a.layer);
    const outbound: string[] = [];
    a.layer.on('connectionOpened', (id) => outbound.push(id));
    await a.layer.send(message('fb', `SIP/2.0/TCP 127.0.0.1:${a.port};branch=z9hG4bKfb`), {
      protocol: 'tcp',
      address: '127.0.0.1',
      port: b.port,
    });
    const [[request, source]] = await atB.count(1);
    const closed = once(b.layer, 'connectionClosed');
    // A drops its outbound connection; B's response must find another way.
    assert.equal(a.layer.closeConnection(outbound[0]!), true);
    assert.equal(a.layer.closeConnection(outbound[0]!), false);
    const [closedId] = await closed;
    assert.equal(b.layer.hasConnection(closedId), false);
    assert.equal(closedId, source.connectionId);
    await b.layer.send(createResponse(request as SipRequest, 202, undefined, { toTag: 'b' }), source);
    const [[response, from]] = await atA.count(1);
    assert.equal((response as SipResponse).status, 202);
    assert.notEqual(from.connectionId, undefined);
  });

  it('frames split and coalesced messages, answers CRLFCRLF pings, and sends 400 on a broken one', async () => {
    const b = await tcpLayer();
    const atB = collect(b.layer);
    const client = await rawClient(b.port);
    const one = serializeMessage(message('split', 'SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKs1'));
    const two = serializeMessage(message('co-1', 'SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKs2'));
    const three = serializeMessage(message('co-2', 'SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKs3'));
    // One message in three pieces, cut inside the header section and inside the body.
    for (const piece of [one.subarray(0, 20), one.subarray(20, one.length - 3), one.subarray(one.length - 3)]) {
      client.socket.write(piece);
      await new Promise((r) => setTimeout(r, 5));
    }
    // A ping, then two messages in a single write.
    client.socket.write('\r\n\r\n');
    await client.until((d) => d === '\r\n');
    client.take();
    client.socket.write(Buffer.concat([two, three]));
    const got = await atB.count(3);
    assert.deepEqual(
      got.map(([m]) => m.body.toString()),
      ['hello split', 'hello co-1', 'hello co-2'],
    );
    // A framed but unparseable request gets a 400 on the same connection; the stream goes on.
    const broken = serializeMessage(message('bad', 'SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKbad'))
      .toString('latin1')
      .replace('CSeq: 1 MESSAGE', 'CSeq: 1 MESSAGE\r\nMax-Forwards: many');
    client.socket.write(broken);
    const reply = await client.until((d) => d.includes('\r\n\r\n'));
    assert.match(reply, /^SIP\/2\.0 400 /);
    assert.match(reply, /Call-ID: bad/);
    client.take();
    client.socket.write(serializeMessage(message('after', 'SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKs4')));
    assert.equal((await atB.count(4))[3]![0].body.toString(), 'hello after');
    client.socket.destroy();
  });

  it('closes a connection whose framing is lost (no Content-Length) and reports connectionClosed', async () => {
    const b = await tcpLayer();
    const client = await rawClient(b.port);
    const closed = once(b.layer, 'connectionClosed');
    client.socket.write('OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKn\r\n\r\n');
    const [id, remote] = await closed;
    assert.match(id, /^tcp-/);
    assert.equal(remote.protocol, 'tcp');
    await once(client.socket, 'close');
    assert.equal(b.layer.getStats().connections, 0);
  });

  it('reaps idle connections', async () => {
    const b = await tcpLayer({ idleTimeoutMs: 50 });
    const client = await rawClient(b.port);
    const [id] = await once(b.layer, 'connectionClosed');
    assert.match(id, /^tcp-/);
    await once(client.socket, 'close');
  });

  it('rejects with TransportError ECONNREFUSED when nobody listens, and ECLOSED for a gone connection', async () => {
    const a = await tcpLayer();
    const port = await closedPort();
    await assert.rejects(
      a.layer.send(message('x', 'SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKr'), { protocol: 'tcp', address: '127.0.0.1', port }),
      (e: unknown) => e instanceof TransportError && e.code === 'ECONNREFUSED' && e.destination?.port === port,
    );
    await assert.rejects(
      a.layer.send(message('x', 'SIP/2.0/WS a.invalid;branch=z9hG4bKr'), { protocol: 'ws', address: '127.0.0.1', port: 1, connectionId: 'ws-99' }),
      (e: unknown) => e instanceof TransportError && e.code === 'ECLOSED',
    );
  });

  it('keepAlive: a CRLFCRLF ping over the open connection (a pong back is swallowed); never dials; UDP sends a datagram', async () => {
    const received: Buffer[] = [];
    const raw = createServer((socket) => {
      socket.on('data', (d) => {
        received.push(d);
        if (d.toString() === '\r\n\r\n') socket.write('\r\n'); // the registrar's pong
      });
    });
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    const port = (raw.address() as { port: number }).port;
    try {
      const { layer } = await tcpLayer();
      const got = collect(layer);
      const dest = { protocol: 'tcp' as const, address: '127.0.0.1', port };
      assert.equal(await layer.keepAlive(dest), false, 'no connection yet: nothing is dialled');
      await layer.send(message('ka', 'SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKka'), dest);
      assert.equal(await layer.keepAlive(dest), true);
      const deadline = Date.now() + 5000;
      while (!Buffer.concat(received).toString().endsWith('\r\n\r\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.ok(Buffer.concat(received).toString().endsWith('hello ka\r\n\r\n'), 'the ping follows the request on the same connection');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(got.got.length, 0, 'the pong is no message');
      assert.equal(layer.getStats().connections, 1);

      const udp = new TransportLayer();
      layers.push(udp);
      await udp.listen({ udp: { host: '127.0.0.1', port: 0 } });
      const { createSocket } = await import('node:dgram');
      const sink = createSocket('udp4');
      await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
      const datagram = once(sink, 'message');
      assert.equal(await udp.keepAlive({ protocol: 'udp', address: '127.0.0.1', port: sink.address().port }), true);
      assert.equal(String((await datagram)[0]), '\r\n\r\n');
      sink.close();
    } finally {
      raw.close();
    }
  });

  it('releases the listening port on close', async () => {
    const { layer, port } = await tcpLayer();
    const client: Socket = connect(port, '127.0.0.1');
    await once(client, 'connect');
    await layer.close();
    await once(client, 'close');
    const again = new TransportLayer();
    layers.push(again);
    await again.listen({ tcp: { host: '127.0.0.1', port } });
    assert.equal(again.listeningEndpoint('tcp')!.port, port);
  });
});
