/**
 * B2bua: turns the SIP stack's incoming INVITEs into Calls. For each INVITE: refuse when the call
 * limit is reached (503) or it carries no offer (488); find out who calls (peer IP, trunk, a
 * directory user by Digest 407, peer Digest 401, else 403); route it (config `routes`, then the
 * defaults); make the caller's leg (WebRTC for a browser offer, RTP otherwise) and the callee's
 * (parallel INVITEs to a user's contacts — WebRTC toward WebSocket bindings — a trunk, a peer,
 * or an extension); and hand both to a Call in the CallRegistry. Media anchors in the gateway
 * for every call, browser to browser included.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { CodecName, MediaClock } from '../../media/index.ts';
import { effectiveTrunks, parseDuration, type Config, type PeerConfig, type TrunkConfig } from '../config/index.ts';
import type { RtpPortPool } from '../rtp/index.ts';
import { formatNameAddr, getHeader, parseNameAddr, type Binding, type IncomingInvite, type NameAddr, type UserAgent } from '../sip/index.ts';
import { DEFAULT_STREAM_CONFIG, resolveStreamFormat, wireCallCodec, type StreamConfig } from '../streams/index.ts';
import { BotCalleeLeg, BotCallerLeg } from './bot/bot-call-legs.ts';
import { BotMediaLeg } from './bot/bot-media-leg.ts';
import { CallControlError, type CreateCallRequest } from './control/types.ts';
import { referTargetMapper } from './refer-target.ts';
import { peerMediaPolicy, type MediaPolicy } from './sessions/media-policy.ts';
import { Call, type CallTimers } from './call.ts';
import type { InboundLeg, OutboundLeg } from './call-leg.ts';
import { ExtensionCallLeg } from './extensions/extension-call-leg.ts';
import { ExtensionRegistry } from './extensions/registry.ts';
import { legCodec } from './leg-codec.ts';
import { PeerAuthorizer } from './peer-auth.ts';
import { CallRegistry, type CallMetrics } from './registry.ts';
import { Router, type CallSource, type RouteTarget } from './router.ts';
import { offeredCodecs } from './sessions/media-session.ts';
import { SessionFactory } from './sessions/session-factory.ts';
import { CallerAuthenticator, userOf } from './sip/caller-auth.ts';
import { SipInboundLeg } from './sip/inbound-leg.ts';
import { SipOutboundLeg, type OutboundTarget } from './sip/outbound-leg.ts';
import type { WebRtcLegOptions } from '../webrtc/index.ts';

/** The configuration the B2BUA reads. */
export type B2buaConfig = Pick<Config, 'routes' | 'directory' | 'trunks' | 'sip' | 'server' | 'webrtc' | 'calls' | 'sip_stack'> & {
  stream?: StreamConfig;
};

/** What the app is asked about an inbound call (the `/incoming` webhook). */
export interface IncomingCallQuestion {
  callId: string;
  from: string;
  to: string;
  /** Trunk host peer name, for calls from a peer. */
  peer?: string;
  source: CallSource;
}

/** The app's answer: accept (for a bot, with or without a stream, or connected on to `connect`) or reject. */
export interface IncomingCallAnswer {
  action: 'accept' | 'reject';
  /** true: a bot connects to /ws/{call_id}; an object: we connect out to `url`. */
  stream?: boolean | { url: string; parameters?: Record<string, string> };
  /** Reject reason: busy → 486, declined → 603, not_found → 404, anything else → 480. */
  reason?: string;
  /** Route the call on to this destination (a user, extension, number) instead of answering for a bot. */
  connect?: string;
}

/** How a call the B2BUA made relates to bots and webhooks. */
export interface CallContext {
  /** The bot's media, for calls answered for a bot or placed by the REST API. */
  bot?: BotMediaLeg;
  /** The app decided on this call (/incoming) or placed it (REST): lifecycle webhooks go out. */
  managed: boolean;
  /** Lifecycle webhooks of this call go here (POST /v1/calls `webhook_url`). */
  webhookUrl?: string;
  /** The app asked us to connect out to this WebSocket. */
  streamTarget?: { url: string; parameters?: Record<string, string> };
  /** The app asked for a stream (`stream: true`). */
  streamRequested?: boolean;
}

export type B2buaEvents = {
  /** A call was made (before its callee is dialled). */
  call: [call: Call, context: CallContext];
};

/** SIP status for a reject reason of the /incoming answer. */
export function rejectStatus(reason: string | undefined): number {
  switch ((reason ?? '').toLowerCase().replace(/[\s-]+/g, '_')) {
    case 'busy':
    case 'busy_here':
      return 486;
    case 'declined':
    case 'decline':
    case 'rejected':
      return 603;
    case 'not_found':
    case 'notfound':
    case 'unknown':
      return 404;
    default:
      return 480;
  }
}

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
  /** Asks the app about inbound calls from trunks and peers (and calls no route takes). Default: the router decides alone. */
  decide?: (question: IncomingCallQuestion) => Promise<IncomingCallAnswer>;
  /** Address our SDP advertises for RTP. Default: `server.rtp_address` (needed when RTP binds a wildcard address). */
  rtpAddress?: string;
  /** Media settings of legs toward/from trunk `name` (its advertised RTP address, its own port range). Default none. */
  trunkMedia?: (name: string) => MediaPolicy | undefined;
  /** Whether trunk `name` is registered now (outbound REST calls need it). Default: always. */
  trunkRegistered?: (name: string) => boolean;
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

/** A peer's `host:port` (where its numbers live), or undefined without a host. */
function peerHome(peer: { host?: string; port: number } | undefined): string | undefined {
  if (!peer?.host) return undefined;
  return `${peer.host.includes(':') ? `[${peer.host}]` : peer.host}:${peer.port}`;
}

export class B2bua extends EventEmitter<B2buaEvents> {
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
  readonly #referTarget: (target: string, home?: string) => string;
  readonly #peers: PeerConfig[];

  constructor(options: B2buaOptions) {
    super();
    this.#o = options;
    const { config } = options;
    const users = new Map(config.directory.users.map((u) => [u.username, u.password]));
    this.#trunks = effectiveTrunks(config as Config);
    const peers: PeerConfig[] = config.server?.peers ?? [];
    this.#peers = peers;
    this.extensions = options.extensions ?? ExtensionRegistry.withDefaults();
    this.#referTarget = referTargetMapper(() => options.ua.identity, [config.sip_stack.realm], (n) => users.has(n) || this.extensions.has(n));
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
      rtpAddress: options.rtpAddress ?? config.server?.rtp_address,
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
    // The peer or trunk the INVITE comes from (their config shapes the caller's leg below).
    const peerConfig = source.kind === 'peer' ? this.#peers.find((p) => p.name === source.name) : undefined;
    const trunkConfig = source.kind === 'trunk' ? this.#trunks.find((t) => t.name === source.name) : undefined;
    let to = userOf(invite.uri) || userOf(getHeader(invite.request, 'To') ?? '');
    if (trunkConfig && to === trunkConfig.username) {
      // Sent to our registration's Contact: the number dialled is in To (the DID), when there is one.
      to = userOf(getHeader(invite.request, 'To') ?? '') || to;
    }
    const from = userOf(getHeader(invite.request, 'From') ?? '');
    let decision = this.router.route({ to, from, source });
    const peer = source.kind === 'peer' ? source.name : undefined;
    const callId = randomUUID();
    const context: CallContext = { managed: false };
    const ask = this.#o.decide && decision.rule === 'default' && (source.kind !== 'user' || decision.target.kind === 'reject');
    let target: Exclude<RouteTarget, { kind: 'reject' }> | 'bot';
    if (ask) {
      const answer = await this.#o.decide!({ callId, from, to, peer, source });
      if (invite.finished) return;
      log?.info({ callId, from, to, source, answer }, 'INVITE decided by the app');
      if (answer.action !== 'accept') {
        this.#stats.rejected++;
        invite.reject(rejectStatus(answer.reason));
        return;
      }
      context.managed = true;
      if (typeof answer.stream === 'object') context.streamTarget = answer.stream;
      else context.streamRequested = answer.stream === true;
      if (answer.connect !== undefined) {
        decision = this.router.route({ to: answer.connect, from, source });
        if (decision.target.kind === 'reject') {
          this.#stats.rejected++;
          invite.reject(decision.target.status);
          return;
        }
        target = decision.target;
      } else {
        target = 'bot';
      }
    } else {
      log?.info({ callId: invite.callId, from, to, source, rule: decision.rule, route: decision.label }, 'INVITE routed');
      if (decision.target.kind === 'reject') {
        this.#stats.rejected++;
        invite.reject(decision.target.status);
        return;
      }
      target = decision.target;
    }
    if (source.kind === 'peer') this.#o.metrics?.trunkCallsTotal?.inc();
    // The peer's `codecs` and `rtp_address` shape our answer. No await from here to connect(): a
    // refused offer fails the leg in a microtask, which the Call must already be listening for.
    const media = peerConfig ? peerMediaPolicy(peerConfig) : trunkConfig ? this.#o.trunkMedia?.(trunkConfig.name) : undefined;
    const referHome = peerConfig ? peerHome(peerConfig) : trunkConfig?.host;
    const a = new SipInboundLeg(invite, this.sessions, { warn: (obj, msg) => log?.warn(obj, msg), media, referHome });
    const call = this.#newCall({
      id: callId,
      a,
      from,
      to,
      direction: source.kind === 'user' ? 'outbound' : 'inbound',
      route: target === 'bot' ? 'bot' : decision.label,
      peer,
      // A bot listening to a call bridged to a person taps PCM, which only a transcoding bridge has.
      forceTranscode: target !== 'bot' && (context.streamRequested === true || context.streamTarget !== undefined),
    });
    let b: OutboundLeg;
    if (target === 'bot') {
      context.bot = this.#botMedia(call.id);
      b = new BotCalleeLeg(context.bot, `${call.id}.b`);
    } else {
      b = this.#callee(target, { offered: offeredCodecs(invite.sdp), caller: this.#callerOf(invite, from), from }, call.id);
    }
    this.emit('call', call, context);
    call.connect(b);
  }

  /**
   * Place a call for the REST API (POST /v1/calls): the bot's media on one side, a SIP call
   * through a trunk (client registration) or to a trunk host peer on the other.
   */
  placeCall(request: CreateCallRequest): Call {
    if (this.#closed) throw new CallControlError(503, 'The gateway is shutting down');
    let target: Exclude<RouteTarget, { kind: 'reject' }>;
    let peerName: string | undefined;
    const local = request.peer === undefined && request.trunk === undefined ? this.#localTarget(request.to) : undefined;
    if (local) {
      // Patchbay: a bot may call one of our own users (their registered phones and browsers) or an extension.
      target = local;
    } else if (request.peer !== undefined) {
      if (!this.#o.config.server) throw new CallControlError(404, 'No trunk host (server) is configured for peer calls');
      const peer = this.#peers.find((p) => p.name === request.peer);
      if (!peer) throw new CallControlError(404, `Unknown peer "${request.peer}"`);
      if (!peer.host) throw new CallControlError(422, `Peer "${peer.name}" has no host to call`);
      target = { kind: 'peer', peer, number: request.to } as Exclude<RouteTarget, { kind: 'reject' }>;
      peerName = peer.name;
    } else {
      const name = request.trunk ?? 'default';
      const trunk = this.#trunks.find((t) => t.name === name);
      if (!trunk) {
        if (this.#trunks.length === 0) throw new CallControlError(503, 'No SIP trunk is configured');
        throw new CallControlError(404, `Unknown trunk "${name}"`);
      }
      if (this.#o.trunkRegistered && !this.#o.trunkRegistered(name)) throw new CallControlError(503, `Trunk "${name}" is not registered`);
      target = { kind: 'trunk', trunk, number: request.to } as Exclude<RouteTarget, { kind: 'reject' }>;
    }
    if (this.registry.full) {
      this.registry.refuse();
      throw new CallControlError(503, 'The call limit is reached');
    }
    const id = randomUUID();
    const bot = this.#botMedia(id);
    const a = new BotCallerLeg(bot, `${id}.a`);
    const call = this.#newCall({ id, a, from: request.from, to: request.to, direction: 'outbound', route: target.kind === 'user' ? `user:${target.user}` : `api:${target.kind}`, peer: peerName });
    const caller: NameAddr = { uri: `sip:${request.from}@invalid`, params: {} };
    const botCodec = bot.media.codec!.name;
    const offered: CodecName[] = [...new Set<CodecName>([botCodec, 'PCMU', 'PCMA', 'G722'])].filter((c) => c !== 'L16');
    const b = this.#callee(target, { offered, caller, from: request.from }, id);
    this.emit('call', call, { bot, managed: true, webhookUrl: request.webhook_url, streamRequested: request.stream });
    call.connect(b);
    return call;
  }

  /** A directory user (who must be registered) or an extension named by `to`; undefined for anything else. */
  #localTarget(to: string): Exclude<RouteTarget, { kind: 'reject' }> | undefined {
    if (this.extensions.has(to)) return { kind: 'extension', name: to.toLowerCase() };
    if (!this.#o.config.directory.users.some((u) => u.username === to)) return undefined;
    const contacts = this.#o.location.lookup(to);
    if (contacts.length === 0) throw new CallControlError(404, `User "${to}" is not registered`);
    return { kind: 'user', user: to, contacts };
  }

  #newCall(o: { id: string; a: InboundLeg; from: string; to: string; direction: 'inbound' | 'outbound'; route: string; peer?: string; forceTranscode?: boolean }): Call {
    const log = this.#o.logger;
    const calls = this.#o.config.calls;
    const { forceTranscode, ...rest } = o;
    const call = new Call({
      ...rest,
      ...(forceTranscode ? { bridge: { forceTranscode: true } } : {}),
      clock: this.#o.clock,
      timers: this.#o.timers,
      noAnswerTimeoutMs: parseDuration(calls.no_answer_timeout) ?? 60_000,
      rtpTimeoutMs: parseDuration(calls.rtp_timeout) ?? 30_000,
      referTarget: this.#referTarget,
      logger: log,
    });
    this.registry.add(call);
    this.#stats.calls++;
    call.once('ended', (cdr) => log?.info({ cdr }, 'call ended'));
    return call;
  }

  /** The bot's media end of a call, in the stream config's wire codec. */
  #botMedia(callId: string): BotMediaLeg {
    const format = resolveStreamFormat({}, this.#o.config.stream ?? DEFAULT_STREAM_CONFIG);
    const wire = wireCallCodec(format);
    return new BotMediaLeg({ codec: { ...wire }, clock: this.#o.clock, id: `${callId}.bot` });
  }

  #callerOf(invite: IncomingInvite, from: string): NameAddr {
    return parseNameAddr(getHeader(invite.request, 'From') ?? `<sip:${from}@invalid>`);
  }

  /** The callee's leg for a route target. */
  #callee(target: Exclude<RouteTarget, { kind: 'reject' }>, ctx: { offered: CodecName[]; caller: NameAddr; from: string }, callId: string): OutboundLeg {
    const { offered, from } = ctx;
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
    const caller = ctx.caller;
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
      media: target.kind === 'peer' ? peerMediaPolicy(target.peer) : target.kind === 'trunk' ? this.#o.trunkMedia?.(target.trunk.name) : undefined,
      referHome: target.kind === 'peer' ? peerHome(target.peer) : target.kind === 'trunk' ? target.trunk.host : undefined,
    });
  }
}
