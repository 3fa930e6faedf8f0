/**
 * SIP Digest authentication (RFC 2617, RFC 7616, RFC 8760): the UAS challenger with signed,
 * expiring nonces and replay protection, the UAC authorization and its per-realm client, and the
 * header syntax both share.
 */
export {
  DIGEST_ALGORITHMS,
  algorithmStrength,
  computeDigestResponse,
  computeHA1,
  digestHash,
  hashHex,
  toDigestAlgorithm,
  type DigestAlgorithm,
  type DigestHash,
  type DigestQop,
  type DigestResponseInput,
} from './digest.ts';
export {
  formatDigestChallenge,
  formatDigestCredentials,
  parseDigestChallenge,
  parseDigestCredentials,
  type DigestChallenge,
  type DigestCredentials,
} from './header.ts';
export { NonceIssuer, type NonceCheck, type NonceIssuerOptions } from './nonce.ts';
export { NonceCountTracker, type NonceCountResult } from './nonce-counts.ts';
export {
  DigestChallenger,
  type DigestChallengeResponse,
  type DigestChallengerOptions,
  type DigestRejectReason,
  type DigestSecret,
  type DigestSecretLookup,
  type DigestVerdict,
} from './challenger.ts';
export {
  computeAuthorization,
  pickChallenge,
  type ComputeAuthorizationOptions,
  type DigestAuthorization,
  type DigestRequestInfo,
  type NonceCounts,
} from './authorization.ts';
export {
  DigestClient,
  type DigestClientFailure,
  type DigestClientOptions,
  type DigestClientResult,
  type DigestUser,
} from './client.ts';
