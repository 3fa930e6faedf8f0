/**
 * gateway/sip/stack — the SIP stack assembled and running: transports, transactions, user agent,
 * registrar + location, trunk registrations and peer keepalives, built from plain options or
 * from the config slices it needs; plus HTTP upgrade routing for SIP over WebSocket.
 */
export { SipStack, type ListeningEndpoint, type SipStackEvents, type SipStackStats } from './sip-stack.ts';
export type { PeerSettings, SipStackOptions, StackAddress, StackLogger, StackUser, TrunkSettings } from './options.ts';
export { sipStackOptions, type FromConfigExtras, type SipConfigSlices } from './from-config.ts';
export { Trunks, type TrunksEvents, type TrunksOptions } from './trunks.ts';
export { Peers, peerTarget, type PeerStatus, type PeersEvents } from './peers.ts';
export { routeUpgrades, type UpgradeHandler } from './upgrades.ts';
export { localAddressToward, splitHostPort } from './local-address.ts';
