/**
 * TransactionContext: what every transaction borrows from its TransactionLayer — the transport,
 * the timer service and timer values, a way to report listener exceptions, and a hook to be
 * forgotten when it terminates.
 */
import type { TimerConfig, TimerService } from './timers.ts';
import type { TransactionTransport } from './types.ts';

export interface TransactionContext {
  transport: TransactionTransport;
  timers: TimerService;
  config: TimerConfig;
  /** Exceptions thrown by TU listeners inside timers or transport callbacks end up here. */
  reportError(error: Error): void;
  /** Called exactly once when a transaction reaches 'terminated'. */
  onTerminated(transaction: object): void;
}
