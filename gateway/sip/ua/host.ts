/**
 * What OutgoingInvite and IncomingInvite borrow from their UserAgent: the dialog context, our
 * identity, the dialog table (`adopt` files a dialog until it terminates), and the table of
 * outgoing INVITEs that late 2xx responses from other forks are matched against.
 */
import type { DigestClient, DigestUser } from '../auth/index.ts';
import type { Dialog, DialogContext } from '../dialog/index.ts';
import type { SipResponse } from '../message/types.ts';
import type { LocalIdentity } from './local-identity.ts';

/** Credentials: one pair for every realm, or a per-realm lookup. */
export type Credentials = DigestUser | ((realm: string) => DigestUser | undefined);

/** An outgoing INVITE as the user agent's stray-response table sees it. */
export interface StrayInviteHandler {
  /** A 2xx for this INVITE arrived after its transaction ended (a retransmission or a late fork). */
  handleStray2xx(response: SipResponse): void;
  /** The user agent is closing: stop timers. */
  close(): void;
}

export interface InviteHost {
  readonly context: DialogContext;
  readonly identity: LocalIdentity;
  /** Files the dialog (early or confirmed) so in-dialog requests, ACKs and 2xx retransmissions reach it, until it terminates. */
  adopt(dialog: Dialog): void;
  /** A fresh Digest client (per call or request) for `credentials`, or for the user agent's when undefined; undefined when there are none. */
  digestClient(credentials?: Credentials): DigestClient | undefined;
  /** Files an outgoing INVITE under Call-ID + From tag for late 2xx responses; returns the function that unfiles it. */
  trackInvite(callId: string, localTag: string, handler: StrayInviteHandler): () => void;
}
