/**
 * Router: the dialplan. Rules from the config `routes` are tried in order; a rule matches when its
 * `to` and `from` regexes match the dialed and calling user parts and its `source` matches where
 * the call came from (any, user, trunk, peer, `trunk:<name>`, `peer:<name>`). Its target (a user,
 * a trunk, a peer or an extension) may use `$1`… (groups of the `to` match), `$to` and `$from`.
 * When no rule matches, the defaults apply: a directory user rings all their registered
 * contacts (none → 480), `echo`/`tone` (any registered extension) answer themselves, anything
 * else is 404. Pure: the directory, location service and extensions are looked up through
 * functions.
 */
import type { PeerConfig, RouteConfig, TrunkConfig } from '../config/index.ts';
import type { Binding } from '../sip/index.ts';

/** Where a call came from, as authentication established it. */
export type CallSource =
  | { kind: 'user'; user: string }
  | { kind: 'trunk'; name: string }
  | { kind: 'peer'; name: string };

export interface RouteRequest {
  /** Dialed user part / number (Request-URI user). */
  to: string;
  /** Caller user part / number (From user). */
  from: string;
  source: CallSource;
}

export type RouteTarget =
  /** Ring every registered contact of `user` at once. */
  | { kind: 'user'; user: string; contacts: Binding[] }
  | { kind: 'trunk'; trunk: TrunkConfig; number: string }
  | { kind: 'peer'; peer: PeerConfig; number: string }
  | { kind: 'extension'; name: string }
  /** Refuse with a SIP status. */
  | { kind: 'reject'; status: number; reason: string };

export interface RouteDecision {
  target: RouteTarget;
  /** The rule that decided: its name, `routes[i]`, or 'default'. */
  rule: string;
  /** The route for the CDR, e.g. 'user:1002', 'trunk:telnyx', 'extension:echo', 'reject:404'. */
  label: string;
}

export interface RouterOptions {
  /** Config `routes`, in order. Default none. */
  routes?: readonly RouteConfig[];
  /** Whether a directory user exists. */
  userExists: (user: string) => boolean;
  /** Live bindings of a user (LocationService.lookup). */
  contacts: (user: string) => Binding[];
  /** Trunks by name (effectiveTrunks(config)). Default none. */
  trunks?: readonly TrunkConfig[];
  /** Peers (config server.peers). Default none. */
  peers?: readonly PeerConfig[];
  /** Whether an extension exists (ExtensionRegistry.has). */
  extensionExists: (name: string) => boolean;
}

interface CompiledRule {
  label: string;
  to: RegExp | undefined;
  from: RegExp | undefined;
  source: RouteConfig['source'];
  target: RouteConfig['target'];
}

function sourceMatches(rule: RouteConfig['source'], source: CallSource): boolean {
  if (rule === 'any') return true;
  if (rule === source.kind) return true;
  const colon = rule.indexOf(':');
  if (colon < 0 || source.kind === 'user') return false;
  return rule.slice(0, colon) === source.kind && rule.slice(colon + 1) === source.name;
}

/** Replace `$to`, `$from` and `$1`… (groups of the `to` match; missing ones become ''). */
export function substitute(template: string, groups: readonly (string | undefined)[], request: RouteRequest): string {
  return template.replace(/\$(to|from|\d+)/g, (_, name: string) => {
    if (name === 'to') return request.to;
    if (name === 'from') return request.from;
    return groups[Number(name)] ?? '';
  });
}

export class Router {
  readonly #rules: CompiledRule[];
  readonly #options: RouterOptions;

  constructor(options: RouterOptions) {
    this.#options = options;
    this.#rules = (options.routes ?? []).map((r, i) => ({
      label: r.name ?? `routes[${i}]`,
      to: r.to !== undefined ? new RegExp(r.to) : undefined,
      from: r.from !== undefined ? new RegExp(r.from) : undefined,
      source: r.source,
      target: r.target,
    }));
  }

  route(request: RouteRequest): RouteDecision {
    for (const rule of this.#rules) {
      if (!sourceMatches(rule.source, request.source)) continue;
      let groups: readonly (string | undefined)[] = [request.to];
      if (rule.to) {
        const m = rule.to.exec(request.to);
        if (!m) continue;
        groups = m;
      }
      if (rule.from && !rule.from.test(request.from)) continue;
      return this.#decide(rule.label, this.#target(rule.target, groups, request));
    }
    return this.#decide('default', this.#default(request));
  }

  #target(target: RouteConfig['target'], groups: readonly (string | undefined)[], request: RouteRequest): RouteTarget {
    const sub = (t: string) => substitute(t, groups, request);
    const number = target.number !== undefined ? sub(target.number) : request.to;
    if (target.user !== undefined) return this.#user(sub(target.user));
    if (target.extension !== undefined) {
      const name = sub(target.extension);
      return this.#options.extensionExists(name) ? { kind: 'extension', name } : { kind: 'reject', status: 404, reason: `no extension "${name}"` };
    }
    if (target.trunk !== undefined) {
      const name = sub(target.trunk);
      const trunk = this.#options.trunks?.find((t) => t.name === name);
      return trunk ? { kind: 'trunk', trunk, number } : { kind: 'reject', status: 503, reason: `no trunk "${name}"` };
    }
    const name = sub(target.peer!);
    const peer = this.#options.peers?.find((p) => p.name === name);
    if (!peer) return { kind: 'reject', status: 503, reason: `no peer "${name}"` };
    if (peer.host === undefined) return { kind: 'reject', status: 503, reason: `peer "${name}" has no host to call` };
    return { kind: 'peer', peer, number };
  }

  #user(user: string): RouteTarget {
    if (!this.#options.userExists(user)) return { kind: 'reject', status: 404, reason: `no user "${user}"` };
    const contacts = this.#options.contacts(user);
    if (contacts.length === 0) return { kind: 'reject', status: 480, reason: `"${user}" is not registered` };
    return { kind: 'user', user, contacts };
  }

  #default(request: RouteRequest): RouteTarget {
    if (this.#options.userExists(request.to)) return this.#user(request.to);
    if (this.#options.extensionExists(request.to)) return { kind: 'extension', name: request.to.toLowerCase() };
    return { kind: 'reject', status: 404, reason: `no route for "${request.to}"` };
  }

  #decide(rule: string, target: RouteTarget): RouteDecision {
    let label: string;
    switch (target.kind) {
      case 'user':
        label = `user:${target.user}`;
        break;
      case 'trunk':
        label = `trunk:${target.trunk.name}`;
        break;
      case 'peer':
        label = `peer:${target.peer.name}`;
        break;
      case 'extension':
        label = `extension:${target.name}`;
        break;
      case 'reject':
        label = `reject:${target.status}`;
        break;
    }
    return { target, rule, label };
  }
}
