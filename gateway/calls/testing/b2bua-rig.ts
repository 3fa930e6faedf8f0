/**
 * B2buaRig: a gateway for calls tests on 127.0.0.1 — a SipStack (UDP, the directory users), an
 * RtpPortPool, one running MediaClock and a B2bua over them, configured through the real config
 * schema — plus TestPhones on the same clock and pool, and one `close()` that releases it all.
 */
import { initResampler, MediaClock } from '../../../media/index.ts';
import { configSchema, type ConfigInput } from '../../config/index.ts';
import { RtpPortPool } from '../../rtp/index.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { routeUpgrades, SipStack } from '../../sip/stack/index.ts';
import { freePort } from '../../../testing/free-port.ts';
import { B2bua, type B2buaOptions } from '../b2bua.ts';
import { TestPhone } from './phone.ts';

export const USERS = ['1001', '1002', '1003', '1004', '1005'].map((u) => ({ username: u, password: `pw-${u}` }));

/** Rig settings beyond the config. */
export interface RigOptions {
  /** SIP timers of the gateway and phones (short ones let transactions finish quickly). */
  sipTimers?: { t1?: number; t4?: number };
}

export class B2buaRig {
  readonly clock = new MediaClock();
  readonly ports = new RtpPortPool({ bindAddress: '127.0.0.1' });
  readonly phones: TestPhone[] = [];
  stack!: SipStack;
  b2bua!: B2bua;
  port = 0;
  /** HTTP server carrying SIP over WebSocket at /sip. */
  readonly http: Server = createServer((_, res) => res.writeHead(404).end());
  httpPort = 0;

  #sipTimers: RigOptions['sipTimers'];

  static async start(config: Partial<ConfigInput> = {}, options: Partial<B2buaOptions> = {}, rigOptions: RigOptions = {}): Promise<B2buaRig> {
    await initResampler();
    const rig = new B2buaRig();
    rig.port = await freePort();
    const parsed = configSchema.parse({
      server: { listen: `127.0.0.1:${rig.port}` },
      directory: { users: USERS },
      ...config,
    });
    rig.#sipTimers = rigOptions.sipTimers;
    await new Promise<void>((resolve) => rig.http.listen(0, '127.0.0.1', resolve));
    rig.httpPort = (rig.http.address() as AddressInfo).port;
    rig.stack = await SipStack.start({
      listen: { host: '127.0.0.1', port: rig.port },
      ws: { path: '/sip', port: rig.httpPort },
      users: USERS,
      realm: '127.0.0.1',
      timers: rigOptions.sipTimers,
    });
    const stack = rig.stack;
    routeUpgrades(rig.http, () => [(req, socket, head) => stack.handleUpgrade(req, socket, head)]);
    rig.clock.start();
    rig.b2bua = new B2bua({
      ua: rig.stack.ua,
      location: rig.stack.location,
      config: parsed,
      clock: rig.clock,
      ports: rig.ports,
      webrtc: { connectTimeoutMs: 5000 },
      ...options,
    });
    return rig;
  }

  /** A phone on the rig's clock and port pool. */
  async phone(): Promise<TestPhone> {
    const p = await TestPhone.start(this.clock, this.ports, this.#sipTimers);
    this.phones.push(p);
    return p;
  }

  /** A phone on SIP over WebSocket (a browser's way in). */
  async phoneWs(): Promise<TestPhone> {
    const p = await TestPhone.startWs(this.clock, this.ports, `ws://127.0.0.1:${this.httpPort}/sip`);
    this.phones.push(p);
    return p;
  }

  /** `sip:user@gateway`. */
  uri(user: string): string {
    return `sip:${user}@127.0.0.1:${this.port}`;
  }

  /** Resolves once `check` holds (polling every 20 ms, up to `ms`). */
  async until(check: () => boolean, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('condition not reached in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    await this.b2bua.close();
    await Promise.all(this.phones.map((p) => p.close()));
    await this.stack.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.clock.stop();
    await this.ports.close();
  }
}
