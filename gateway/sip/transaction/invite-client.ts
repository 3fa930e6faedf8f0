/**
 * InviteClientTransaction (RFC 3261 §17.1.1, Figure 5, as updated by RFC 6026 §8.4):
 * calling → proceeding → completed (non-2xx: ACK sent here with the INVITE's branch, timer D)
 * or accepted (2xx: further 2xx go to the TU, timer M) → terminated.
 * Timer A retransmits over UDP at T1, 2·T1, 4·T1, … (no cap); timer B (64·T1) times out.
 */
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import { buildNon2xxAck } from './ack.ts';
import { ClientTransaction } from './client-transaction.ts';
import type { TransactionContext } from './context.ts';

export class InviteClientTransaction extends ClientTransaction {
  #ack: SipRequest | undefined;

  /** Sends the INVITE at once and starts timers A (UDP only) and B. */
  constructor(request: SipRequest, destination: SipEndpoint, context: TransactionContext) {
    super(request, destination, context, 'calling');
    const { t1 } = context.config;
    this.transmit(request);
    if (!this.reliable) this.#scheduleA(t1);
    this.startTimer('B', 64 * t1, () => this.timedOut());
  }

  /** The ACK sent for a non-2xx final response, once there is one. */
  get ack(): SipRequest | undefined {
    return this.#ack;
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          this.timers.stop('A');
          this.timers.stop('B');
          this.setState('proceeding');
          this.emit('provisional', response);
        } else if (status < 300) {
          this.timers.stop('A');
          this.timers.stop('B');
          this.setState('accepted');
          this.startTimer('M', 64 * this.context.config.t1, () => this.setState('terminated'));
          this.deliverFinal(response);
        } else {
          this.timers.stop('A');
          this.timers.stop('B');
          this.#ack = buildNon2xxAck(this.request, response);
          this.transmit(this.#ack);
          this.setState('completed');
          if (!this.reliable) this.startTimer('D', this.context.config.timerD, () => this.setState('terminated'));
          try {
            this.deliverFinal(response);
          } finally {
            if (this.reliable) this.setState('terminated');
          }
        }
        return;
      case 'completed':
        // A retransmitted final response means our ACK was lost: send it again.
        if (status >= 300 && this.#ack) this.transmit(this.#ack);
        return;
      case 'accepted':
        if (status >= 200 && status < 300) this.emit('additional2xx', response);
        return;
      default:
        return;
    }
  }

  #scheduleA(interval: number): void {
    this.startTimer('A', interval, () => {
      if (this.state !== 'calling') return;
      this.transmit(this.request);
      this.#scheduleA(interval * 2);
    });
  }
}
