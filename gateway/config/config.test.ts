/** Tests for config loading: YAML/TOML/JSON, env overrides, and one clear error per bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, resolveConfig, envFields, ConfigError, maskSecrets, demoConfig, effectiveTrunks } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'patchbay-config-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const noEnv = {};

function expectError(fn: () => unknown, path: string, problem: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.path, path);
    assert.match(err.problem, problem);
    assert.equal(err.exitCode, 2);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}

const FULL_YAML = `
listen:
  http: "0.0.0.0:8080"
webhook:
  url: "http://127.0.0.1:3000"
  timeout: "5s"
  retry: 2
stream:
  encoding: "audio/x-l16"
  sample_rate: 16000
auth:
  api_key: "k"
rate_limit:
  requests_per_second: 100
tls:
  cert: "/c.pem"
  key: "/k.pem"
sip:
  username: "user"
  password: "pass"
  host: "sip.provider.com"
  transport: "udp"
  rtp_port_min: 10000
  rtp_port_max: 20000
  srtp: false
  stun_server: ""
trunks:
  - name: "telnyx"
    username: "user1"
    password: "pass1"
    host: "sip.telnyx.com"
    transport: "tls"
    srtp: true
server:
  listen: "0.0.0.0:5080"
  rtp_port_min: 0
  rtp_port_max: 0
  rtp_address: "10.200.0.20"
  peers:
    - name: "office-pbx"
      host: "192.168.1.10"
      port: 5060
      codecs: ["ulaw", "alaw"]
    - name: "twilio"
      hosts: ["54.172.60.0/22", "54.244.51.0/22"]
      codecs: ["ulaw"]
    - name: "remote-office"
      auth: { username: "remote-trunk", password: "s3cret" }
      port: 5060
      codecs: ["ulaw"]
      rtp_address: "203.0.113.5"
directory:
  users:
    - { username: "1001", password: "pw", display_name: "Alice" }
`;

test('every key of the xbridge reference loads from YAML', () => {
  const c = loadConfigFile(file('full.yaml', FULL_YAML), noEnv);
  assert.equal(c.listen.http, '0.0.0.0:8080');
  assert.equal(c.webhook.retry, 2);
  assert.equal(c.stream.sample_rate, 16000);
  assert.equal(c.trunks?.[0]?.transport, 'tls');
  assert.equal(c.server?.peers[1]?.hosts.length, 2);
  assert.equal(c.server?.peers[2]?.auth?.username, 'remote-trunk');
  assert.equal(c.server?.peers[0]?.rtp_address, undefined);
  assert.equal(c.directory.users[0]?.display_name, 'Alice');
  // trunks set → sip ignored
  assert.deepEqual(effectiveTrunks(c).map((t) => t.name), ['telnyx']);
});

test('the same config loads from TOML and JSON', () => {
  const toml = `
[listen]
http = "127.0.0.1:9000"
[sip]
username = "u"
password = "p"
host = "pbx.local"
[server]
listen = "127.0.0.1:5080"
[[server.peers]]
name = "pbx"
host = "10.0.0.1"
[[directory.users]]
username = "1001"
password = "x"
`;
  const c = loadConfigFile(file('c.toml', toml), noEnv);
  assert.equal(c.listen.http, '127.0.0.1:9000');
  assert.equal(c.server?.peers[0]?.port, 5060);
  assert.deepEqual(effectiveTrunks(c).map((t) => [t.name, t.host]), [['default', 'pbx.local']]);
  const j = loadConfigFile(file('c.json', JSON.stringify({ listen: { http: '127.0.0.1:1' } })), noEnv);
  assert.equal(j.listen.http, '127.0.0.1:1');
});

test('defaults are filled in', () => {
  const c = resolveConfig({}, noEnv);
  assert.equal(c.listen.http, '127.0.0.1:8080');
  assert.equal(c.webhook.timeout, '5s');
  assert.equal(c.webhook.retry, 1);
  assert.equal(c.stream.encoding, 'audio/x-mulaw');
  assert.equal(c.sip_stack.t1_ms, 500);
});

test('environment variables override the file (env wins), following the xbridge table', () => {
  const env = {
    PATCHBAY_LISTEN_HTTP: '127.0.0.1:7777',
    PATCHBAY_SIP_HOST: 'env.example.com',
    PATCHBAY_SIP_RTP_PORT_MAX: '30000',
    PATCHBAY_SIP_SRTP: 'true',
    PATCHBAY_WEBHOOK_RETRY: '3',
    PATCHBAY_STREAM_SAMPLE_RATE: '48000',
    PATCHBAY_RATE_LIMIT_RPS: '5',
    PATCHBAY_AUTH_API_KEY: 'secret',
    PATCHBAY_SERVER_PEERS: JSON.stringify([{ name: 'p', host: '127.0.0.1' }]),
  };
  const c = loadConfigFile(file('env.yaml', FULL_YAML), env);
  assert.equal(c.listen.http, '127.0.0.1:7777');
  assert.equal(c.sip?.host, 'env.example.com');
  assert.equal(c.sip?.rtp_port_max, 30000);
  assert.equal(c.sip?.srtp, true);
  assert.equal(c.webhook.retry, 3);
  assert.equal(c.stream.sample_rate, 48000);
  assert.equal(c.rate_limit.requests_per_second, 5);
  assert.equal(c.auth.api_key, 'secret');
  assert.deepEqual(c.server?.peers.map((p) => p.name), ['p']);
});

test('every reference environment variable is derived from the schema', () => {
  const names = new Set(envFields((await_schema())).map((f) => f.name));
  for (const x of [
    'LISTEN_HTTP', 'SIP_USERNAME', 'SIP_PASSWORD', 'SIP_HOST', 'SIP_TRANSPORT', 'SIP_RTP_PORT_MIN', 'SIP_RTP_PORT_MAX',
    'SIP_SRTP', 'SIP_STUN_SERVER', 'WEBHOOK_URL', 'WEBHOOK_TIMEOUT', 'WEBHOOK_RETRY', 'STREAM_ENCODING',
    'STREAM_SAMPLE_RATE', 'AUTH_API_KEY', 'TLS_CERT', 'TLS_KEY',
  ]) assert.ok(names.has(`PATCHBAY_${x}`), `PATCHBAY_${x}`);
});
import { configSchema } from './schema.ts';
function await_schema() {
  return configSchema;
}

test('unknown key → error naming its path', () => {
  expectError(() => loadConfigFile(file('u.yaml', 'sip:\n  username: a\n  password: b\n  host: h\n  hots: x\n'), noEnv), 'sip.hots', /unknown key/);
  expectError(() => loadConfigFile(file('u2.yaml', 'lisen:\n  http: "1.2.3.4:5"\n'), noEnv), 'lisen', /unknown key/);
  expectError(() => loadConfigFile(file('u3.yaml', 'server:\n  listen: "127.0.0.1:5060"\n  peers:\n    - name: a\n      hostz: 1.2.3.4\n'), noEnv), 'server.peers[0].hostz', /unknown key/);
});

test('wrong type → error naming path and expected type', () => {
  expectError(() => loadConfigFile(file('t.yaml', 'webhook:\n  retry: "lots"\n'), noEnv), 'webhook.retry', /expected number/);
  expectError(() => loadConfigFile(file('t2.yaml', 'sip:\n  username: a\n  password: b\n  host: h\n  srtp: "maybe"\n'), noEnv), 'sip.srtp', /expected boolean/);
  expectError(() => loadConfigFile(file('t3.yaml', 'stream:\n  encoding: "audio/ogg"\n'), noEnv), 'stream.encoding', /audio\/x-mulaw/);
  expectError(() => loadConfigFile(file('t4.yaml', 'webhook:\n  timeout: "soon"\n'), noEnv), 'webhook.timeout', /duration/);
  expectError(() => loadConfigFile(file('t5.yaml', 'sip:\n  username: a\n  host: h\n'), noEnv), 'sip.password', /required/);
});

test('bad address → error naming the key', () => {
  expectError(() => loadConfigFile(file('a.yaml', 'listen:\n  http: "localhost"\n'), noEnv), 'listen.http', /not a valid HTTP listen address/);
  expectError(() => loadConfigFile(file('a2.yaml', 'server:\n  listen: "1.2.3.4:99999"\n'), noEnv), 'server.listen', /not a valid SIP listen address/);
  expectError(() => loadConfigFile(file('a3.yaml', 'server:\n  listen: "127.0.0.1:5080"\n  peers:\n    - name: p\n      hosts: ["10.0.0.0/33"]\n'), noEnv), 'server.peers[0].hosts[0]', /CIDR/);
  expectError(() => loadConfigFile(file('a4.yaml', 'server:\n  listen: "[::1]:5080"\n  rtp_port_min: 3000\n  rtp_port_max: 2000\n'), noEnv), 'server.rtp_port_min', /must not exceed/);
});

test('bad value from the environment names the variable', () => {
  expectError(() => resolveConfig({}, { PATCHBAY_WEBHOOK_RETRY: 'x' }), 'webhook.retry', /PATCHBAY_WEBHOOK_RETRY/);
});

test('unreadable file, bad syntax, unknown extension → clear error', () => {
  expectError(() => loadConfigFile(join(dir, 'missing.yaml'), noEnv), '', /cannot read config file .*missing\.yaml: no such file/);
  const sub = join(dir, 'adir.yaml');
  mkdirSync(sub);
  expectError(() => loadConfigFile(sub, noEnv), '', /is a directory/);
  if (process.getuid?.() !== 0) {
    const p = file('secret.yaml', 'listen: {}');
    chmodSync(p, 0);
    expectError(() => loadConfigFile(p, noEnv), '', /permission denied/);
  }
  expectError(() => loadConfigFile(file('bad.yaml', 'listen: [\n'), noEnv), '', /not valid YAML/);
  expectError(() => loadConfigFile(file('bad.toml', 'listen = = 1'), noEnv), '', /not valid TOML/);
  expectError(() => loadConfigFile(file('c.ini', 'x=1'), noEnv), '', /unsupported config file extension/);
  expectError(() => loadConfigFile(file('list.yaml', '- 1\n- 2\n'), noEnv), '', /mapping/);
});

test('duplicate names are rejected', () => {
  expectError(() => resolveConfig({ directory: { users: [{ username: 'a', password: 'x' }, { username: 'a', password: 'y' }] } }, noEnv), 'directory.users[1].username', /duplicate/);
});

test('secrets are masked for logging', () => {
  const c = loadConfigFile(file('m.yaml', FULL_YAML), noEnv);
  const masked = JSON.stringify(maskSecrets(c));
  for (const secret of ['"pass"', 'pass1', 's3cret', '"pw"', '"k"']) assert.ok(!masked.includes(secret), secret);
  assert.ok(masked.includes('"username":"user"'));
});

test('demo defaults bind to loopback only', () => {
  const c = resolveConfig(demoConfig() as Record<string, unknown>, noEnv);
  assert.match(c.listen.http, /^127\.0\.0\.1:/);
  assert.match(c.server!.listen, /^127\.0\.0\.1:/);
  assert.equal(c.directory.users.length, 5);
});

test('routes, webrtc and calls blocks: defaults and validation', () => {
  const c = resolveConfig(
    {
      routes: [
        { name: 'carrier', to: '^\\+?[0-9]{7,}$', target: { trunk: 'telnyx' } },
        { to: '^(1[0-9]{3})$', source: 'peer:office-pbx', target: { user: '$1' } },
      ],
      webrtc: { host_addresses: ['127.0.0.1'], ice_servers: [{ urls: 'stun:127.0.0.1:3478' }] },
    },
    noEnv,
  );
  assert.equal(c.routes[0]!.source, 'any');
  assert.equal(c.routes[1]!.target.user, '$1');
  assert.equal(c.webrtc.ice_lite, false);
  assert.equal(c.webrtc.codec_policy, 'passthrough');
  assert.equal(c.calls.no_answer_timeout, '60s');
  expectError(() => resolveConfig({ routes: [{ to: '([', target: { user: 'x' } }] }, noEnv), 'routes[0].to', /regular expression/);
  expectError(() => resolveConfig({ routes: [{ target: { user: 'x', trunk: 'y' } }] }, noEnv), 'routes[0].target', /exactly one/);
  expectError(() => resolveConfig({ routes: [{ source: 'nowhere', target: { user: 'x' } }] }, noEnv), 'routes[0].source', /./);
  expectError(() => resolveConfig({ webrtc: { host_addresses: ['not an ip!'] } }, noEnv), 'webrtc.host_addresses[0]', /IP/);
});
