/** End-to-end tests of the `patchbay` executable: start, serve /health + /metrics, stop cleanly, bad config → 2. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/patchbay.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'patchbay-cli-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}): Running & { ready: Promise<void> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let port = 0;
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /"msg":"HTTP listening"/.test(out) && /"address":"[^"]*:(\d+)"/.exec(out);
    if (m && !port) {
      port = Number(m[1]);
      resolveReady();
    }
  });
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const r: Running & { ready: Promise<void> } = { child, get port() { return port; }, stdout: () => out, exit, ready };
  return r;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`start with a config file, serve /health and /metrics, stop on ${signal} with exit 0 and the port released`, async () => {
    const cfg = join(dir, `gw-${signal}.yaml`);
    writeFileSync(cfg, 'listen:\n  http: "127.0.0.1:0"\nauth:\n  api_key: "topsecret"\nlog:\n  level: info\n');
    const gw = run(['start', '--config', cfg]);
    await gw.ready;
    const health = await fetch(`http://127.0.0.1:${gw.port}/health`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as Record<string, unknown>;
    assert.ok(['ok', 'starting'].includes(body.status as string));
    assert.equal(typeof body.sip_trunks, 'number');
    assert.equal(typeof body.sip_server, 'boolean');
    assert.equal(body.active_calls, 0);
    const metrics = await fetch(`http://127.0.0.1:${gw.port}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    const text = await metrics.text();
    assert.match(text, /process_cpu_user_seconds_total/);
    assert.match(text, /patchbay_calls_total\{direction="inbound"\} 0/);
    assert.match(text, /patchbay_http_requests_total [1-9]/);
    const missing = await fetch(`http://127.0.0.1:${gw.port}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(typeof ((await missing.json()) as { message: string }).message, 'string');
    // The effective config is logged with secrets masked.
    assert.match(gw.stdout(), /effective configuration/);
    assert.ok(!gw.stdout().includes('topsecret'));
    gw.child.kill(signal);
    assert.equal(await gw.exit, 0);
    assert.ok(await portIsFree(gw.port), 'HTTP port released');
  });
}

test('environment overrides the file', async () => {
  const cfg = join(dir, 'env.yaml');
  writeFileSync(cfg, 'listen:\n  http: "127.0.0.1:1"\n');
  const gw = run(['start', '--config', cfg], { PATCHBAY_LISTEN_HTTP: '127.0.0.1:0' });
  await gw.ready;
  assert.notEqual(gw.port, 1);
  assert.equal((await fetch(`http://127.0.0.1:${gw.port}/health`)).status, 200);
  gw.child.kill('SIGTERM');
  assert.equal(await gw.exit, 0);
});

const BAD: Array<[string, string, RegExp]> = [
  ['unknown.yaml', 'listen:\n  http: "127.0.0.1:0"\n  htp: 1\n', /listen\.htp: unknown key/],
  ['type.yaml', 'webhook:\n  retry: "x"\n', /webhook\.retry: expected number/],
  ['addr.yaml', 'server:\n  listen: "nowhere"\n', /server\.listen: not a valid SIP listen address/],
  ['syntax.toml', 'x = = 1', /not valid TOML/],
];
for (const [name, text, expected] of BAD) {
  test(`bad config ${name} → exit 2 with one clear line`, async () => {
    const cfg = join(dir, name);
    writeFileSync(cfg, text);
    const gw = run(['start', '--config', cfg]);
    assert.equal(await gw.exit, 2);
    const lines = gw.stdout().trim().split('\n');
    assert.equal(lines.length, 1, gw.stdout());
    assert.match(lines[0]!, /^patchbay: config error: /);
    assert.match(lines[0]!, expected);
  });
}

test('unreadable config file → exit 2', async () => {
  const gw = run(['start', '--config', join(dir, 'does-not-exist.yaml')]);
  assert.equal(await gw.exit, 2);
  assert.match(gw.stdout(), /cannot read config file .*does-not-exist\.yaml: no such file/);
});

test('unknown command → exit 2 with usage', async () => {
  const gw = run(['frobnicate']);
  assert.equal(await gw.exit, 2);
  assert.match(gw.stdout(), /usage: patchbay start/);
});
