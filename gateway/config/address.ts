/**
 * Parsing and validation of `host:port` listen/peer addresses and IP/CIDR ranges used in config
 * (IPv4, bracketed IPv6 `[::1]:5060`, or a DNS name).
 */
import { isIP } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** True for an IPv4/IPv6 literal or a syntactically valid DNS name. */
export function isHost(host: string): boolean {
  return isIP(host) !== 0 || HOSTNAME.test(host);
}

/** Parses `host:port` (IPv6 in brackets); returns undefined when malformed. */
export function parseHostPort(text: string): HostPort | undefined {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0 || text[end + 1] !== ':') return undefined;
    host = text.slice(1, end);
    portText = text.slice(end + 2);
    if (isIP(host) !== 6) return undefined;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0 || text.indexOf(':') !== colon) return undefined;
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (!isHost(host)) return undefined;
  }
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  return { host, port };
}

/** Formats a HostPort back to text, bracketing IPv6. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** True for an IP literal or an IP/prefix CIDR range with a prefix valid for its family. */
export function isIpOrCidr(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash < 0) return isIP(text) !== 0;
  const ip = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  const family = isIP(ip);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * A `stun_server` value: `host`, `host:port`, `[v6]:port`, or a `stun:` URI (RFC 7064); the port
 * defaults to 3478. Undefined when it is none of these.
 */
export function parseStunServer(text: string): { host: string; port: number } | undefined {
  let s = text.trim().replace(/^stuns?:/i, '').replace(/^\/\//, '').replace(/\?.*$/, '');
  if (!s) return undefined;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(s);
  const m = v6 ?? /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(s);
  if (!m || (v6 && isIP(m[1]!) !== 6) || (!v6 && !isHost(m[1]!))) return undefined;
  const port = m[2] === undefined ? 3478 : Number(m[2]);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? { host: m[1]!, port } : undefined;
}
