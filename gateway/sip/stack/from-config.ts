/**
 * Maps the slices of Patchbay's configuration the SIP stack needs (server, tls, sip/trunks,
 * directory, sip_stack) onto SipStackOptions. The stack itself never sees the whole Config.
 */
import { effectiveTrunks, parseHostPort, type Config } from '../../config/index.ts';
import type { SipStackOptions, StackLogger } from './options.ts';

/** The parts of the configuration the SIP stack reads. */
export type SipConfigSlices = Pick<Config, 'server' | 'tls' | 'sip' | 'trunks' | 'directory' | 'sip_stack'>;

export interface FromConfigExtras {
  /** Bound HTTP port, advertised in our Contact for SIP over WebSocket. */
  httpPort?: number;
  /** Whether the HTTP server is https (connections count as wss). */
  httpSecure?: boolean;
  logger?: StackLogger;
}

export function sipStackOptions(config: SipConfigSlices, extras: FromConfigExtras = {}): SipStackOptions {
  const server = config.server;
  const listen = server ? parseHostPort(server.listen) : undefined;
  const tlsListen = server?.tls_listen ? parseHostPort(server.tls_listen) : undefined;
  const { cert, key } = config.tls;
  return {
    listen,
    tls: tlsListen && cert && key ? { ...tlsListen, certPath: cert, keyPath: key } : undefined,
    ws: { path: '/sip', secure: extras.httpSecure ?? false, port: extras.httpPort },
    users: config.directory.users.map((u) => ({ username: u.username, password: u.password })),
    realm: config.sip_stack.realm,
    trunks: effectiveTrunks(config as Config).map((t) => ({
      name: t.name,
      username: t.username,
      password: t.password,
      host: t.host,
      transport: t.transport,
      expires: t.expires,
    })),
    peers: (server?.peers ?? []).map((p) => ({ name: p.name, host: p.host, port: p.port, transport: p.transport })),
    timers: { t1: config.sip_stack.t1_ms, t2: config.sip_stack.t2_ms, t4: config.sip_stack.t4_ms },
    userAgent: config.sip_stack.user_agent,
    logger: extras.logger,
  };
}
