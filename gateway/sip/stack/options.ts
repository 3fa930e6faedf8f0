/**
 * Options of the SipStack: where it listens (UDP/TCP, TLS, WebSocket), who may REGISTER, which
 * trunks it registers to, which peers it pings, and RFC 3261 timer tuning. Plain data, so the
 * stack runs without Patchbay's config (see from-config.ts for the mapping from it).
 */
import type { DigestAlgorithm } from '../auth/index.ts';
import type { SipLogger } from '../transport/index.ts';

/** An address to bind. */
export interface StackAddress {
  host: string;
  /** 0 lets the OS choose. */
  port: number;
}

/** A user allowed to REGISTER (and whose credentials we check). */
export interface StackUser {
  username: string;
  password: string;
}

/** One client registration toward a trunk or PBX (the xbridge `sip` block or a `trunks` entry). */
export interface TrunkSettings {
  /** Trunk name, for status and logs. */
  name: string;
  username: string;
  password: string;
  /** Registrar host, optionally with `:port`. */
  host: string;
  transport: 'udp' | 'tcp' | 'tls';
  /** Expiry we ask for, seconds. Default 3600. */
  expires?: number;
}

/** A SIP peer (a PBX or trunk host that sends us calls) we check with OPTIONS. */
export interface PeerSettings {
  name: string;
  /** IP address of the peer; peers without one (CIDR ranges only) are not pinged. */
  host?: string;
  /** Default 5060. */
  port?: number;
  /** Default 'udp'. */
  transport?: 'udp' | 'tcp' | 'tls';
}

/** The logger shape we use (pino fits). */
export interface StackLogger extends SipLogger {
  info(obj: object, msg?: string): void;
}

export interface SipStackOptions {
  /** UDP and TCP listen address (the SIP server). Default: none — then an ephemeral UDP/TCP socket is bound only when there are trunks or peers to reach. */
  listen?: StackAddress;
  /** SIP over TLS listen address with the certificate and key files. Default: none. */
  tls?: StackAddress & { certPath: string; keyPath: string };
  /** SIP over WebSocket (RFC 7118), fed by `handleUpgrade()`; `port` is the HTTP port advertised in our ws Contact. Default { path: '/sip' }; false disables. */
  ws?: { path?: string; secure?: boolean; port?: number } | false;
  /** Users allowed to REGISTER. Default: none (every REGISTER fails). */
  users?: readonly StackUser[];
  /** Digest realm. Default: the listen host, else 'patchbay'. */
  realm?: string;
  /**
   * Digest algorithms offered in challenges, most preferred first. Default ['MD5']: baresip 1.0
   * (libre 1.1) and JsSIP 3.x only do MD5, and JsSIP reads only the first challenge, so SHA-256
   * must never come first for them; add 'SHA-256' after MD5 for clients that prefer it.
   */
  digestAlgorithms?: DigestAlgorithm[];
  /** Registrar expiry bounds, seconds. Defaults: min 60, max 7200, default 3600. */
  registrar?: { minExpires?: number; maxExpires?: number; defaultExpires?: number };
  /** Trunks to register to. Default none. */
  trunks?: readonly TrunkSettings[];
  /** Retry back-off of trunk registrations after failures, ms. Defaults: first 1000, longest 300 000. */
  trunkRetry?: { minMs?: number; maxMs?: number };
  /** Peers to ping with OPTIONS. Default none. */
  peers?: readonly PeerSettings[];
  /** Time between OPTIONS pings to each peer, ms. Default 30 000. */
  keepaliveIntervalMs?: number;
  /** RFC 3261 timers, ms. Defaults T1 500, T2 4000, T4 5000. */
  timers?: { t1?: number; t2?: number; t4?: number };
  /** User-Agent / Server header. Default 'Patchbay'. */
  userAgent?: string;
  /** Logger. Default: silent. */
  logger?: StackLogger;
}
