/**
 * IncomingRequest: an out-of-dialog request other than INVITE (MESSAGE, NOTIFY, SUBSCRIBE,
 * OPTIONS when not answered for us, REGISTER without a registrar…) handed to the application to
 * answer with `respond(status)`. Responses carry a To tag and our Server header.
 */
import { createResponse, toHeaderList, type HeaderInit } from '../message/index.ts';
import type { SipEndpoint, SipRequest, SipResponse } from '../message/types.ts';
import type { ServerTransaction } from '../transaction/index.ts';
import { newTag } from '../dialog/index.ts';

export interface RespondOptions {
  reason?: string;
  headers?: HeaderInit;
  body?: string | Buffer;
  contentType?: string;
}

export class IncomingRequest {
  readonly request: SipRequest;
  readonly transaction: ServerTransaction;
  /** Where it came from (with connectionId for TCP/TLS/WS). */
  readonly source: SipEndpoint;
  readonly #serverHeader: string | undefined;
  readonly #toTag = newTag();

  /** @internal Made by UserAgent. */
  constructor(transaction: ServerTransaction, serverHeader: string | undefined) {
    this.transaction = transaction;
    this.request = transaction.request;
    this.source = transaction.source;
    this.#serverHeader = serverHeader;
  }

  get method(): string {
    return this.request.method;
  }

  /** Whether a final response went out. */
  get responded(): boolean {
    const last = this.transaction.lastResponse;
    return last !== undefined && last.status >= 200;
  }

  /** Sends a response (a 1xx, then a final one). False when the transaction no longer takes one. */
  respond(status: number, options: RespondOptions = {}): boolean {
    return this.transaction.respond(this.response(status, options));
  }

  /** Sends a ready-made response (e.g. from Registrar.handle()). */
  send(response: SipResponse): boolean {
    return this.transaction.respond(response);
  }

  /** Builds (without sending) a response with our To tag and Server header. */
  response(status: number, options: RespondOptions = {}): SipResponse {
    const headers = toHeaderList(options.headers);
    if (this.#serverHeader) headers.push({ name: 'Server', value: this.#serverHeader });
    return createResponse(this.request, status, options.reason, {
      toTag: status === 100 ? undefined : this.#toTag,
      headers,
      body: options.body,
      contentType: options.contentType,
    });
  }
}
