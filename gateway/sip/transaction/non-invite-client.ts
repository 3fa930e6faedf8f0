/**
 * NonInviteClientTransaction (RFC 3261 §17.1.2, Figure 6): trying → proceeding → completed →
 * terminated. Timer E retransmits over UDP at T1 doubling to T2 (T2 flat once proceeding);
 * timer F (64·T1) times out; timer K (T4 over UDP, 0 over reliable transports) absorbs
 * retransmitted responses.
 */
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import { ClientTransaction } from './client-transaction.ts';
import type { TransactionContext } from './context.ts';

export class NonInviteClientTransaction extends ClientTransaction {
  /** Sends the request at once and starts timers E (UDP only) and F. */
  constructor(request: SipRequest, destination: SipEndpoint, context: TransactionContext) {
    super(request, destination, context, 'trying');
    const { t1 } = context.config;
    this.transmit(request);
    if (!this.reliable) this.#scheduleE(t1);
    this.startTimer('F', 64 * t1, () => this.timedOut());
  }

  receiveResponse(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return; // completed: absorb
    if (response.status < 200) {
      this.setState('proceeding');
      this.emit('provisional', response);
      return;
    }
    this.timers.stop('E');
    this.timers.stop('F');
    this.setState('completed');
    if (!this.reliable) this.startTimer('K', this.context.config.t4, () => this.setState('terminated'));
    try {
      this.deliverFinal(response);
    } finally {
      if (this.reliable) this.setState('terminated');
    }
  }

  #scheduleE(interval: number): void {
    this.startTimer('E', interval, () => {
      if (this.state !== 'trying' && this.state !== 'proceeding') return;
      this.transmit(this.request);
      const { t2 } = this.context.config;
      this.#scheduleE(this.state === 'proceeding' ? t2 : Math.min(2 * interval, t2));
    });
  }
}
