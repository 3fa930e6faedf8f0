/**
 * TransportLayer over real UDP sockets on 127.0.0.1: request delivery with received/rport
 * stamping, response routing back via received+rport, 400 for broken requests, silence for
 * garbage and stray CRLFs, TransportError on failure, and releasing the port on close().
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { createRequest, createResponse, getHeaders, parseMessage, serializeMessage } from '../message/index.ts';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.ts';
import { TransportError } from './errors.ts';
import { TransportLayer } from './transport-layer.ts';
import type { ReceivedFrom } from './types.ts';

const layers: TransportLayer[] = [];
async function udpLayer(): Promise<{ layer: TransportLayer; port: number }> {
  const layer = new TransportLayer();
  layers.push(layer);
  await layer.listen({ udp: { host: '127.0.0.1', port: 0 } });
  return { layer, port: layer.listeningEndpoint('udp')!.port };
}
after(async () => {
  await Promise.all(layers.map((l) => l.close()));
});

function options(via: string): SipRequest {
  return createRequest({
    method: 'OPTIONS',
    uri: 'sip:gw@127.0.0.1',
    headers: {
      Via: via,
      From: '<sip:alice@example.com>;tag=a1',
      To: '<sip:gw@127.0.0.1>',
      'Call-ID': 'udp-test-1',
      CSeq: '1 OPTIONS',
    },
  });
}

function nextMessage(layer: TransportLayer): Promise<[SipMessage, ReceivedFrom]> {
  return once(layer, 'message') as Promise<[SipMessage, ReceivedFrom]>;
}

/** A plain UDP socket for speaking raw bytes to a layer. */
async function rawSocket() {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const received: Buffer[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (m) => {
    received.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  return {
    port: socket.address().port,
    send: (data: Buffer | string, port: number) =>
      new Promise<void>((resolve, reject) => socket.send(Buffer.from(data), port, '127.0.0.1', (e) => (e ? reject(e) : resolve()))),
    next: () => (received.length ? Promise.resolve(received.shift()!) : new Promise<Buffer>((r) => waiters.push(() => r(received.shift()!)))),
    received,
    close: () => socket.close(),
  };
}

describe('UDP transport', () => {
  it('delivers a request with received/rport stamped and routes the response back to received:rport', async () => {
    const a = await udpLayer();
    const b = await udpLayer();
    // A claims a sent-by that is not where it really sends from (as behind a NAT).
    const request = options('SIP/2.0/UDP 198.51.100.1:5999;rport;branch=z9hG4bKudp1');
    const arrival = nextMessage(b.layer);
    await a.layer.send(request, { protocol: 'udp', address: '127.0.0.1', port: b.port });
    const [got, source] = await arrival;
    assert.equal(got.kind, 'request');
    assert.deepEqual(
      { protocol: source.protocol, address: source.address, port: source.port, connectionId: source.connectionId },
      { protocol: 'udp', address: '127.0.0.1', port: a.port, connectionId: undefined },
    );
    assert.equal(source.localPort, b.port);
    assert.deepEqual(getHeaders(got, 'Via'), [`SIP/2.0/UDP 198.51.100.1:5999;rport=${a.port};branch=z9hG4bKudp1;received=127.0.0.1`]);

    const back = nextMessage(a.layer);
    await b.layer.send(createResponse(got as SipRequest, 200, undefined, { toTag: 'b1' }), source);
    const [response] = await back;
    assert.equal(response.kind, 'response');
    assert.equal((response as SipResponse).status, 200);
    assert.equal(b.layer.getStats().messagesSent, 1);
  });

  it('answers a request the parser rejects with 400 and the reason, and keeps working', async () => {
    const { layer, port } = await udpLayer();
    const peer = await rawSocket();
    const messages: SipMessage[] = [];
    layer.on('message', (m) => messages.push(m));
    const broken = [
      'OPTIONS sip:gw@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKbroken`,
      'From: <sip:alice@example.com>;tag=a1',
      'To: <sip:gw@127.0.0.1>',
      'Call-ID: broken-1',
      'CSeq: 1 OPTIONS',
      'Max-Forwards: banana',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    await peer.send(broken, port);
    const reply = parseMessage(await peer.next());
    assert.equal(reply.kind, 'response');
    assert.equal((reply as SipResponse).status, 400);
    assert.match((reply as SipResponse).reason, /Max-Forwards/i);
    assert.deepEqual(getHeaders(reply, 'Call-ID'), ['broken-1']);
    assert.equal(messages.length, 0);
    assert.equal(layer.getStats().parseErrors, 1);
    assert.equal(layer.getStats().parseErrorsAnswered, 1);
    // Garbage, a broken response and stray CRLFs get nothing; a good request still gets through.
    const arrival = nextMessage(layer);
    await peer.send(Buffer.from([0xff, 0x00, 0x13, 0x37]), port);
    await peer.send('SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n', port);
    await peer.send('\r\n\r\n', port);
    await peer.send(serializeMessage(options(`SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKgood`)), port);
    const [good] = await arrival;
    assert.equal(good.kind, 'request');
    assert.equal(peer.received.length, 0, 'nothing answered garbage, broken responses or CRLFs');
    assert.equal(layer.getStats().parseErrors, 3);
    peer.close();
  });

  it('never lets a throwing listener escape the socket handler', async () => {
    const { layer, port } = await udpLayer();
    const errors: Error[] = [];
    layer.on('error', (e) => errors.push(e));
    layer.on('message', () => {
      throw new Error('listener bug');
    });
    const sender = await udpLayer();
    const reported = once(layer, 'error');
    await sender.layer.send(options('SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKthrow'), { protocol: 'udp', address: '127.0.0.1', port });
    await reported;
    assert.equal(errors[0]!.message, 'listener bug');
  });

  it('rejects with TransportError when it cannot send', async () => {
    const noUdp = new TransportLayer();
    layers.push(noUdp);
    await assert.rejects(
      noUdp.send(options('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx'), { protocol: 'udp', address: '127.0.0.1', port: 9 }),
      (e: unknown) => e instanceof TransportError && e.code === 'ENOTRANSPORT',
    );
    const { layer } = await udpLayer();
    await assert.rejects(
      layer.send(options('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx'), { protocol: 'udp', address: '127.0.0.1', port: 0 }),
      (e: unknown) => e instanceof TransportError,
    );
    await assert.rejects(
      layer.send(createResponse(options('SIP/2.0/SCTP 127.0.0.1;branch=z9hG4bKx'), 200), { protocol: 'udp', address: '127.0.0.1', port: 5 }),
      (e: unknown) => e instanceof TransportError && e.code === 'EBADDEST',
    );
  });

  it('releases the port on close (it can be bound again) and is idempotent', async () => {
    const { layer, port } = await udpLayer();
    await layer.close();
    await layer.close();
    assert.equal(layer.closed, true);
    const again = new TransportLayer();
    layers.push(again);
    await again.listen({ udp: { host: '127.0.0.1', port } });
    assert.equal(again.listeningEndpoint('udp')!.port, port);
    await assert.rejects(layer.send(options('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx'), { protocol: 'udp', address: '127.0.0.1', port }), TransportError);
  });
});
