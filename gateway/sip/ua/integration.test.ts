/**
 * Two UserAgents over real sockets on 127.0.0.1 — once over UDP, once over TCP — doing a whole
 * call: INVITE → 180 → 200 → ACK, a hold re-INVITE (sendonly/recvonly), DTMF by INFO, a REFER
 * from the callee with NOTIFY progress back, and BYE. Real timers, real transport layers. And a
 * browser-style client over SIP WebSocket (RFC 7118) with an `.invalid` Contact: our 200 and
 * our BYE reach it over its own connection.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { once as onceEvent } from 'node:events';
import { createServer } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { createRequest, createResponse, getHeader, getHeaders, parseMessage, parseVia, serializeMessage } from '../message/index.ts';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.ts';
import { TransactionLayer } from '../transaction/index.ts';
import { TransportLayer } from '../transport/index.ts';
import type { Dialog, DialogEndReason, DtmfEvent, IncomingRefer } from '../dialog/index.ts';
import { UserAgent } from './user-agent.ts';

const sdp = (port: number, direction: string) =>
  `v=0\r\no=- ${port} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=${direction}\r\n`;

const closers: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

async function agent(user: string) {
  const transport = new TransportLayer();
  await transport.listen({ udp: { host: '127.0.0.1', port: 0 }, tcp: { host: '127.0.0.1', port: 0 } });
  const transactions = new TransactionLayer(transport);
  const ua = new UserAgent({ transactions, transport, contact: { user } });
  closers.push(async () => {
    ua.close();
    transactions.close();
    await transport.close();
  });
  return { ua, transport, udp: transport.listeningEndpoint('udp')!.port, tcp: transport.listeningEndpoint('tcp')!.port };
}

function once<T>(register: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve));
}

for (const protocol of ['udp', 'tcp'] as const) {
  describe(`a whole call over ${protocol.toUpperCase()} on 127.0.0.1`, () => {
    it('INVITE/180/200/ACK, hold re-INVITE, INFO DTMF, REFER + NOTIFY, BYE', { timeout: 30_000 }, async () => {
      const alice = await agent('alice');
      const bob = await agent('bob');

      let bobDialog: Promise<Dialog> | undefined;
      bob.ua.on('invite', (call) => {
        assert.equal(call.source.protocol, protocol);
        call.progress(180);
        setTimeout(() => (bobDialog = call.accept(sdp(6000, 'sendrecv'))), 20);
      });
      const port = protocol === 'udp' ? bob.udp : bob.tcp;
      const target = `sip:bob@127.0.0.1:${port}${protocol === 'tcp' ? ';transport=tcp' : ''}`;
      const call = alice.ua.invite({ target, sdp: sdp(5000, 'sendrecv') });
      const ringing = once<SipResponse>((resolve) => call.on('progress', (r) => r.status === 180 && resolve(r)));
      const a = await call.result();
      assert.equal((await ringing).status, 180);
      while (!bobDialog) await new Promise((r) => setTimeout(r, 5));
      const b = await bobDialog;
      assert.equal(a.state, 'confirmed');
      assert.equal(b.state, 'confirmed');
      assert.match(a.remoteSdp!, /m=audio 6000/);
      assert.equal(parseVia(getHeaders(call.request, 'Via')[0]!).transport, protocol.toUpperCase());
      assert.equal(
        a.remoteTarget,
        `sip:bob@127.0.0.1:${port}${protocol === 'tcp' ? ';transport=tcp' : ''}`,
        "bob's Contact names the transport the call uses",
      );

      // Hold: alice sends sendonly, bob answers recvonly.
      b.on('reinvite', (offer) => {
        assert.match(offer.sdp!, /a=sendonly/);
        offer.accept(sdp(6000, 'recvonly'));
      });
      const bobAcked = once<void>((resolve) => b.once('ack', () => resolve()));
      const held = await a.reinvite(sdp(5000, 'sendonly'));
      assert.match(held.body.toString(), /a=recvonly/);
      await bobAcked;

      // DTMF by INFO.
      const digits: DtmfEvent[] = [];
      b.on('dtmf', (e) => digits.push(e));
      await a.sendDtmf('5#');
      assert.deepEqual(digits.map((d) => d.digit), ['5', '#']);

      // bob transfers alice to carol; alice reports progress.
      const referred = once<IncomingRefer>((resolve) => a.once('refer', resolve));
      const subscription = await b.refer('sip:carol@127.0.0.1:5999', { referredBy: true });
      const refer = await referred;
      assert.equal(refer.target, 'sip:carol@127.0.0.1:5999');
      assert.equal(getHeader(refer.request, 'Referred-By'), `<${target}>`, "bob's address in the dialog: the To alice called");
      const final = subscription.done();
      await refer.notify(180);
      await refer.notify(200);
      assert.equal((await final)!.status, 200);
      assert.deepEqual(subscription.history.map((s) => s.status), [100, 180, 200]);

      // alice hangs up.
      const bobEnded = once<DialogEndReason>((resolve) => b.once('terminated', resolve));
      const byeResponse = await a.bye();
      assert.equal(byeResponse!.status, 200);
      assert.equal(await bobEnded, 'bye');
      assert.equal(alice.ua.getStats().dialogs, 0);
      assert.equal(bob.ua.getStats().dialogs, 0);
    });
  });
}

describe('a browser-style call over SIP WebSocket', () => {
  it('INVITE from a ws client with an .invalid Contact; 200, ACK, then our BYE over the same socket', { timeout: 30_000 }, async () => {
    const server = createServer((_req, res) => res.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    const transport = new TransportLayer();
    await transport.listen({ ws: { server } });
    const transactions = new TransactionLayer(transport);
    const ua = new UserAgent({ transactions, transport, contact: { user: 'gw' } });
    closers.push(async () => {
      ua.close();
      transactions.close();
      await transport.close();
    });
    const port = (server.address() as { port: number }).port;
    let accepted: Promise<Dialog> | undefined;
    ua.on('invite', (call) => {
      assert.equal(call.source.protocol, 'ws');
      assert.ok(call.source.connectionId);
      accepted = call.accept(sdp(7000, 'sendrecv'));
    });

    const ws = new WebSocket(`ws://127.0.0.1:${port}/sip`, 'sip');
    closers.push(() => ws.terminate());
    await onceEvent(ws, 'open');
    const inbox: SipMessage[] = [];
    const waiters: Array<() => void> = [];
    ws.on('message', (data: RawData) => {
      inbox.push(parseMessage(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer)));
      waiters.splice(0).forEach((w) => w());
    });
    const next = async (match: (m: SipMessage) => boolean): Promise<SipMessage> => {
      for (;;) {
        const i = inbox.findIndex(match);
        if (i >= 0) return inbox.splice(i, 1)[0]!;
        await new Promise<void>((r) => waiters.push(r));
      }
    };
    const invite = createRequest({
      method: 'INVITE',
      uri: `sip:gw@127.0.0.1:${port};transport=ws`,
      headers: {
        Via: 'SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKjs1',
        From: '"Web" <sip:1001@127.0.0.1>;tag=js1',
        To: '<sip:gw@127.0.0.1>',
        'Call-ID': 'ws-integration',
        CSeq: '1 INVITE',
        Contact: '<sip:u8u9@df7jal23ls0d.invalid;transport=ws>',
      },
      body: sdp(9, 'sendrecv'),
      contentType: 'application/sdp',
    });
    ws.send(serializeMessage(invite).toString('utf8'));
    const ok = (await next((m) => m.kind === 'response' && m.status === 200)) as SipResponse;
    assert.equal(getHeader(ok, 'Contact'), `<sip:gw@127.0.0.1:${port};transport=ws>`);
    const ack = createRequest({
      method: 'ACK',
      uri: `sip:gw@127.0.0.1:${port};transport=ws`,
      headers: { Via: 'SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKjs2', From: getHeader(invite, 'From')!, To: getHeader(ok, 'To')!, 'Call-ID': 'ws-integration', CSeq: '1 ACK' },
    });
    ws.send(serializeMessage(ack).toString('utf8'));
    while (!accepted) await new Promise((r) => setTimeout(r, 5));
    const dialog = await accepted;
    const byeDone = dialog.bye();
    const bye = (await next((m) => m.kind === 'request' && m.method === 'BYE')) as SipRequest;
    assert.equal(bye.uri, 'sip:u8u9@df7jal23ls0d.invalid;transport=ws');
    assert.equal(parseVia(getHeaders(bye, 'Via')[0]!).transport, 'WS');
    ws.send(serializeMessage(createResponse(bye, 200)).toString('utf8'));
    assert.equal((await byeDone)!.status, 200);
  });
});
