/**
 * The UserAgent outside INVITE dialogs, on the in-memory TestNetwork: OPTIONS answered with our
 * capabilities, REGISTER to a Registrar with a Digest retry (request() → 401 → 200), the
 * 'request' event for other methods (and 405/501 without a listener), the OPTIONS keepalive
 * going up and down, and WebSocket flows: a browser's INVITE from a connection with an
 * `.invalid` Contact, where our 200 and our later BYE go back over that connection.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DigestChallenger } from '../auth/index.ts';
import { createRequest, getHeader, getHeaders, parseVia } from '../message/index.ts';
import type { SipEndpoint } from '../message/types.ts';
import { Registrar } from '../registrar/index.ts';
import { isLocalResponse, type Dialog } from '../dialog/index.ts';
import type { IncomingRequest } from './incoming-request.ts';
import { TestNetwork } from './test-network.ts';

let net: TestNetwork;
afterEach(() => net?.close());

const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n';

describe('UserAgent', () => {
  it('answers OPTIONS with Allow, Accept and Supported; request() resolves with the response', async () => {
    net = new TestNetwork();
    const a = net.userAgent('192.0.2.1', { user: 'alice' });
    net.userAgent('192.0.2.2', { user: 'bob', userAgent: 'Patchbay-test' });
    const pending = a.ua.request({ method: 'OPTIONS', uri: 'sip:192.0.2.2' });
    await net.flush();
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(getHeader(res, 'Allow'), 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY, MESSAGE');
    assert.equal(getHeader(res, 'Accept'), 'application/sdp, application/dtmf-relay, application/dtmf, message/sipfrag');
    assert.equal(getHeader(res, 'Supported'), 'timer');
    assert.equal(getHeader(res, 'Server'), 'Patchbay-test');
    assert.ok(getHeader(res, 'To')!.includes(';tag='));
    assert.equal(isLocalResponse(res), false);
  });

  it('REGISTER: request() answers the 401 with credentials; the Registrar binds our Contact', async () => {
    net = new TestNetwork();
    const challenger = new DigestChallenger({ realm: 'patchbay', lookup: (u) => (u === '1001' ? 'pw1001' : undefined) });
    const registrar = new Registrar({ challenger, userExists: (u) => u === '1001' });
    const server = net.userAgent('192.0.2.2', { registrar });
    const phone = net.userAgent('192.0.2.1', { user: '1001', credentials: { username: '1001', password: 'pw1001' } });
    const pending = phone.ua.request({
      method: 'REGISTER',
      uri: 'sip:192.0.2.2',
      from: 'sip:1001@192.0.2.2',
      to: 'sip:1001@192.0.2.2',
      headers: { Expires: '600' },
    });
    await net.flush();
    const res = await pending;
    assert.equal(res.status, 200);
    const registers = server.node.requests('REGISTER');
    assert.equal(registers.length, 2);
    assert.equal(getHeader(registers[0]!, 'CSeq'), '1 REGISTER');
    assert.equal(getHeader(registers[1]!, 'CSeq'), '2 REGISTER');
    assert.equal(getHeader(registers[1]!, 'Call-ID'), getHeader(registers[0]!, 'Call-ID'));
    assert.equal(getHeader(registers[0]!, 'Contact'), '<sip:1001@192.0.2.1:5060>', 'our Contact is added to REGISTER');
    assert.deepEqual(registrar.location.lookup('1001').map((b) => b.contact), ['sip:1001@192.0.2.1:5060']);
  });

  it("hands other out-of-dialog requests to 'request'; without a listener 405 (known) or 501 (unknown)", async () => {
    net = new TestNetwork();
    const a = net.userAgent('192.0.2.1');
    const b = net.userAgent('192.0.2.2');
    const plain = a.ua.request({ method: 'MESSAGE', uri: 'sip:bob@192.0.2.2', body: 'hi', contentType: 'text/plain' });
    const odd = a.ua.request({ method: 'PUBLISH', uri: 'sip:bob@192.0.2.2' });
    await net.flush();
    assert.equal((await plain).status, 405);
    assert.match(getHeader(await plain, 'Allow')!, /MESSAGE/);
    assert.equal((await odd).status, 501);

    const got: IncomingRequest[] = [];
    b.ua.on('request', (r) => {
      got.push(r);
      r.respond(202, { headers: { 'X-Seen': 'yes' } });
    });
    const again = a.ua.request({ method: 'MESSAGE', uri: 'sip:bob@192.0.2.2', body: 'hi', contentType: 'text/plain' });
    await net.flush();
    const res = await again;
    assert.equal(res.status, 202);
    assert.equal(getHeader(res, 'X-Seen'), 'yes');
    assert.equal(got[0]!.method, 'MESSAGE');
    assert.equal(got[0]!.request.body.toString(), 'hi');
    assert.equal(got[0]!.responded, true);
  });

  it('OPTIONS keepalive: up while the peer answers, down when it times out, up again', async () => {
    net = new TestNetwork();
    const a = net.userAgent('192.0.2.1');
    net.userAgent('192.0.2.2');
    const changes: string[] = [];
    const ka = a.ua.keepalive({ target: 'sip:192.0.2.2', intervalMs: 10_000 });
    ka.on('up', (r) => changes.push(`up ${r.status} @${net.clock.now}`));
    ka.on('down', (r) => changes.push(`down ${r.status} @${net.clock.now}`));
    await net.advance(25_000, 100);
    assert.equal(ka.state, 'up');
    assert.equal(net.trace().filter((t) => t === 'OPTIONS').length, 3, 'at 0, 10 and 20 s');
    net.drop = (m) => m.kind === 'request' && m.method === 'OPTIONS';
    await net.advance(60_000, 100);
    assert.equal(ka.state, 'down');
    net.drop = undefined;
    await net.advance(45_000, 100);
    ka.close();
    assert.equal(ka.state, 'up');
    assert.deepEqual(
      changes.map((c) => c.split(' @')[0]),
      ['up 200', 'down 408', 'up 200'],
    );
    assert.equal(ka.running, false);
  });

  it('WebSocket flow: a browser INVITE with an .invalid Contact; our 200 and BYE go back over its connection', async () => {
    net = new TestNetwork();
    const gw = net.userAgent('192.0.2.1', { user: 'gw' });
    const browser = net.node('192.0.2.9', 40000);
    const flow: SipEndpoint = { protocol: 'ws', address: '192.0.2.9', port: 40000, connectionId: 'ws-7' };
    let dialog: Promise<Dialog> | undefined;
    gw.ua.on('invite', (call) => (dialog = call.accept('v=0\r\n')));
    const invite = createRequest({
      method: 'INVITE',
      uri: 'sip:1002@192.0.2.1',
      headers: {
        Via: 'SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKws1',
        From: '<sip:1001@192.0.2.1>;tag=js1',
        To: '<sip:1002@192.0.2.1>',
        'Call-ID': 'ws-call',
        CSeq: '1 INVITE',
        Contact: '<sip:u8u9@df7jal23ls0d.invalid;transport=ws>',
      },
      body: SDP,
      contentType: 'application/sdp',
    });
    browser.deliver(invite, gw.node.endpoint, flow);
    await net.flush();
    const ok = browser.responses('INVITE').find((r) => r.status === 200)!;
    assert.equal(getHeader(ok, 'Contact'), '<sip:gw@192.0.2.1:80;transport=ws>');
    const okEntry = net.log.find((e) => e.message.kind === 'response' && e.message.status === 200)!;
    assert.equal(okEntry.to.connectionId, 'ws-7');
    browser.deliver(
      createRequest({
        method: 'ACK',
        uri: 'sip:gw@192.0.2.1:80;transport=ws',
        headers: { Via: 'SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKws2', From: '<sip:1001@192.0.2.1>;tag=js1', To: getHeader(ok, 'To')!, 'Call-ID': 'ws-call', CSeq: '1 ACK' },
      }),
      gw.node.endpoint,
      flow,
    );
    await net.flush();
    const d = await dialog!;
    void d.bye();
    await net.flush();
    const byeEntry = net.log.find((e) => e.message.kind === 'request' && e.message.method === 'BYE')!;
    assert.deepEqual(byeEntry.to, flow, 'the BYE rides the browser connection');
    assert.equal((byeEntry.message as { uri: string }).uri, 'sip:u8u9@df7jal23ls0d.invalid;transport=ws');
    assert.equal(parseVia(getHeaders(byeEntry.message, 'Via')[0]!).transport, 'WS');
  });

  it('an INVITE to a given destination (a registered flow) keeps using it for the dialog', async () => {
    net = new TestNetwork();
    const gw = net.userAgent('192.0.2.1', { user: 'gw' });
    const phone = net.node('192.0.2.9', 40000);
    const flow: SipEndpoint = { protocol: 'tcp', address: '192.0.2.9', port: 40000, connectionId: 'tcp-3' };
    const call = gw.ua.invite({ target: 'sip:1001@10.0.0.5:5060;transport=tcp', sdp: 'v=0\r\n', destination: flow });
    await net.flush();
    const inv = phone.last('INVITE');
    assert.equal(net.log[0]!.to.connectionId, 'tcp-3');
    assert.equal(getHeader(inv, 'Contact'), '<sip:gw@192.0.2.1:5060;transport=tcp>');
    phone.reply(inv, 200, { toTag: 'p', body: 'v=0\r\n', contentType: 'application/sdp', contact: '<sip:1001@10.0.0.5:5060;transport=tcp>' });
    await net.flush();
    const dialog = await call.result();
    void dialog.bye();
    await net.flush();
    assert.equal(phone.requests('ACK').length, 1);
    assert.equal(phone.requests('BYE').length, 1);
    const bye = net.log.find((e) => e.message.kind === 'request' && e.message.method === 'BYE')!;
    assert.deepEqual(bye.to, flow);
  });
});
