/**
 * gateway/sip/ua — the user agent: what the calls layer uses to place and take calls and to send
 * and answer requests outside dialogs, plus an OPTIONS keepalive for trunk peers, and the
 * in-memory TestNetwork (FakeClock-driven) that tests of this and higher layers script peers on.
 */
export {
  ACCEPTED_TYPES,
  ALLOWED_METHODS,
  SUPPORTED_EXTENSIONS,
  UserAgent,
  type RequestOptions,
  type UserAgentEvents,
  type UserAgentOptions,
  type UserAgentStats,
} from './user-agent.ts';
export { OutgoingInvite, type InviteOptions, type OutgoingInviteEvents, type OutgoingInviteState } from './outgoing-invite.ts';
export {
  IncomingInvite,
  type AnswerOptions,
  type IncomingInviteEvents,
  type IncomingInviteState,
  type ProgressOptions,
} from './incoming-invite.ts';
export { IncomingRequest, type RespondOptions } from './incoming-request.ts';
export {
  OptionsKeepalive,
  type KeepaliveSender,
  type OptionsKeepaliveEvents,
  type OptionsKeepaliveOptions,
  type PeerState,
} from './keepalive.ts';
export { LocalIdentity, type ContactSettings, type ListeningTransport } from './local-identity.ts';
export type { Credentials } from './host.ts';
export { TestNetwork, TestNode, describeMessage, type WireEntry } from './test-network.ts';
