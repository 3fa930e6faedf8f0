/**
 * e2e harness: a real gateway as a child process (`node bin/patchbay.mjs start --config <yaml>`)
 * on free loopback ports — HTTP (+ SIP over WebSocket at /sip), SIP UDP/TCP, its own RTP range —
 * with demo users 1001–1005, routes, trunks and peers from the test. Resolves once /health says
 * ok; `stop()` sends SIGTERM and waits for the exit. Its log (pino JSON) is kept for reports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { DEMO_USERS, type ConfigInput } from '../../gateway/config/index.ts';
import { freePorts } from '../../testing/free-port.ts';
import { GatewayInspector } from './inspect.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface GatewayProcessOptions {
  /** Start with no --config (the embedded demo defaults), ports moved by PATCHBAY_* env. Default false. */
  demo?: boolean;
  /** Config blocks merged over the harness defaults (listen, server, directory, webrtc). */
  config?: Partial<ConfigInput>;
  /** Extra environment (PATCHBAY_* overrides). Inherited PATCHBAY_* variables are dropped. */
  env?: Record<string, string>;
  /** How long to wait for /health to be ok. Default 20 s. */
  startTimeoutMs?: number;
}

/** The demo users' credentials (1001–1005, password `demo<user>`). */
export const USERS = DEMO_USERS.map(({ username, password }) => ({ username, password }));

export function passwordOf(user: string): string {
  return USERS.find((u) => u.username === user)!.password;
}

export class GatewayProcess {
  readonly httpPort: number;
  readonly sipPort: number;
  readonly rtpRange: [number, number];
  readonly inspect: GatewayInspector;
  readonly #child: ChildProcess;
  readonly #dir: string;
  #log = '';
  #exited: Promise<number | null>;

  private constructor(child: ChildProcess, dir: string, httpPort: number, sipPort: number, rtpRange: [number, number]) {
    this.#child = child;
    this.#dir = dir;
    this.httpPort = httpPort;
    this.sipPort = sipPort;
    this.rtpRange = rtpRange;
    this.inspect = new GatewayInspector(this.httpUrl, rtpRange);
    child.stdout!.on('data', (d: Buffer) => (this.#log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.#log += d.toString()));
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
    const [httpPort, sipPort] = (await freePorts(2)) as [number, number];
    // A 200-port RTP block of its own, away from baresip's (30000–49999) and the OS's ephemeral range.
    const rtpMin = 20000 + 200 * Math.floor(Math.random() * 45);
    const rtpRange: [number, number] = [rtpMin, rtpMin + 199];
    const { server, webrtc, ...rest } = options.config ?? {};
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-e2e-gw-'));
    const config: ConfigInput = {
      data_dir: join(dir, 'data'),
      listen: { http: `127.0.0.1:${httpPort}` },
      directory: { users: USERS },
      log: { level: 'debug' },
      ...rest,
      server: { listen: `127.0.0.1:${sipPort}`, rtp_port_min: rtpRange[0], rtp_port_max: rtpRange[1], rtp_address: '127.0.0.1', ...server },
      webrtc: { host_addresses: ['127.0.0.1'], ...webrtc },
    };
    const file = join(dir, 'patchbay.yaml');
    writeFileSync(file, stringify(config));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PATCHBAY_')));
    const demoEnv = {
      PATCHBAY_LISTEN_HTTP: `127.0.0.1:${httpPort}`,
      PATCHBAY_SERVER_LISTEN: `127.0.0.1:${sipPort}`,
      PATCHBAY_SERVER_RTP_PORT_MIN: String(rtpRange[0]),
      PATCHBAY_SERVER_RTP_PORT_MAX: String(rtpRange[1]),
      PATCHBAY_DATA_DIR: dir,
    };
    const args = options.demo ? ['start'] : ['start', '--config', file];
    const child = spawn(process.execPath, [join(ROOT, 'bin/patchbay.mjs'), ...args], {
      cwd: ROOT,
      env: { ...env, ...(options.demo ? demoEnv : {}), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const gw = new GatewayProcess(child, dir, httpPort, sipPort, rtpRange);
    await gw.#waitHealthy(options.startTimeoutMs ?? 20_000);
    return gw;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Everything the gateway printed (pino JSON lines). */
  get log(): string {
    return this.#log;
  }

  /** The last `n` log lines, for failure messages. */
  logTail(n = 60): string {
    return this.#log.trimEnd().split('\n').slice(-n).join('\n');
  }

  async #waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.#child.exitCode !== null) throw new Error(`gateway exited with ${this.#child.exitCode}:\n${this.logTail()}`);
      try {
        const res = await fetch(`${this.httpUrl}/health`);
        last = await res.text();
        if (res.ok && (JSON.parse(last) as { status?: string }).status === 'ok') return;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.stop();
    throw new Error(`gateway not healthy within ${timeoutMs} ms (last /health: ${last}):\n${this.logTail()}`);
  }

  /** SIGTERM, then SIGKILL after 5 s; removes the config directory. Idempotent. */
  async stop(): Promise<number | null> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGTERM');
      const t = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
      await this.#exited;
      clearTimeout(t);
    }
    rmSync(this.#dir, { recursive: true, force: true });
    return this.#exited;
  }
}
