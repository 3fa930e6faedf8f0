/**
 * InviteServerTransaction (RFC 3261 §17.2.1, Figure 7, as updated by RFC 6026 §7.1):
 * proceeding → completed (non-2xx: timer G retransmits over UDP at T1 doubling to T2, timer H
 * gives up after 64·T1) → confirmed (ACK; timer I = T4 over UDP, 0 otherwise) → terminated;
 * or proceeding → accepted (2xx: INVITE retransmissions are absorbed, the TU's 2xx
 * retransmissions pass through, matching ACKs go to the TU; timer L = 64·T1) → terminated.
 * Sends 100 Trying after `trying100Ms` (default 200 ms; 0 = at once) unless the TU responded.
 */
import { createResponse } from '../message/index.ts';
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import type { TransportError } from '../transport/index.ts';
import type { TransactionContext } from './context.ts';
import { ServerTransaction, type MatchedRequestOutcome } from './server-transaction.ts';

export class InviteServerTransaction extends ServerTransaction {
  constructor(id: string, request: SipRequest, source: SipEndpoint, context: TransactionContext) {
    super(id, request, source, context, 'proceeding');
    const delay = context.config.trying100Ms;
    if (delay <= 0) this.#sendTrying();
    else this.startTimer('trying', delay, () => this.#sendTrying());
  }

  respond(response: SipResponse): boolean {
    const status = response.status;
    if (this.state === 'accepted') {
      if (status < 200 || status >= 300) return false;
      this.transmit(response); // the TU's (or Invite2xxRetransmitter's) 2xx retransmission
      return true;
    }
    if (this.state !== 'proceeding') return false;
    this.timers.stop('trying');
    this.transmit(response);
    if (status < 200) return true;
    const { t1 } = this.context.config;
    if (status < 300) {
      this.setState('accepted');
      this.startTimer('L', 64 * t1, () => this.setState('terminated'));
    } else {
      this.setState('completed');
      if (!this.reliable) this.#scheduleG(t1);
      this.startTimer('H', 64 * t1, () => this.setState('terminated', () => this.emit('timeout')));
    }
    return true;
  }

  receiveRequest(request: SipRequest): MatchedRequestOutcome {
    if (request.method === 'ACK') {
      if (this.state === 'accepted') return 'passToTu';
      if (this.state === 'completed') {
        this.timers.stop('G');
        this.timers.stop('H');
        this.setState('confirmed');
        if (this.reliable) this.setState('terminated');
        else this.startTimer('I', this.context.config.t4, () => this.setState('terminated'));
      }
      return 'absorbed';
    }
    // A retransmitted INVITE.
    if (this.state === 'proceeding') {
      if (this.lastResponse) this.retransmit();
      else this.#sendTrying();
    } else if (this.state === 'completed') {
      this.retransmit();
    }
    return 'absorbed';
  }

  protected override transportFailed(error: TransportError): void {
    // RFC 6026: in Accepted the TU is told but the transaction stays (its 2xx retransmissions may still get through).
    if (this.state === 'accepted') this.emit('transportError', error);
    else super.transportFailed(error);
  }

  #sendTrying(): void {
    if (this.state !== 'proceeding' || this.lastResponse) return;
    this.timers.stop('trying');
    this.transmit(createResponse(this.request, 100, 'Trying'));
  }

  #scheduleG(interval: number): void {
    this.startTimer('G', interval, () => {
      if (this.state !== 'completed') return;
      this.retransmit();
      this.#scheduleG(Math.min(2 * interval, this.context.config.t2));
    });
  }
}
