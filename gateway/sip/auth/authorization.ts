/**
 * UAC side of Digest, one request at a time: `computeAuthorization` picks the strongest challenge
 * we support, generates a cnonce, counts nonce uses and produces the credentials header value.
 */
import { randomBytes } from 'node:crypto';
import {
  algorithmStrength,
  computeDigestResponse,
  computeHA1,
  digestHash,
  toDigestAlgorithm,
  type DigestAlgorithm,
  type DigestQop,
} from './digest.ts';
import { formatDigestCredentials, type DigestChallenge, type DigestCredentials } from './header.ts';

/** Who we are and what we are signing. */
export interface DigestRequestInfo {
  username: string;
  password: string;
  /** SIP method of the request being authorized (e.g. 'REGISTER', 'INVITE'). */
  method: string;
  /** Request-URI, sent as the `uri` parameter. */
  uri: string;
  /** Body, needed only when the server demands qop=auth-int. */
  body?: string | Uint8Array;
}

/**
 * nonce → last nonce-count sent with it. Pass the same map for every request answering the same
 * challenge so nc increases (RFC 7616 §3.4); it is trimmed to the 32 most recent nonces.
 */
export type NonceCounts = Map<string, number>;

/** The result: the header value and what went into it. */
export interface DigestAuthorization {
  /** Value for Authorization / Proxy-Authorization. */
  value: string;
  credentials: DigestCredentials;
  /** The challenge that was answered. */
  challenge: DigestChallenge;
  algorithm: DigestAlgorithm;
}

/** Test hooks. */
export interface ComputeAuthorizationOptions {
  /** Client nonce. Default: 16 random hex digits. */
  cnonce?: string;
}

const MAX_NONCES = 32;

/** qop=auth when offered, else auth-int; `undefined` for RFC 2069; `null` when unusable. */
function chooseQop(challenge: DigestChallenge): DigestQop | undefined | null {
  if (challenge.qop === undefined || challenge.qop.length === 0) return undefined; // RFC 2069
  if (challenge.qop.includes('auth')) return 'auth';
  if (challenge.qop.includes('auth-int')) return 'auth-int';
  return null; // only unknown qop values: unusable
}

/** The challenge we would answer: strongest supported algorithm, ties broken by server order. */
export function pickChallenge(
  challenges: readonly DigestChallenge[],
): { challenge: DigestChallenge; algorithm: DigestAlgorithm } | undefined {
  let best: { challenge: DigestChallenge; algorithm: DigestAlgorithm } | undefined;
  for (const challenge of challenges) {
    const algorithm = toDigestAlgorithm(challenge.algorithm);
    if (!algorithm || chooseQop(challenge) === null) continue;
    if (!best || algorithmStrength(algorithm) > algorithmStrength(best.algorithm)) {
      best = { challenge, algorithm };
    }
  }
  return best;
}

/**
 * Answers the best of `challenges` (all for one realm, normally). Returns `undefined` when none
 * uses an algorithm and qop we support.
 */
export function computeAuthorization(
  challenges: DigestChallenge | readonly DigestChallenge[],
  request: DigestRequestInfo,
  state: NonceCounts = new Map(),
  options: ComputeAuthorizationOptions = {},
): DigestAuthorization | undefined {
  const picked = pickChallenge(Array.isArray(challenges) ? challenges : [challenges as DigestChallenge]);
  if (!picked) return undefined;
  const { challenge, algorithm } = picked;
  const qop = chooseQop(challenge) ?? undefined;
  const ha1 = computeHA1(digestHash(algorithm), request.username, challenge.realm, request.password);

  const credentials: DigestCredentials = {
    username: request.username,
    realm: challenge.realm,
    nonce: challenge.nonce,
    uri: request.uri,
    response: '',
  };
  // RFC 2069 servers never sent algorithm=; echo it only when they did.
  if (challenge.algorithm !== undefined) credentials.algorithm = algorithm;
  let cnonce: string | undefined;
  let nc: number | undefined;
  if (qop !== undefined || algorithm.endsWith('-sess')) {
    cnonce = options.cnonce ?? randomBytes(8).toString('hex');
    credentials.cnonce = cnonce;
  }
  if (challenge.opaque !== undefined) credentials.opaque = challenge.opaque;
  if (qop !== undefined) {
    nc = (state.get(challenge.nonce) ?? 0) + 1;
    state.delete(challenge.nonce);
    state.set(challenge.nonce, nc);
    while (state.size > MAX_NONCES) state.delete(state.keys().next().value as string);
    credentials.qop = qop;
    credentials.nc = nc;
  }
  credentials.response = computeDigestResponse({
    algorithm,
    ha1,
    nonce: challenge.nonce,
    method: request.method,
    uri: request.uri,
    qop,
    cnonce,
    nc,
    body: request.body,
  });
  return { value: formatDigestCredentials(credentials), credentials, challenge, algorithm };
}
