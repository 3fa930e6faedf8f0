/**
 * B2bua: turns the SIP stack's incoming INVITEs into Calls. For each INVITE: refuse when the call
 * limit is reached (503) or it carries no offer (488); find out who calls (peer IP, trunk, a
 * directory user by Digest 407, peer Digest 401, else 403); route it (config `routes`, then the
 * defaults); make the caller's leg (WebRTC for a browser offer, RTP otherwise) and the callee's
 * (parallel INVITEs to a user's contacts — WebRTC toward WebSocket bindings — a trunk, a peer,
 * or an extension); and hand both to a Call in the CallRegistry. Media anchors in the gateway
 * for every call, browser to browser included.
 */
import type { MediaClock } from '../../media/index.ts';
import { effectiveTrunks, parseDuration, type Config, type PeerConfig, type TrunkConfig } from '../config/index.ts';
import type { RtpPortPool } from '../rtp/index.ts';
import { formatNameAddr, getHeader, parseNameAddr, type Binding, type IncomingInvite, type UserAgent } from '../sip/index.ts';
import { Call, type CallTimers } from './call.ts';
import type { OutboundLeg } from './call-leg.ts';
import { ExtensionCallLeg } from './extensions/extension-call-leg.ts';
import { ExtensionRegistry } from './extensions/registry.ts';
import { legCodec } from './leg-codec.ts';
import { PeerAuthorizer } from './peer-auth.ts';
import { CallRegistry, type CallMetrics } from './registry.ts';
import { Router, type RouteTarget } from './router.ts';
import { offeredCodecs } from './sessions/media-session.ts';
import { SessionFactory } from './sessions/session-factory.ts';
import { CallerAuthenticator, userOf } from './sip/caller-auth.ts';
import { SipInboundLeg } from './sip/inbound-leg.ts';
import { SipOutboundLeg, type OutboundTarget } from './sip/outbound-leg.ts';
import type { WebRtcLegOptions } from '../webrtc/index.ts';

/** The configuration the B2BUA reads. */
export type B2buaConfig = Pick<Config, 'routes' | 'directory' | 'trunks' | 'sip' | 'server' | 'webrtc' | 'calls' | 'sip_stack'>;

export interface B2buaLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface B2buaOptions {
  /** The SIP stack's user agent (SipStack.ua). */
  ua: UserAgent;
  /** Registered contacts (SipStack.location). */
  location: { lookup(aor: string): Binding[] };
  config: B2buaConfig;
  /** The engine's shared media clock (started by its owner). */
  clock: MediaClock;
  /** RTP ports for SIP legs. */
  ports: RtpPortPool;
  /** Where calls are kept. Default: a new registry with `calls.max_calls` and `metrics`. */
  registry?: CallRegistry;
  /** Extensions calls can be routed to. Default: echo and tone. */
  extensions?: ExtensionRegistry;
  /** Metrics (GatewayMetrics fits); `trunkCallsTotal` counts calls from peers. */
  metrics?: CallMetrics & { trunkCallsTotal?: { inc(): void } };
  /** Timers of the calls' timeouts. Default: Node's. */
  timers?: CallTimers;
  /** Digest realm for INVITE challenges. Default: sip_stack.realm, else the SIP listen host, else 'patchbay'. */
  realm?: string;
  /** Extra WebRTC leg settings (tests: connect timeouts). Default: from config.webrtc. */
  webrtc?: Omit<WebRtcLegOptions, 'codecs' | 'id'>;
  logger?: B2buaLogger;
}

export interface B2buaStats {
  invites: number;
  challenged: number;
  forbidden: number;
  rejected: number;
  calls: number;
}

function isConnectionBound(protocol: string): boolean {
  return protocol === 'ws' || protocol === 'wss' || protocol === 'tcp' || protocol === 'tls';
}

function isBrowserBinding(b: Binding): boolean {
  return b.source.protocol === 'ws' || b.source.protocol === 'wss' || /;transport=wss?\b/i.test(b.contact);
}

function sipUri(user: string, host: string, transport: string): string {
  const t = transport === 'udp' ? '' : `;transport=${transport}`;
  return `sip:${user}@${host}${t}`;
}

export class B2bua {
  readonly registry: CallRegistry;
  readonly sessions: SessionFactory;
  readonly router: Router;
  readonly extensions: ExtensionRegistry;
  readonly #o: B2buaOptions;
  readonly #auth: CallerAuthenticator;
  readonly #trunks: TrunkConfig[];
  readonly #stats = { invites: 0, challenged: 0, forbidden: 0, rejected: 0, calls: 0 };
  readonly #onInvite = (invite: IncomingInvite) => {
    this.#handle(invite).catch((err: unknown) => {
      this.#o.logger?.warn({ err, callId: invite.callId }, 'INVITE handling failed');
      if (!invite.finished) invite.reject(500);
    });
  };
  #closed = false;

  constructor(options: B2buaOptions) {
    this.#o = options;
    const { config } = options;
    const users = new Map(config.directory.users.map((u) => [u.username, u.password]));
    this.#trunks = effectiveTrunks(config as Config);
    const peers: PeerConfig[] = config.server?.peers ?? [];
    this.extensions = options.extensions ?? ExtensionRegistry.withDefaults();
    this.registry =
      options.registry ?? new CallRegistry({ maxCalls: config.calls.max_calls, metrics: options.metrics });
    const realm = options.realm ?? config.sip_stack.realm ?? (config.server ? config.server.listen.replace(/:\d+$/, '').replace(/^\[|\]$/g, '') : 'patchbay');
    this.#auth = new CallerAuthenticator({
      password: (u) => users.get(u),
      realm,
      peers: new PeerAuthorizer(peers, { realm }),
      trunks: this.#trunks,
    });
    this.router = new Router({
      routes: config.routes,
      userExists: (u) => users.has(u),
      contacts: (u) => options.location.lookup(u),
      trunks: this.#trunks,
      peers,
      extensionExists: (n) => this.extensions.has(n),
    });
    const w = config.webrtc;
    this.sessions = new SessionFactory({
      clock: options.clock,
      ports: options.ports,
      rtpAddress: config.server?.rtp_address,
      codecPolicy: w.codec_policy,
      webrtc: options.webrtc ?? {
        ...(w.host_addresses.length > 0 ? { hostAddresses: w.host_addresses } : {}),
        iceServers: w.ice_servers,
        iceLite: w.ice_lite,
      },
    });
    options.ua.on('invite', this.#onInvite);
  }

  get closed(): boolean {
    return this.#closed;
  }

  getStats(): B2buaStats {
    return { ...this.#stats, calls: this.registry.size };
  }

  /** Stop taking calls and hang up every call (idempotent); resolves once their media is released. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#o.ua.off('invite', this.#onInvite);
      this.registry.hangupAll();
    }
    await this.sessions.settled();
  }

  async #handle(invite: IncomingInvite): Promise<void> {
    this.#stats.invites++;
    const log = this.#o.logger;
    if (this.#closed || this.registry.full) {
      if (!this.#closed) this.registry.refuse();
      invite.reject(503, { headers: { 'Retry-After': '5' } });
      return;
    }
    if (invite.sdp === undefined) {
      invite.reject(488, { reason: 'Offerless INVITE Not Supported' });
      return;
    }
    const auth = await this.#auth.authenticate(invite.request, invite.source);
    if (invite.finished) return;
    if (auth.kind === 'challenge') {
      this.#stats.challenged++;
      invite.reject(auth.status, { reason: auth.reason, headers: auth.headers });
      return;
    }
    if (auth.kind === 'forbidden') {
      this.#stats.forbidden++;
      log?.info({ callId: invite.callId, source: invite.source.address, reason: auth.reason }, 'INVITE forbidden');
      invite.reject(403);
      return;
    }
    const source = auth.source;
    const to = userOf(invite.uri) || userOf(getHeader(invite.request, 'To') ?? '');
    const from = userOf(getHeader(invite.request, 'From') ?? '');
    const decision = this.router.route({ to, from, source });
    log?.info({ callId: invite.callId, from, to, source, rule: decision.rule, route: decision.label }, 'INVITE routed');
    if (decision.target.kind === 'reject') {
      this.#stats.rejected++;
      invite.reject(decision.target.status);
      return;
    }
    if (source.kind === 'peer') this.#o.metrics?.trunkCallsTotal?.inc();
    const calls = this.#o.config.calls;
    const a = new SipInboundLeg(invite, this.sessions, { warn: (obj, msg) => log?.warn(obj, msg) });
    const call = new Call({
      a,
      from,
      to,
      direction: source.kind === 'user' ? 'outbound' : 'inbound',
      route: decision.label,
      clock: this.#o.clock,
      timers: this.#o.timers,
      noAnswerTimeoutMs: parseDuration(calls.no_answer_timeout) ?? 60_000,
      rtpTimeoutMs: parseDuration(calls.rtp_timeout) ?? 30_000,
      logger: log,
    });
    this.registry.add(call);
    this.#stats.calls++;
    call.once('ended', (cdr) => log?.info({ cdr }, 'call ended'));
    call.connect(this.#callee(decision.target, invite, from, call.id));
  }

  /** The callee's leg for a route target. */
  #callee(target: Exclude<RouteTarget, { kind: 'reject' }>, invite: IncomingInvite, from: string, callId: string): OutboundLeg {
    const offered = offeredCodecs(invite.sdp!);
    const warn = (obj: object, msg: string) => this.#o.logger?.warn(obj, msg);
    if (target.kind === 'extension') {
      return new ExtensionCallLeg({
        registry: this.extensions,
        name: target.name,
        codec: legCodec(offered[0] ?? 'PCMU'),
        clock: this.#o.clock,
        id: `${callId}.b`,
      });
    }
    const caller = parseNameAddr(getHeader(invite.request, 'From') ?? `<sip:${from}@invalid>`);
    const { tag: _tag, ...params } = caller.params;
    const identity = this.#o.ua.identity.host;
    let targets: OutboundTarget[];
    let fromHeader: string;
    let toHeader: string | undefined;
    if (target.kind === 'user') {
      fromHeader = formatNameAddr({ ...caller, params });
      toHeader = `<sip:${target.user}@${identity}>`;
      targets = target.contacts.map((b) => ({
        uri: b.contact,
        destination: isConnectionBound(b.source.protocol) ? b.source : undefined,
        routes: b.path.length > 0 ? b.path : undefined,
        webrtc: isBrowserBinding(b),
      }));
    } else if (target.kind === 'trunk') {
      const t = target.trunk;
      const host = t.host;
      fromHeader = formatNameAddr({ displayName: caller.displayName, uri: `sip:${from || t.username}@${host.replace(/:\d+$/, '')}`, params: {} });
      targets = [
        {
          uri: sipUri(target.number, host, t.transport),
          webrtc: false,
          credentials: { username: t.username, password: t.password },
          srtp: t.srtp,
        },
      ];
    } else {
      const p = target.peer;
      const host = p.host!.includes(':') ? `[${p.host}]` : p.host!;
      fromHeader = formatNameAddr({ displayName: caller.displayName, uri: `sip:${from}@${identity}`, params: {} });
      targets = [{ uri: sipUri(target.number, `${host}:${p.port}`, p.transport), webrtc: false }];
    }
    return new SipOutboundLeg(this.#o.ua, targets, this.sessions, {
      from: fromHeader,
      to: toHeader,
      preferredCodecs: offered,
      id: `${callId}.b`,
      warn,
    });
  }
}
