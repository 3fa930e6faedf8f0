/**
 * Call transfer with REFER (RFC 3515) inside a dialog. `IncomingRefer` is a REFER the peer sent:
 * the dialog answers 202 and a first NOTIFY ("SIP/2.0 100 Trying") unless the application
 * rejects it at once; the application then reports how the new call went with `notify(status)`
 * (a final status ends the implicit subscription). `ReferSubscription` is our side of a REFER we
 * sent: the NOTIFYs the peer sends back, as progress events and a final status.
 */
import { EventEmitter } from 'node:events';
import { parseNameAddr, parseUri, type NameAddr } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import type { SipfragStatus } from './sipfrag.ts';

export type IncomingReferState = 'pending' | 'accepted' | 'rejected' | 'terminated';

/** What the dialog does for an IncomingRefer. */
export interface IncomingReferHandler {
  /** Sends the NOTIFY reporting `status` (a final status ends the subscription). */
  notify(status: number, reason: string | undefined): Promise<SipResponse | undefined>;
}

export class IncomingRefer {
  readonly request: SipRequest;
  /** The Refer-To address (its URI may carry ?Replaces=… for attended transfer). */
  readonly referTo: NameAddr;
  /** The Referred-By address, when given. */
  readonly referredBy: NameAddr | undefined;
  readonly #handler: IncomingReferHandler;
  #state: IncomingReferState = 'pending';
  #rejection: { status: number; reason?: string } | undefined;

  /** @internal Made by Dialog. Throws SipParseError when Refer-To is malformed. */
  constructor(request: SipRequest, referTo: string, referredBy: string | undefined, handler: IncomingReferHandler) {
    this.request = request;
    this.referTo = parseNameAddr(referTo);
    let by: NameAddr | undefined;
    try {
      by = referredBy === undefined ? undefined : parseNameAddr(referredBy);
    } catch {
      by = undefined;
    }
    this.referredBy = by;
    this.#handler = handler;
  }

  /** The URI to call, without the URI headers (Replaces etc.). */
  get target(): string {
    const uri = this.referTo.uri;
    const q = uri.indexOf('?');
    return q < 0 ? uri : uri.slice(0, q);
  }

  /** The Replaces value embedded in the Refer-To URI (attended transfer, RFC 3891), if any. */
  get replaces(): string | undefined {
    try {
      const uri = parseUri(this.referTo.uri);
      for (const [k, v] of Object.entries(uri.headers)) if (k.toLowerCase() === 'replaces') return v;
    } catch {
      /* opaque URI */
    }
    return undefined;
  }

  get state(): IncomingReferState {
    return this.#state;
  }

  /** @internal The rejection chosen inside the 'refer' listener, if any. */
  get rejection(): { status: number; reason?: string } | undefined {
    return this.#rejection;
  }

  /**
   * Refuses the REFER (default 603 Decline). Works only from inside the 'refer' listener, before
   * the dialog answered 202; returns false afterwards.
   */
  reject(status = 603, reason?: string): boolean {
    if (this.#state !== 'pending') return false;
    if (status < 300) throw new RangeError('reject() needs a status of 300 or more');
    this.#rejection = { status, reason };
    this.#state = 'rejected';
    return true;
  }

  /** @internal The dialog answered 202. */
  accepted(): void {
    if (this.#state === 'pending') this.#state = 'accepted';
  }

  /**
   * Reports the progress of the referred call: a 1xx keeps the subscription active, a final
   * status (200 when the transfer target answered) ends it. Resolves with the NOTIFY's response
   * (undefined when the REFER was not accepted, the subscription already ended or the dialog is over).
   */
  async notify(status: number, reason?: string): Promise<SipResponse | undefined> {
    if (this.#state !== 'accepted') return undefined;
    if (status >= 200) this.#state = 'terminated';
    return this.#handler.notify(status, reason);
  }
}

export interface ReferSubscriptionEvents {
  /** A NOTIFY reported this status of the referred call ("100 Trying", "180 Ringing", "200 OK"…). */
  progress: [status: SipfragStatus, notify: SipRequest];
  /** The subscription ended: with the final sipfrag status when one came, else undefined. */
  terminated: [finalStatus: SipfragStatus | undefined];
}

export class ReferSubscription extends EventEmitter<ReferSubscriptionEvents> {
  #id = '';
  /** The 2xx (normally 202 Accepted) the REFER got; set once it arrived. */
  response: SipResponse | undefined;
  /** Every status reported so far, oldest first. */
  readonly history: SipfragStatus[] = [];
  #final: SipfragStatus | undefined;
  #terminated = false;
  readonly #waiting: Array<(status: SipfragStatus | undefined) => void> = [];

  /** The `id` NOTIFYs carry in `Event: refer;id=…`: the CSeq number of the REFER (of its resend after a challenge). */
  get id(): string {
    return this.#id;
  }

  /** @internal The REFER went out with this CSeq number. */
  bind(id: string): void {
    this.#id = id;
  }

  get terminated(): boolean {
    return this.#terminated;
  }

  /** Resolves when the subscription ends: the final status of the referred call, or undefined (ended without one). */
  done(): Promise<SipfragStatus | undefined> {
    if (this.#terminated) return Promise.resolve(this.#final);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** @internal A NOTIFY arrived with this sipfrag status (may be undefined) and subscription state. */
  handleNotify(status: SipfragStatus | undefined, terminated: boolean, notify: SipRequest): void {
    if (this.#terminated) return;
    if (status) {
      this.history.push(status);
      if (status.status >= 200) this.#final = status;
      this.emit('progress', status, notify);
    }
    if (terminated) this.end();
  }

  /** @internal Ends the subscription (final NOTIFY, dialog over, or REFER failed). */
  end(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    for (const resolve of this.#waiting.splice(0)) resolve(this.#final);
    this.emit('terminated', this.#final);
  }
}
