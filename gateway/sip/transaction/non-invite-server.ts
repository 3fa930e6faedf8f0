/**
 * NonInviteServerTransaction (RFC 3261 §17.2.2, Figure 8): trying → proceeding → completed →
 * terminated. Retransmitted requests are absorbed while trying and answered with the last
 * response afterwards; timer J (64·T1 over UDP, 0 otherwise) keeps the completed state.
 */
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import type { TransactionContext } from './context.ts';
import { ServerTransaction, type MatchedRequestOutcome } from './server-transaction.ts';

export class NonInviteServerTransaction extends ServerTransaction {
  constructor(id: string, request: SipRequest, source: SipEndpoint, context: TransactionContext) {
    super(id, request, source, context, 'trying');
  }

  respond(response: SipResponse): boolean {
    if (this.state !== 'trying' && this.state !== 'proceeding') return false;
    this.transmit(response);
    if (response.status < 200) {
      this.setState('proceeding');
      return true;
    }
    this.setState('completed');
    if (this.reliable) this.setState('terminated');
    else this.startTimer('J', 64 * this.context.config.t1, () => this.setState('terminated'));
    return true;
  }

  receiveRequest(_request: SipRequest): MatchedRequestOutcome {
    if (this.state === 'proceeding' || this.state === 'completed') this.retransmit();
    return 'absorbed';
  }
}
