/**
 * `DigestClient`: the UAC's memory of challenges. It learns the challenges of a 401/407 per realm
 * and then authorizes every later request (REGISTER refresh, INVITE, BYE, REFER…) up front,
 * counting nonce uses, until a new challenge replaces them. It refuses to loop on wrong
 * credentials: a challenge answering a request that already carried credentials for that realm is
 * a failure unless it says stale=true (RFC 3261 §22.2, RFC 7616 §3.3).
 */
import type { SipHeader, SipRequest, SipResponse } from '../message/types.ts';
import { computeAuthorization, pickChallenge, type NonceCounts } from './authorization.ts';
import { parseDigestChallenge, parseDigestCredentials, type DigestChallenge } from './header.ts';

/** A username and password for one realm. */
export interface DigestUser {
  username: string;
  password: string;
}

export interface DigestClientOptions {
  /**
   * Credentials: one pair for every realm, or a function choosing per realm (`undefined` when
   * we have none for that realm).
   */
  credentials: DigestUser | ((realm: string) => DigestUser | undefined);
}

/** Why `onChallenge` could not prepare a retry. */
export type DigestClientFailure =
  /** No Digest challenge we support (unknown algorithm or qop, or none at all). */
  | 'unsupported'
  /** A challenged realm for which we have no credentials. */
  | 'no-credentials'
  /** The challenged request already carried credentials for the realm: they were rejected. */
  | 'rejected';

export type DigestClientResult = { ok: true } | { ok: false; reason: DigestClientFailure; realm?: string };

interface RealmState {
  challenges: DigestChallenge[];
  proxy: boolean;
  user: DigestUser;
}

export class DigestClient {
  readonly #credentials: DigestClientOptions['credentials'];
  readonly #realms = new Map<string, RealmState>();
  readonly #counts: NonceCounts = new Map();

  constructor(options: DigestClientOptions) {
    this.#credentials = options.credentials;
  }

  /** Realms we currently hold a challenge for. */
  get realms(): string[] {
    return [...this.#realms.keys()];
  }

  /**
   * Learns the challenges of a 401/407. Pass the request it answered so a repeated challenge
   * after sending credentials is recognised as a rejection. On `{ ok: true }` resend the request
   * (new CSeq) with the headers of `authorize()`.
   */
  onChallenge(response: SipResponse, challengedRequest?: SipRequest): DigestClientResult {
    const proxy = response.status === 407;
    const headerName = proxy ? 'proxy-authenticate' : 'www-authenticate';
    const byRealm = new Map<string, DigestChallenge[]>();
    for (const h of response.headers) {
      if (h.name.toLowerCase() !== headerName) continue;
      const c = parseDigestChallenge(h.value);
      if (!c) continue;
      const list = byRealm.get(c.realm) ?? [];
      list.push(c);
      byRealm.set(c.realm, list);
    }
    if (byRealm.size === 0) return { ok: false, reason: 'unsupported' };
    const sentRealms = challengedRequest ? credentialRealms(challengedRequest, proxy) : new Set<string>();

    const learned: [string, RealmState][] = [];
    for (const [realm, challenges] of byRealm) {
      const picked = pickChallenge(challenges);
      if (!picked) return { ok: false, reason: 'unsupported', realm };
      if (sentRealms.has(realm) && picked.challenge.stale !== true) {
        this.#realms.delete(realm);
        return { ok: false, reason: 'rejected', realm };
      }
      const user = typeof this.#credentials === 'function' ? this.#credentials(realm) : this.#credentials;
      if (!user) return { ok: false, reason: 'no-credentials', realm };
      learned.push([realm, { challenges, proxy, user }]);
    }
    for (const [realm, state] of learned) this.#realms.set(realm, state);
    return { ok: true };
  }

  /** Authorization / Proxy-Authorization headers for a request, one per known realm. */
  authorize(request: Pick<SipRequest, 'method' | 'uri'> & { body?: Uint8Array | string }): SipHeader[] {
    const headers: SipHeader[] = [];
    for (const state of this.#realms.values()) {
      const auth = computeAuthorization(
        state.challenges,
        { ...state.user, method: request.method, uri: request.uri, body: request.body },
        this.#counts,
      );
      if (!auth) continue;
      headers.push({ name: state.proxy ? 'Proxy-Authorization' : 'Authorization', value: auth.value });
    }
    return headers;
  }

  /** Forgets one realm's challenge, or all of them (e.g. after unregistering). */
  forget(realm?: string): void {
    if (realm === undefined) this.#realms.clear();
    else this.#realms.delete(realm);
  }
}

/** Realms of the Digest credentials a request carried in the header matching `proxy`. */
function credentialRealms(request: SipRequest, proxy: boolean): Set<string> {
  const name = proxy ? 'proxy-authorization' : 'authorization';
  const realms = new Set<string>();
  for (const h of request.headers) {
    if (h.name.toLowerCase() !== name) continue;
    const c = parseDigestCredentials(h.value);
    if (c) realms.add(c.realm);
  }
  return realms;
}
