/**
 * Public face of the SIP transaction layer (RFC 3261 §17, RFC 6026): the TransactionLayer, the
 * four transaction kinds, the UAS 2xx retransmitter (§13.3.1.4), ACK/CANCEL builders, matching
 * keys, and the timer plumbing (with a FakeClock for tests of this and higher layers).
 */
export {
  TransactionLayer,
  type TransactionLayerEvents,
  type TransactionLayerOptions,
  type TransactionLayerStats,
} from './transaction-layer.ts';
export { ClientTransaction } from './client-transaction.ts';
export { InviteClientTransaction } from './invite-client.ts';
export { NonInviteClientTransaction } from './non-invite-client.ts';
export { ServerTransaction, type MatchedRequestOutcome } from './server-transaction.ts';
export { InviteServerTransaction } from './invite-server.ts';
export { NonInviteServerTransaction } from './non-invite-server.ts';
export {
  Invite2xxRetransmitter,
  type Invite2xxRetransmitterEvents,
  type Invite2xxRetransmitterOptions,
} from './invite-2xx.ts';
export { buildNon2xxAck } from './ack.ts';
export { buildCancel } from './cancel.ts';
export { MAGIC_COOKIE, clientKey, clientKeyOfResponse, dialogAckKey, serverKey } from './keys.ts';
export {
  resolveTimerConfig,
  systemTimers,
  TimerSet,
  type TimerConfig,
  type TimerHandle,
  type TimerService,
  type TransactionTimerOptions,
} from './timers.ts';
export { FakeClock } from './fake-clock.ts';
export type {
  ClientTransactionEvents,
  ClientTransactionState,
  ServerTransactionEvents,
  ServerTransactionState,
  TransactionTransport,
} from './types.ts';
export { FakeTransport, type SentMessage } from './fake-transport.ts';
