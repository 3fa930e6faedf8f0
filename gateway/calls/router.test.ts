/**
 * Router rules (order, `to`/`from` regexes, `$1`/`$to` substitution, sources) and the default
 * rules (users ring their contacts or 480, extensions, 404), with config parsed by the real zod
 * schema; and PeerAuthorizer in the xbridge order (IP/CIDR → digest → 401 → 403).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configSchema, effectiveTrunks, type ConfigInput } from '../config/index.ts';
import { createRequest, createResponse, DigestClient, type Binding, type SipRequest } from '../sip/index.ts';
import { PeerAuthorizer } from './peer-auth.ts';
import { CallerAuthenticator } from './sip/caller-auth.ts';
import { Router, type CallSource } from './router.ts';

function binding(aor: string, contact: string): Binding {
  return { aor, contact, expiresAt: Date.now() + 60_000, callId: 'x', cseq: 1, q: 1, path: [], source: { protocol: 'udp', address: '127.0.0.1', port: 5070 } };
}

function router(input: Partial<ConfigInput>) {
  const config = configSchema.parse({
    directory: { users: [{ username: '1001', password: 'a' }, { username: '1002', password: 'b' }, { username: '1003', password: 'c' }] },
    trunks: [{ name: 'telnyx', username: 'u', password: 'p', host: 'sip.example.net' }],
    server: { listen: '127.0.0.1:5060', peers: [{ name: 'pbx', host: '10.0.0.5' }, { name: 'cloud', hosts: ['10.1.0.0/16'] }] },
    ...input,
  });
  const users = new Set(config.directory.users.map((u) => u.username));
  const bindings: Record<string, Binding[]> = { '1001': [binding('1001', 'sip:1001@127.0.0.1:5070'), binding('1001', 'sip:1001@127.0.0.1:5072')], '1002': [binding('1002', 'sip:1002@127.0.0.1:5080')] };
  return new Router({
    routes: config.routes,
    userExists: (u) => users.has(u),
    contacts: (u) => bindings[u] ?? [],
    trunks: effectiveTrunks(config),
    peers: config.server?.peers,
    extensionExists: (n) => ['echo', 'tone'].includes(n.toLowerCase()),
  });
}

const user = (u: string): CallSource => ({ kind: 'user', user: u });

describe('Router', () => {
  test('defaults: a user rings all contacts, unregistered → 480, extensions, unknown → 404', () => {
    const r = router({});
    const d = r.route({ to: '1001', from: '1002', source: user('1002') });
    assert.equal(d.rule, 'default');
    assert.equal(d.label, 'user:1001');
    assert.ok(d.target.kind === 'user');
    assert.deepEqual(d.target.contacts.map((b) => b.contact), ['sip:1001@127.0.0.1:5070', 'sip:1001@127.0.0.1:5072']);
    assert.deepEqual(r.route({ to: '1003', from: '1001', source: user('1001') }).target, { kind: 'reject', status: 480, reason: '"1003" is not registered' });
    assert.deepEqual(r.route({ to: 'echo', from: '1001', source: user('1001') }).target, { kind: 'extension', name: 'echo' });
    assert.equal(r.route({ to: 'tone', from: 'x', source: { kind: 'peer', name: 'pbx' } }).label, 'extension:tone');
    const miss = r.route({ to: '+4930123', from: '1001', source: user('1001') });
    assert.equal(miss.label, 'reject:404');
  });

  test('rules in order, regex groups into the target, source filters', () => {
    const r = router({
      routes: [
        { name: 'inbound-did', to: '^\\+4930555(\\d{4})$', source: 'trunk:telnyx', target: { user: '$1' } },
        { name: 'pbx-only', to: '^9(\\d+)$', source: 'peer', target: { extension: 'tone' } },
        { name: 'out', to: '^(?:00|\\+)(\\d{6,})$', source: 'user', target: { trunk: 'telnyx', number: '+$1' } },
        { name: 'vip', from: '^1002$', to: '^777$', target: { user: '1001' } },
        { name: 'to-pbx', to: '^8(\\d{3})$', target: { peer: 'pbx', number: '$1' } },
        { name: 'ranges', to: '^5\\d\\d$', target: { peer: 'cloud' } },
        { name: 'ghost', to: '^6\\d\\d$', target: { trunk: 'nope' } },
      ],
    });
    const did = r.route({ to: '+49305551001', from: '+15551234', source: { kind: 'trunk', name: 'telnyx' } });
    assert.equal(did.rule, 'inbound-did');
    assert.equal(did.label, 'user:1001');
    // The same number from a user does not match the trunk-only rule; it is an outbound call.
    const out = r.route({ to: '+49305551001', from: '1001', source: user('1001') });
    assert.equal(out.rule, 'out');
    assert.ok(out.target.kind === 'trunk');
    assert.equal(out.target.number, '+49305551001');
    assert.equal(out.target.trunk.host, 'sip.example.net');
    const intl = r.route({ to: '0044201234567', from: '1001', source: user('1001') });
    assert.ok(intl.target.kind === 'trunk' && intl.target.number === '+44201234567');
    assert.equal(r.route({ to: '9123', from: 'x', source: { kind: 'peer', name: 'pbx' } }).label, 'extension:tone');
    assert.equal(r.route({ to: '9123', from: '1001', source: user('1001') }).label, 'reject:404', 'peer-only rule skipped for users');
    assert.equal(r.route({ to: '777', from: '1002', source: user('1002') }).label, 'user:1001');
    assert.equal(r.route({ to: '777', from: '1003', source: user('1003') }).label, 'reject:404');
    const pbx = r.route({ to: '8123', from: '1001', source: user('1001') });
    assert.ok(pbx.target.kind === 'peer' && pbx.target.number === '123' && pbx.target.peer.host === '10.0.0.5');
    assert.deepEqual(r.route({ to: '512', from: '1001', source: user('1001') }).target, { kind: 'reject', status: 503, reason: 'peer "cloud" has no host to call' });
    assert.deepEqual(r.route({ to: '612', from: '1001', source: user('1001') }).target, { kind: 'reject', status: 503, reason: 'no trunk "nope"' });
  });

  test('an extension target and $to; the first matching rule wins over the defaults', () => {
    const r = router({ routes: [{ to: '^1001$', target: { extension: 'echo' } }, { to: '.*', from: '^1001$', target: { user: '$to' } }] });
    assert.deepEqual(r.route({ to: '1001', from: '1002', source: user('1002') }), { target: { kind: 'extension', name: 'echo' }, rule: 'routes[0]', label: 'extension:echo' });
    assert.equal(r.route({ to: '1002', from: '1001', source: user('1001') }).rule, 'routes[1]');
  });
});

function invite(headers: Record<string, string> = {}): SipRequest {
  return createRequest({
    method: 'INVITE',
    uri: 'sip:+15551234@127.0.0.1:5060',
    headers: { Via: 'SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bKx', From: '<sip:+4930@10.9.9.9>;tag=1', To: '<sip:+15551234@127.0.0.1>', 'Call-ID': 'c1', CSeq: '1 INVITE', ...headers },
  });
}

describe('PeerAuthorizer', () => {
  const peers = configSchema.parse({
    server: {
      listen: '127.0.0.1:5060',
      peers: [
        { name: 'office', host: '192.168.1.10' },
        { name: 'twilio', hosts: ['54.172.60.0/22', '2001:db8::/32'] },
        { name: 'remote', auth: { username: 'remote-trunk', password: 's3cret' } },
        { name: 'both', host: '192.168.1.20', auth: { username: 'both-user', password: 'x' } },
      ],
    },
  }).server!.peers;

  test('1. the source IP (host, CIDR, v6, v4-mapped) wins, credentials or not', async () => {
    const auth = new PeerAuthorizer(peers, { realm: 'patchbay' });
    assert.deepEqual(await auth.authorize(invite(), '192.168.1.10'), { kind: 'peer', peer: peers[0], via: 'ip' });
    assert.equal(((await auth.authorize(invite(), '54.172.63.254')) as { peer: { name: string } }).peer.name, 'twilio');
    assert.equal(((await auth.authorize(invite(), '::ffff:54.172.60.1')) as { peer: { name: string } }).peer.name, 'twilio');
    assert.equal(((await auth.authorize(invite(), '2001:db8::7')) as { peer: { name: string } }).peer.name, 'twilio');
    const both = await auth.authorize(invite({ Authorization: 'Digest username="x", realm="patchbay", nonce="n", uri="sip:a", response="0"' }), '192.168.1.20');
    assert.deepEqual(both, { kind: 'peer', peer: peers[3], via: 'ip' });
  });

  test('2./3. digest: no Authorization → 401; right credentials → the peer; wrong → 403', async () => {
    const auth = new PeerAuthorizer(peers, { realm: 'patchbay' });
    const first = invite();
    const challenge = await auth.authorize(first, '54.172.64.1');
    assert.equal(challenge.kind, 'challenge');
    assert.ok(challenge.kind === 'challenge');
    assert.equal(challenge.response.status, 401);
    assert.match(challenge.response.headers[0]!.value, /^Digest realm="patchbay"/);
    const response = createResponse(first, 401, 'Unauthorized', { headers: challenge.response.headers });
    for (const [password, expect] of [['s3cret', 'peer'], ['wrong', 'forbidden']] as const) {
      const client = new DigestClient({ credentials: { username: 'remote-trunk', password } });
      assert.deepEqual(client.onChallenge(response, first), { ok: true });
      const second = invite();
      second.headers.push(...client.authorize(second));
      const verdict = await auth.authorize(second, '54.172.64.1');
      assert.equal(verdict.kind, expect);
      if (verdict.kind === 'peer') assert.deepEqual([verdict.peer.name, verdict.via], ['remote', 'digest']);
    }
  });

  test('4. no IP match and no digest peers → 403', async () => {
    const auth = new PeerAuthorizer(peers.slice(0, 2), { realm: 'patchbay' });
    assert.equal(auth.hasDigestPeers, false);
    assert.equal((await auth.authorize(invite(), '8.8.8.8')).kind, 'forbidden');
  });
});

describe('CallerAuthenticator', () => {
  const peers = configSchema.parse({ server: { listen: '127.0.0.1:5060', peers: [{ name: 'lab', host: '127.0.0.1' }] } }).server!.peers;
  const make = () =>
    new CallerAuthenticator({ password: (u) => (u === '1001' ? 'pw' : undefined), realm: 'patchbay', peers: new PeerAuthorizer(peers, { realm: 'patchbay' }) });

  test('a peer by source IP over UDP/TCP, but a SIP-over-WebSocket client from the same IP is a user (challenged)', async () => {
    const auth = make();
    const udp = await auth.authenticate(invite(), { protocol: 'udp', address: '127.0.0.1', port: 5070 });
    assert.deepEqual(udp, { kind: 'ok', source: { kind: 'peer', name: 'lab' } });
    const ws = await auth.authenticate(invite({ From: '<sip:1001@127.0.0.1>;tag=9' }), { protocol: 'ws', address: '127.0.0.1', port: 40000 });
    assert.equal(ws.kind, 'challenge');
    assert.ok(ws.kind === 'challenge' && ws.status === 407);
  });
});

describe('CallerAuthenticator: trunks', () => {
  const trunks = configSchema.parse({ trunks: [{ name: 'carrier', username: 'acct1', password: 'x', host: '127.0.0.1:5099' }] }).trunks!;
  const make = () =>
    new CallerAuthenticator({ password: (u) => (u === '1001' ? 'pw' : undefined), realm: 'patchbay', peers: new PeerAuthorizer([], { realm: 'patchbay' }), trunks });

  test('from the trunk address: to our account, or to a DID from the trunk port; a phone on the same machine is not the trunk', async () => {
    const auth = make();
    const toAccount = { ...invite(), uri: 'sip:acct1@127.0.0.1:5060' };
    assert.deepEqual(await auth.authenticate(toAccount, { protocol: 'udp', address: '127.0.0.1', port: 40000 }), { kind: 'ok', source: { kind: 'trunk', name: 'carrier' } });
    assert.deepEqual(await auth.authenticate(invite(), { protocol: 'udp', address: '127.0.0.1', port: 5099 }), { kind: 'ok', source: { kind: 'trunk', name: 'carrier' } });
    const phone = await auth.authenticate(invite({ From: '<sip:1001@127.0.0.1>;tag=3' }), { protocol: 'udp', address: '127.0.0.1', port: 40000 });
    assert.equal(phone.kind, 'challenge');
  });

  test('a TLS trunk without a port is at 5061: a DID in the Request-URI from there is the trunk, from 5060 it is not', async () => {
    const tls = configSchema.parse({ trunks: [{ name: 'secure', username: 'acct2', password: 'x', host: 'sip.provider.test', transport: 'tls' }] }).trunks!;
    const auth = new CallerAuthenticator({
      password: () => undefined,
      realm: 'patchbay',
      peers: new PeerAuthorizer([], { realm: 'patchbay' }),
      trunks: tls,
      resolve: async () => ['127.0.0.1'],
    });
    const did = { ...invite(), uri: 'sip:15550100201@127.0.0.1:5061;transport=tls' };
    assert.deepEqual(await auth.authenticate(did, { protocol: 'tls', address: '127.0.0.1', port: 5061 }), { kind: 'ok', source: { kind: 'trunk', name: 'secure' } });
    assert.equal((await auth.authenticate(did, { protocol: 'tls', address: '127.0.0.1', port: 5060 })).kind, 'forbidden');
  });
});
