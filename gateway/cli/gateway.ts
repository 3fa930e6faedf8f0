/**
 * The Gateway: one running Patchbay process assembled from its parts (config → logger, metrics,
 * HTTP app, SIP stack with SIP over WebSocket on the HTTP server at /sip). It owns every socket
 * it opens; stop() releases them all and is idempotent.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { type Config, effectiveTrunks, parseHostPort, maskSecrets } from '../config/index.ts';
import { networkInterfaces } from 'node:os';
import { createLogger, GatewayMetrics, type Logger } from '../observability/index.ts';
import { createApp, demoPageRoutes, demoPrefill, webhooksFromConfig, type HealthStatus, type WebhookSender } from '../api/index.ts';
import { attachAppEvents, type AppEvents } from '../api/app-events.ts';
import { recentCallUsers, recentCallsOf } from '../api/recent-calls.ts';
import type { Call } from '../calls/index.ts';
import { webDialerRoutes } from '../api/web-dialer-routes.ts';
import { cdrRoutes } from '../api/cdr-routes.ts';
import { B2bua, CallControlError, CallService, type CallControl } from '../calls/index.ts';
import { callRoutes, countSocket, createStreamUpgrades, type StreamUpgrades } from '../api/calls/index.ts';
import { ApiDocs } from '../api/openapi/registry.ts';
import { RateLimiter } from '../api/rate-limit/rate-limiter.ts';
import { MediaClock, initResampler } from '../../media/index.ts';
import { RtpPortPool } from '../rtp/index.ts';
import { TrunkMedia } from './trunk-media.ts';
import { SipStack, localAddressToward, routeUpgrades, sipStackOptions, splitHostPort, type UpgradeHandler } from '../sip/stack/index.ts';

export interface GatewayOptions {
  /** Logger to use; default: pino to stdout at config.log.level. */
  logger?: Logger;
}

export class Gateway {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics = new GatewayMetrics();
  #http?: HttpServer;
  #sip?: SipStack;
  #webhooks?: WebhookSender;
  #calls?: B2bua;
  #service?: CallService;
  #streams?: StreamUpgrades;
  #limiter?: RateLimiter;
  #clock?: MediaClock;
  #ports?: RtpPortPool;
  #trunkMedia?: TrunkMedia;
  #appEvents?: AppEvents;
  /** Offered every HTTP upgrade in order (SIP over WebSocket first); unclaimed upgrades get 404. */
  readonly upgradeHandlers: UpgradeHandler[] = [];
  #started = false;
  #closed = false;

  constructor(config: Config, options: GatewayOptions = {}) {
    this.config = config;
    this.logger = options.logger ?? createLogger(config.log.level);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The bound HTTP address (useful when listen.http asked for port 0). */
  get httpAddress(): AddressInfo | undefined {
    const a = this.#http?.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  /** The SIP stack once started (incoming INVITEs: `sip.ua.on('invite')`; without a listener they get 480). */
  get sip(): SipStack | undefined {
    return this.#sip;
  }

  health(): HealthStatus {
    // Until the call engine runs, nothing can take a call: report "starting" (sip_server false)
    // even though the SIP sockets may already be bound.
    if (!this.#service) return { sip_trunks: 0, sip_server: false, active_calls: 0 };
    return {
      sip_trunks: this.#sip?.registeredTrunks ?? 0,
      sip_server: this.#sip?.serving ?? false,
      active_calls: this.#calls?.registry.size ?? 0,
    };
  }

  /** The call engine (B2BUA) once started. */
  get calls(): B2bua | undefined {
    return this.#calls;
  }

  /** The engine's one media clock once started (bench/calls reads each tick's lateness from it). */
  get mediaClock(): MediaClock | undefined {
    return this.#clock;
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error('gateway already started');
    this.#started = true;
    this.logger.info({ config: maskSecrets(this.config) }, 'effective configuration');
    const { sender, deadLetters } = webhooksFromConfig(this.config.webhook, { logger: this.logger, metrics: this.metrics, dataDir: this.config.data_dir });
    this.#webhooks = sender;
    const demo = demoPageRoutes({ prefill: demoPrefill(this.config.directory.users) });
    const web = await webDialerRoutes({ logger: this.logger.child({ component: 'web' }), demo });
    const docs = new ApiDocs();
    // One token bucket per caller for the REST API and the /ws upgrades together.
    const rps = this.config.rate_limit.requests_per_second;
    const limiter = rps ? new RateLimiter({ requestsPerSecond: rps, rejections: this.metrics.rateLimitRejectionsTotal }) : undefined;
    this.#limiter = limiter;
    const control = this.#control();
    const app = createApp({
      docs,
      logger: this.logger,
      metrics: this.metrics,
      health: () => this.health(),
      apiKey: this.config.auth.api_key,
      rateLimit: limiter ? { limiter } : undefined,
      deadLetters,
      demoPage: false,
      extra: [callRoutes({ control, docs }), cdrRoutes(() => this.#calls?.registry.records() ?? []), web],
    });
    const listener = getRequestListener(app.fetch);
    const { cert, key } = this.config.tls;
    this.#http = cert && key ? createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, listener) : createHttpServer(listener);
    const { host, port } = parseHostPort(this.config.listen.http)!;
    await listen(this.#http, host, port);
    const a = this.httpAddress!;
    const sip = await SipStack.start(sipStackOptions(this.config, { httpPort: a.port, httpSecure: Boolean(cert), logger: this.logger.child({ component: 'sip' }) }));
    this.#sip = sip;
    this.upgradeHandlers.unshift((req, socket, head) => sip.handleUpgrade(req, socket, head));
    await this.#startCalls(sip);
    this.#streams = createStreamUpgrades({
      control,
      apiKey: this.config.auth.api_key,
      rateLimit: this.#limiter ? { limiter: this.#limiter } : undefined,
      streamConfig: this.config.stream,
      metrics: this.metrics,
      logger: this.logger.child({ component: 'streams' }),
    });
    this.upgradeHandlers.push(this.#streams.upgradeHandler);
    this.#appEvents = attachAppEvents({
      server: this.#http,
      users: () => this.config.directory.users,
      online: () => sip.location.aors(),
      onOnlineChange: (listener) => {
        sip.on('registration', listener);
        return () => sip.off('registration', listener);
      },
      recentCalls: (user) => recentCallsOf(user, this.#calls?.registry.records() ?? []),
      // CallRegistry has no end event of its own: each new call (B2bua 'call') is watched until it
      // ends; by then its CDR is in registry.records().
      onRecentCallsChange: (listener) => {
        const calls = this.#calls;
        if (!calls) return () => {};
        const onCall = (call: Call) => call.once('ended', (cdr) => listener(...recentCallUsers(cdr)));
        calls.on('call', onCall);
        return () => calls.off('call', onCall);
      },
    });
    this.upgradeHandlers.push(this.#appEvents.upgradeHandler);
    routeUpgrades(this.#http, () => this.upgradeHandlers);
    this.logger.info({ address: `${a.address}:${a.port}`, tls: Boolean(cert) }, 'HTTP listening');
  }

  /** The media engine (one clock, one port pool) and the B2BUA that turns INVITEs into calls. */
  async #startCalls(sip: SipStack): Promise<void> {
    await initResampler();
    this.#clock = new MediaClock();
    this.#clock.start();
    const range = this.config.server ?? this.config.sip;
    const bindAddress = rtpBindAddress(this.config);
    const engineRange = { min: range?.rtp_port_min ?? 0, max: range?.rtp_port_max ?? 0 };
    this.#ports = new RtpPortPool({ bindAddress, minPort: engineRange.min, maxPort: engineRange.max });
    this.#trunkMedia = new TrunkMedia({ config: this.config, bindAddress, engineRange, logger: this.logger.child({ component: 'trunk-media' }) });
    await this.#trunkMedia.start();
    const trunkMedia = this.#trunkMedia;
    this.#calls = new B2bua({
      rtpAddress: await advertisedRtpAddress(this.config),
      ua: sip.ua,
      location: sip.location,
      config: this.config,
      clock: this.#clock,
      ports: this.#ports,
      metrics: this.metrics,
      logger: this.logger.child({ component: 'calls' }),
      trunkRegistered: (name) => sip.trunks.get(name)?.registered ?? false,
      trunkMedia: (name) => trunkMedia.policy(name),
      decide: this.#webhooks?.hasUrl
        ? async (q) => {
            const { response } = await this.#webhooks!.decideIncoming({ call_id: q.callId, from: q.from, to: q.to, direction: 'inbound', ...(q.peer ? { peer: q.peer } : {}) });
            return response;
          }
        : undefined,
    });
    this.#service = new CallService({
      b2bua: this.#calls,
      clock: this.#clock,
      stream: this.config.stream,
      logger: this.logger.child({ component: 'streams' }),
      notify: (event, url) => {
        if (this.#webhooks && (url || this.#webhooks.hasUrl)) void this.#webhooks.notify(event, url ? { url } : {});
      },
      onConnectOutSocket: (ws) => countSocket(ws, this.metrics),
    });
  }

  /** CallControl for the API, resolving the service once the engine runs (routes are built first). */
  #control(): CallControl {
    const s = () => {
      if (!this.#service) throw new CallControlError(503, 'The call engine is not running');
      return this.#service;
    };
    return {
      create: (r) => s().create(r),
      list: () => this.#service?.list() ?? [],
      get: (id) => this.#service?.get(id),
      hangup: (id) => s().hangup(id),
      hold: (id) => s().hold(id),
      resume: (id) => s().resume(id),
      transfer: (id, t) => s().transfer(id, t),
      dtmf: (id, d) => s().dtmf(id, d),
      mute: (id) => s().mute(id),
      unmute: (id) => s().unmute(id),
      play: (id, r) => s().play(id, r),
      stopPlay: (id) => s().stopPlay(id),
      canStream: (id) => this.#service?.canStream(id) ?? false,
      attachStream: (id, ws, q) => s().attachStream(id, ws, q),
    };
  }

  async stop(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#appEvents?.close();
    this.#service?.close();
    this.#streams?.close?.();
    await this.#calls?.close();
    this.#clock?.stop();
    await this.#ports?.close();
    await this.#trunkMedia?.close();
    await this.#sip?.close();
    if (this.#webhooks) {
      const webhooks = this.#webhooks;
      await Promise.race([webhooks.flush(), new Promise((r) => setTimeout(r, 2000).unref())]);
      await webhooks.close();
    }
    const http = this.#http;
    if (http) {
      http.closeAllConnections?.();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    this.logger.info('gateway stopped');
  }
}

/**
 * The address SDP advertises for RTP: `server.rtp_address` when set; when RTP binds a wildcard
 * address (only trunks configured, or SIP listening on 0.0.0.0) our address toward the first trunk
 * (what its Contact uses too) or else the first peer with a host, else the first external IPv4 interface, else loopback. Undefined
 * when RTP binds a concrete address (that address is advertised).
 */
async function advertisedRtpAddress(config: Config): Promise<string | undefined> {
  if (config.server?.rtp_address) return config.server.rtp_address;
  const bind = rtpBindAddress(config);
  if (bind !== '0.0.0.0' && bind !== '::') return undefined;
  const trunk = effectiveTrunks(config)[0];
  const peer = config.server?.peers.find((p) => p.host !== undefined);
  const far = trunk ? splitHostPort(trunk.host) : peer ? { host: peer.host!, port: peer.port } : undefined;
  if (far) {
    const toward = await localAddressToward(far.host, far.port);
    if (toward && toward !== '0.0.0.0') return toward;
  }
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** RTP ports bind where SIP listens (0.0.0.0 when only trunks are configured); `rtp_address` is what SDP advertises. */
function rtpBindAddress(config: Config): string {
  return config.server ? parseHostPort(config.server.listen)!.host : '0.0.0.0';
}

function listen(server: HttpServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
