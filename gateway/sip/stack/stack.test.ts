/**
 * SipStack lifecycle and wiring on loopback: what it binds (and releases on an idempotent
 * close), the ephemeral socket for trunk-only configs, the mapping from config slices, HTTP
 * upgrade routing (/sip taken, other paths 404), and OPTIONS keepalives toward peers going
 * up and down.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createSocket } from 'node:dgram';
import { createServer as createTcpServer } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../config/index.ts';
import { freePort, freePorts } from '../../../testing/free-port.ts';
import { SipStack } from './sip-stack.ts';
import { sipStackOptions } from './from-config.ts';
import { routeUpgrades } from './upgrades.ts';

const stacks: SipStack[] = [];
const servers: Server[] = [];
after(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  for (const s of servers) s.close();
});

async function start(options: Parameters<typeof SipStack.start>[0]): Promise<SipStack> {
  const stack = await SipStack.start(options);
  stacks.push(stack);
  return stack;
}

function udpBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function tcpBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createTcpServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Sends an HTTP upgrade and resolves with the status line the server answered. */
function upgrade(port: number, path: string, protocol?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    if (protocol) headers['Sec-WebSocket-Protocol'] = protocol;
    const req = httpRequest({ host: '127.0.0.1', port, path, headers });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('SipStack', () => {
  it('binds UDP and TCP on the listen address, reports its endpoints, and releases them on an idempotent close', async () => {
    const port = await freePort();
    const stack = await SipStack.start({ listen: { host: '127.0.0.1', port }, ws: { port: 8099 } });
    assert.deepEqual(
      stack.listening.map((e) => `${e.protocol} ${e.address}:${e.port}${e.path ?? ''}`),
      [`udp 127.0.0.1:${port}`, `tcp 127.0.0.1:${port}`, 'ws 127.0.0.1:8099/sip'],
    );
    assert.equal(stack.serving, true);
    assert.equal(await udpBindable(port), false);
    await Promise.all([stack.close(), stack.close()]);
    await stack.close();
    assert.equal(stack.closed, true);
    assert.equal(stack.serving, false);
    assert.equal(await udpBindable(port), true, 'UDP port released');
    assert.equal(await tcpBindable(port), true, 'TCP port released');
  });

  it('without a listen address binds one ephemeral port for UDP and TCP when there are trunks, and serves nothing', async () => {
    const dead = await freePort();
    const stack = await start({ trunks: [{ name: 't', username: 'u', password: 'p', host: `127.0.0.1:${dead}`, transport: 'udp' }], timers: { t1: 50 } });
    const [udp, tcp] = stack.listening;
    assert.equal(udp?.protocol, 'udp');
    assert.equal(tcp?.protocol, 'tcp');
    assert.equal(udp?.address, '0.0.0.0');
    assert.ok(udp!.port > 0);
    assert.equal(tcp?.port, udp?.port);
    assert.equal(stack.serving, false);
    // The Contact toward a loopback trunk uses the loopback address, not the wildcard.
    assert.equal(stack.ua.identity.host, '127.0.0.1');
    assert.equal(stack.trunks.statuses()[0]?.name, 't');
    assert.equal(stack.registeredTrunks, 0);
  });

  it('with neither a listen address nor trunks binds no SIP socket (WebSocket only)', async () => {
    const stack = await start({});
    assert.deepEqual(stack.listening.map((e) => e.protocol), ['ws']);
    assert.equal(stack.serving, false);
  });

  it('listens for SIP over TLS with the configured certificate and answers OPTIONS on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-stack-tls-'));
    try {
      const certPath = join(dir, 'cert.pem');
      const keyPath = join(dir, 'key.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
      const [sipPort, tlsPort] = await freePorts(2);
      const stack = await start({ listen: { host: '127.0.0.1', port: sipPort! }, tls: { host: '127.0.0.1', port: tlsPort!, certPath, keyPath } });
      assert.ok(stack.listening.some((e) => e.protocol === 'tls' && e.port === tlsPort));
      const socket = tlsConnect({ host: '127.0.0.1', port: tlsPort!, rejectUnauthorized: false });
      await once(socket, 'secureConnect');
      const { port: localPort } = socket.address() as { port: number };
      socket.write(
        `OPTIONS sip:127.0.0.1:${tlsPort} SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:${localPort};branch=z9hG4bKtls1\r\nFrom: <sip:probe@127.0.0.1>;tag=t1\r\n` +
          `To: <sip:127.0.0.1:${tlsPort}>\r\nCall-ID: tls-probe-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
      );
      const [data] = (await once(socket, 'data')) as [Buffer];
      socket.destroy();
      assert.match(data.toString(), /^SIP\/2\.0 200 /);
      assert.match(data.toString(), /\r\nAllow: [^\r]*INVITE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds its options from the config slices', () => {
    const config = resolveConfig({
      server: { listen: '127.0.0.1:5099', peers: [{ name: 'pbx', host: '10.0.0.5', port: 5070, transport: 'tcp' }, { name: 'range', hosts: ['10.1.0.0/16'] }] },
      trunks: [{ name: 'carrier', username: 'acct', password: 'pw', host: 'sip.example.com:5080', transport: 'tcp', expires: 600 }],
      directory: { users: [{ username: '1001', password: 'secret' }] },
      sip_stack: { t1_ms: 250, realm: 'pbx.example' },
    });
    const o = sipStackOptions(config, { httpPort: 8080 });
    assert.deepEqual(o.listen, { host: '127.0.0.1', port: 5099 });
    assert.deepEqual(o.users, [{ username: '1001', password: 'secret' }]);
    assert.equal(o.realm, 'pbx.example');
    assert.deepEqual(o.trunks, [{ name: 'carrier', username: 'acct', password: 'pw', host: 'sip.example.com:5080', transport: 'tcp', expires: 600 }]);
    assert.deepEqual(o.peers?.map((p) => p.name), ['pbx', 'range']);
    assert.equal(o.timers?.t1, 250);
    assert.deepEqual(o.ws, { path: '/sip', secure: false, port: 8080 });
    // The xbridge `sip` block becomes trunk "default" when there are no trunks.
    const single = sipStackOptions(resolveConfig({ sip: { username: 'u', password: 'p', host: '127.0.0.1' } }));
    assert.deepEqual(single.trunks?.map((t) => t.name), ['default']);
    assert.equal(single.listen, undefined);
  });

  it('takes /sip upgrades with the sip subprotocol, refuses them without it (400), and 404s other paths', async () => {
    const stack = await start({});
    const http = createServer((_req, res) => res.end());
    servers.push(http);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    routeUpgrades(http, () => [(req, socket, head) => stack.handleUpgrade(req, socket, head)]);
    const port = (http.address() as { port: number }).port;
    assert.equal(await upgrade(port, '/sip', 'sip'), 101);
    assert.equal(await upgrade(port, '/sip'), 400);
    assert.equal(await upgrade(port, '/ws/call-1', 'sip'), 404);
  });

  it('pings peers with OPTIONS: a live stack is up, a closed port is down', async () => {
    const [livePort, deadPort] = await freePorts(2);
    await start({ listen: { host: '127.0.0.1', port: livePort! } });
    const stack = await start({
      peers: [
        { name: 'live', host: '127.0.0.1', port: livePort },
        { name: 'dead', host: '127.0.0.1', port: deadPort, transport: 'tcp' },
        { name: 'range-only' },
      ],
      keepaliveIntervalMs: 60_000,
    });
    const states = new Map<string, string>();
    await new Promise<void>((resolve) => {
      const check = () => {
        for (const s of stack.peers.statuses()) states.set(s.name, s.state);
        if (states.get('live') !== 'unknown' && states.get('dead') !== 'unknown') resolve();
      };
      stack.on('peer', check);
      check();
    });
    assert.equal(states.get('live'), 'up');
    assert.equal(states.get('dead'), 'down');
    assert.deepEqual(stack.peers.statuses().map((p) => p.name), ['live', 'dead'], 'peers without a host are not pinged');
    assert.equal(stack.peers.statuses()[0]?.target, `sip:127.0.0.1:${livePort}`);
    assert.equal(stack.peers.statuses()[1]?.target, `sip:127.0.0.1:${deadPort};transport=tcp`);
  });
});
