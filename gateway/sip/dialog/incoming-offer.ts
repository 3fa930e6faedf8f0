/**
 * IncomingOffer: a re-INVITE or UPDATE the peer sent within a dialog, handed to the application
 * to answer — `accept(sdp)` (200 with our answer), or `reject(status)` (488 by default, the
 * session stays as it was). Answering twice is ignored; `answered` tells whether it happened.
 */
import type { HeaderInit } from '../message/index.ts';
import type { SipRequest } from '../message/types.ts';

export interface OfferAnswer {
  /** Final status: 2xx accepts, anything else rejects. */
  status: number;
  reason?: string;
  /** SDP for a 2xx (our answer, or our offer when the request had none). */
  sdp?: string;
  headers?: HeaderInit;
}

export class IncomingOffer {
  /** 'INVITE' for a re-INVITE, 'UPDATE' for an UPDATE. */
  readonly method: 'INVITE' | 'UPDATE';
  readonly request: SipRequest;
  /** The SDP offer the request carries; undefined for an offerless re-INVITE or a body-less UPDATE. */
  readonly sdp: string | undefined;
  readonly #respond: (answer: OfferAnswer) => boolean;
  #answered = false;

  /** @internal Made by Dialog; `respond` sends the final response. */
  constructor(request: SipRequest, sdp: string | undefined, respond: (answer: OfferAnswer) => boolean) {
    this.method = request.method === 'UPDATE' ? 'UPDATE' : 'INVITE';
    this.request = request;
    this.sdp = sdp;
    this.#respond = respond;
  }

  get answered(): boolean {
    return this.#answered;
  }

  /** Answers 200 OK with `sdp` (our answer to their offer, or our offer to an offerless re-INVITE). False if already answered. */
  accept(sdp?: string, options: { headers?: HeaderInit } = {}): boolean {
    return this.#answer({ status: 200, sdp, headers: options.headers });
  }

  /** Refuses the offer (default 488 Not Acceptable Here); the session keeps its previous state. False if already answered. */
  reject(status = 488, reason?: string, options: { headers?: HeaderInit } = {}): boolean {
    if (status < 300) throw new RangeError('reject() needs a status of 300 or more');
    return this.#answer({ status, reason, headers: options.headers });
  }

  #answer(answer: OfferAnswer): boolean {
    if (this.#answered) return false;
    this.#answered = true;
    return this.#respond(answer);
  }
}
