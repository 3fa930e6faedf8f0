/**
 * Where a transferee is referred to. A blind transfer (a REFER from a phone or browser, or REST
 * `POST /v1/calls/{id}/transfer`) names its target as a bare number, a `tel:` URI, or a SIP URI —
 * often in our own domain without our port (JsSIP writes `sip:1003@<its configured domain>`).
 * Our own users' transferees must call that target through us, so a number, a `tel:` URI or a SIP
 * URI whose host is ours (our SIP host, a configured realm, localhost) becomes
 * `sip:<user>@<our host:port>`; a transferee behind a peer or trunk (`home`: its `host[:port]`)
 * is given a number (or `tel:`) in its own PBX's or carrier's plan, `sip:<number>@<home>`, which
 * it dials itself — unless the number is ours (a directory user, an extension): then it calls us;
 * any other SIP URI (another PBX) is left as it is.
 */
import { parseUri } from '../sip/index.ts';

/** What we need of the UA's LocalIdentity. */
export interface OurSipAddress {
  address(protocol: 'udp'): { host: string; port: number };
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function referTargetMapper(
  identity: () => OurSipAddress,
  domains: ReadonlyArray<string | undefined> = [],
  /** Numbers that are ours whoever is transferred (directory users, extensions). Default none. */
  isOurs: (number: string) => boolean = () => false,
): (target: string, home?: string) => string {
  return (target: string, home?: string): string => {
    const ours = identity().address('udp');
    const here = (user: string) => `sip:${user}@${bracket(ours.host)}:${ours.port}`;
    // A number for a transferee behind a peer or trunk is in that PBX's or carrier's number plan.
    const number = (user: string) => (home && !isOurs(user) ? `sip:${user}@${home}` : here(user));
    const t = target.trim().replace(/^<|>$/g, '');
    if (/^tel:/i.test(t)) return number(t.slice(4).split(';')[0]!);
    if (!/^sips?:/i.test(t)) return number(t);
    let uri;
    try {
      uri = parseUri(t);
    } catch {
      return t;
    }
    const host = uri.host.replace(/^\[|\]$/g, '').toLowerCase();
    const own = new Set(['localhost', '127.0.0.1', '::1', ours.host.toLowerCase(), ...domains.filter((d): d is string => Boolean(d)).map((d) => d.toLowerCase())]);
    if (!uri.user || !own.has(host)) return t;
    if (uri.port !== undefined && uri.port !== ours.port && host !== ours.host.toLowerCase()) return t;
    return here(uri.user);
  };
}
