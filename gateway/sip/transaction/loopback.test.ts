/**
 * Two TransactionLayers over real UDP sockets on 127.0.0.1, each sending through a wrapper that
 * drops half of its datagrams (seeded pseudo-random, so a run is repeatable): an INVITE answered
 * with 180 and 200 still completes, thanks to timer A, answers to retransmitted INVITEs, the 2xx
 * retransmission of §13.3.1.4 and the UAC re-ACKing every 2xx.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createRequest, createResponse, getHeader, getToTag } from '../message/index.ts';
import type { SipEndpoint, SipMessage, SipRequest, SipResponse } from '../message/types.ts';
import { TransportLayer } from '../transport/index.ts';
import { TransactionLayer } from './transaction-layer.ts';
import type { TransactionTransport } from './types.ts';

/** mulberry32: small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Drops each outgoing datagram with probability `loss`. */
class LossyTransport implements TransactionTransport {
  sent = 0;
  dropped = 0;
  readonly #inner: TransportLayer;
  readonly #random: () => number;
  readonly #loss: number;

  constructor(inner: TransportLayer, loss: number, seed: number) {
    this.#inner = inner;
    this.#loss = loss;
    this.#random = prng(seed);
  }

  send(message: SipMessage, destination: SipEndpoint): Promise<void> {
    this.sent++;
    if (this.#random() < this.#loss) {
      this.dropped++;
      return Promise.resolve();
    }
    return this.#inner.send(message, destination);
  }

  on(event: 'message', listener: (message: SipMessage, source: SipEndpoint) => void): this {
    this.#inner.on(event, listener);
    return this;
  }

  off(event: 'message', listener: (message: SipMessage, source: SipEndpoint) => void): this {
    this.#inner.off(event, listener);
    return this;
  }
}

const transports: TransportLayer[] = [];
const layers: TransactionLayer[] = [];
after(async () => {
  for (const l of layers) l.close();
  await Promise.all(transports.map((t) => t.close()));
});

async function endpoint(seed: number) {
  const transport = new TransportLayer();
  transports.push(transport);
  await transport.listen({ udp: { host: '127.0.0.1', port: 0 } });
  const lossy = new LossyTransport(transport, 0.5, seed);
  // Short timers keep the run brief; T2 = 2·T1 gives the 2xx many chances inside 64·T1.
  const layer = new TransactionLayer(lossy, { t1: 40, t2: 80, t4: 100, timerD: 200 });
  layers.push(layer);
  return { transport, lossy, layer, port: transport.listeningEndpoint('udp')!.port };
}

function ackFor(invite: SipRequest, ok: SipResponse, port: number, n: number): SipRequest {
  return createRequest({
    method: 'ACK',
    uri: invite.uri,
    headers: {
      Via: `SIP/2.0/UDP 127.0.0.1:${port};rport;branch=z9hG4bKack${n}`,
      From: getHeader(invite, 'From')!,
      To: getHeader(ok, 'To')!,
      'Call-ID': getHeader(invite, 'Call-ID')!,
      CSeq: '1 ACK',
    },
  });
}

describe('transactions over lossy UDP', () => {
  it('completes INVITE → 180 → 200 → ACK with 50 % of datagrams dropped each way', async () => {
    const uac = await endpoint(0x5eed);
    const uas = await endpoint(0xbeef);

    // UAS core: ring at once, answer shortly after, wait for the ACK.
    const acked = new Promise<SipRequest>((resolve) => uas.layer.on('ack', (ack) => resolve(ack)));
    uas.layer.on('request', (st) => {
      if (st.method !== 'INVITE') return;
      st.respond(createResponse(st.request, 180, undefined, { toTag: 'uas-tag' }));
      setTimeout(() => st.respond(createResponse(st.request, 200, undefined, { toTag: 'uas-tag' })), 30);
    });

    // UAC core: send the INVITE and ACK every 2xx it sees (first, additional, or stray).
    const invite = createRequest({
      method: 'INVITE',
      uri: `sip:bob@127.0.0.1:${uas.port}`,
      headers: {
        Via: `SIP/2.0/UDP 127.0.0.1:${uac.port};rport;branch=z9hG4bKlossy1`,
        From: '<sip:alice@127.0.0.1>;tag=uac-tag',
        To: `<sip:bob@127.0.0.1:${uas.port}>`,
        'Call-ID': 'lossy-call-1',
        CSeq: '1 INVITE',
      },
    });
    const dest: SipEndpoint = { protocol: 'udp', address: '127.0.0.1', port: uas.port };
    const ct = uac.layer.sendRequest(invite, dest);
    let acks = 0;
    const ack2xx = (res: SipResponse) => {
      if (res.status >= 200 && res.status < 300) void uac.layer.sendAck(ackFor(invite, res, uac.port, ++acks), dest);
    };
    const provisional: number[] = [];
    ct.on('provisional', (r) => provisional.push(r.status));
    ct.on('final', ack2xx);
    ct.on('additional2xx', ack2xx);
    uac.layer.on('strayResponse', ack2xx);

    const final = await ct.result();
    assert.equal(final.status, 200);
    assert.equal(getToTag(final), 'uas-tag');
    const ack = await acked;
    assert.equal(getHeader(ack, 'CSeq'), '1 ACK');
    assert.equal(uas.layer.getStats().pending2xx, 0, '2xx retransmission stopped by the ACK');
    assert.ok(provisional.every((s) => s === 100 || s === 180));
    assert.ok(uac.lossy.dropped + uas.lossy.dropped > 0, 'the wrapper really dropped datagrams');
  });
});
