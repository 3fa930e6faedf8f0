/**
 * e2e harness: the usual cast, set up once per spec file — a gateway, Chromium (fake microphone
 * playing a 1 kHz tone) with the demo page registered as 1001, and baresip (440 Hz sine,
 * auto-answer) registered as 1002 — plus the gateway's UDP sockets before any call, so a test
 * can prove every call's ports were released. `close()` stops everything it started.
 */
import { launchTestBrowser, type TestBrowser } from '../../gateway/webrtc/testing/browser.ts';
import { BaresipPhone } from './baresip-phone.ts';
import { GatewayProcess, passwordOf, type GatewayProcessOptions } from './gateway.ts';
import { udpPortsOf } from './inspect.ts';
import { DemoPhone } from './phone.ts';

/** The browser's microphone tone. */
export const BROWSER_HZ = 1000;
/** baresip's sine. */
export const BARESIP_HZ = 440;

export interface Scene {
  gateway: GatewayProcess;
  browser: TestBrowser;
  phone: DemoPhone;
  baresip: BaresipPhone;
  /** The gateway's UDP ports with no call up. */
  idleUdpPorts: number[];
  /** Gateway log, page log and JsSIP trace, for a failing test's message. */
  report(): Promise<string>;
  close(): Promise<void>;
}

export interface SceneOptions extends GatewayProcessOptions {
  /** Start baresip as 1002 (default true). Without it `scene.baresip` throws when used. */
  baresip?: boolean;
}

export async function setUpScene(options: SceneOptions = {}): Promise<Scene> {
  const started: Array<{ close(): Promise<unknown> }> = [];
  try {
    const gateway = await GatewayProcess.start(options);
    started.push({ close: () => gateway.stop() });
    const browser = await launchTestBrowser(BROWSER_HZ);
    started.push(browser);
    const phone = await DemoPhone.open(browser, gateway.httpUrl);
    await phone.register('1001', passwordOf('1001'));
    const baresip = options.baresip === false ? noBaresip() : await BaresipPhone.start({ user: '1002', password: passwordOf('1002'), gatewaySipPort: gateway.sipPort, sineHz: BARESIP_HZ });
    if (options.baresip !== false) started.push({ close: () => baresip.stop() });
    const idleUdpPorts = udpPortsOf(gateway.pid);
    return {
      gateway,
      browser,
      phone,
      baresip,
      idleUdpPorts,
      async report() {
        const bs = options.baresip === false ? '' : `\n--- baresip ---\n${baresip.consoleTail()}`;
        return `--- page log ---\n${await phone.pageLog()}\n--- JsSIP ---\n${phone.sipTrace()}\n--- gateway log ---\n${gateway.logTail(40)}${bs}`;
      },
      async close() {
        for (const s of started.reverse()) await s.close().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.close().catch(() => undefined);
    throw err;
  }
}

function noBaresip(): BaresipPhone {
  return new Proxy({} as BaresipPhone, {
    get() {
      throw new Error('this scene runs without baresip');
    },
  });
}

/** Runs a test body; a failure's message gets the page log, JsSIP trace, gateway and baresip logs. */
export async function withReport<T>(scene: Scene, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error) err.message += `\n${await scene.report().catch(() => '(no report)')}`;
    throw err;
  }
}
