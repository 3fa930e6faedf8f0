/**
 * gateway/sip/dialog — SIP dialogs (RFC 3261 §12–15) and the UAC/UAS core pieces they stand on:
 * the Dialog lifecycle object (re-INVITE, UPDATE, INFO/DTMF, REFER/NOTIFY, BYE, session timers,
 * 491 glare), dialog state and in-dialog request building with loose/strict routing,
 * ClientRequest (next hop, Via, Digest retry, CANCEL), and SipError.
 */
export { SipError } from './sip-error.ts';
export {
  Dialog,
  sdpOf,
  type ByeOptions,
  type DialogEndReason,
  type DialogEvents,
  type DialogOptions,
  type DialogRole,
  type DialogStateName,
  type DialogStats,
} from './dialog.ts';
export {
  buildInDialogRequest,
  dialogKey,
  refreshTarget,
  routeFor,
  uacDialogState,
  uasDialogState,
  type DialogId,
  type DialogState,
  type InDialogRequestInit,
} from './dialog-state.ts';
export { ClientRequest, isLocalResponse, setTopVia, type ClientRequestEvents, type ClientRequestOptions } from './client-request.ts';
export type { DialogContext, SessionTimerSettings, UacContext } from './context.ts';
export { IncomingOffer, type OfferAnswer } from './incoming-offer.ts';
export {
  IncomingRefer,
  ReferSubscription,
  type IncomingReferHandler,
  type IncomingReferState,
  type ReferSubscriptionEvents,
} from './refer.ts';
export { DTMF_PLAIN, DTMF_RELAY, formatDtmfBody, normalizeDtmfDigit, parseDtmfBody, type DtmfEvent } from './dtmf.ts';
export {
  SIPFRAG,
  formatSipfrag,
  formatSubscriptionState,
  parseSipfrag,
  parseSubscriptionState,
  type SipfragStatus,
  type SubscriptionState,
} from './sipfrag.ts';
export {
  MIN_SE_FLOOR,
  SessionTimer,
  expiryDelayMs,
  formatSessionExpires,
  getMinSE,
  getSessionExpires,
  negotiateAsUac,
  negotiateAsUas,
  parseSessionExpires,
  supportsOption,
  uasSessionHeaders,
  type Refresher,
  type SessionExpires,
  type SessionTimerHandlers,
  type UasSessionDecision,
} from './session-timer.ts';
export { glareRetryDelay } from './glare.ts';
export { nextHopOf, nextHopOfUri, resolveNextHop, type HostLookup, type NextHop } from './next-hop.ts';
export { newBranch, newCallId, newTag } from './ids.ts';
