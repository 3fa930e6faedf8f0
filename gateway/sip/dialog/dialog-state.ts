/**
 * The state of a dialog (RFC 3261 §12.1): its id (Call-ID, local and remote tags), the local and
 * remote URIs, the remote target, the route set, both CSeq counters and the secure flag — how
 * the UAC and UAS sides derive it (§12.1.1, §12.1.2) and how a request within it is built,
 * including the strict-routing rewrite of §12.2.1.1.
 */
import {
  createRequest,
  formatNameAddr,
  formatUri,
  getContacts,
  getHeader,
  getRouteSet,
  parseCSeq,
  parseNameAddr,
  parseUri,
  toHeaderList,
  type HeaderInit,
  type NameAddr,
} from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';

/** The three values that identify a dialog (§12). */
export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

/** One string for a dialog id, usable as a map key. */
export function dialogKey(id: DialogId): string {
  return `${id.callId}\n${id.localTag}\n${id.remoteTag}`;
}

export interface DialogState extends DialogId {
  /** Our address (From of requests we send), without the tag. */
  localUri: NameAddr;
  /** The peer's address (To of requests we send), without the tag. */
  remoteUri: NameAddr;
  /** Where requests go: the peer's Contact URI, updated by target refresh requests. */
  remoteTarget: string;
  /** Route header values (name-addr), in the order requests carry them. */
  routeSet: string[];
  /** CSeq number of the last request we sent; undefined until we send one (UAS side). */
  localSeq: number | undefined;
  /** CSeq number of the last request the peer sent; undefined until it sends one (UAC side). */
  remoteSeq: number | undefined;
  /** Set when the dialog was made over TLS with a SIPS Request-URI (§12.1.1). */
  secure: boolean;
  /** True when we generated the Call-ID (we were the UAC of the dialog-creating INVITE). */
  ownsCallId: boolean;
}

function need(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`dialog: missing ${what}`);
  return value;
}

function withoutTag(na: NameAddr): NameAddr {
  const params = { ...na.params };
  delete params.tag;
  return na.displayName === undefined ? { uri: na.uri, params } : { displayName: na.displayName, uri: na.uri, params };
}

function contactUri(msg: SipRequest | SipResponse): string | undefined {
  try {
    const c = getContacts(msg)[0];
    return c && !c.star ? c.uri : undefined;
  } catch {
    return undefined;
  }
}

function recordRoutes(msg: SipRequest | SipResponse): string[] {
  return getRouteSet(msg, 'Record-Route').map(formatNameAddr);
}

/**
 * §12.1.2: the UAC's dialog from the INVITE it sent and a response with a To tag (1xx for an
 * early dialog, 2xx for a confirmed one). Route set = Record-Route reversed.
 */
export function uacDialogState(invite: SipRequest, response: SipResponse, secure = false): DialogState {
  const from = parseNameAddr(need(getHeader(invite, 'From'), 'From'));
  const to = parseNameAddr(need(getHeader(response, 'To'), 'To'));
  const localTag = need(from.params.tag ?? undefined, 'From tag');
  const remoteTag = need(to.params.tag ?? undefined, 'To tag');
  return {
    callId: need(getHeader(invite, 'Call-ID'), 'Call-ID').trim(),
    localTag,
    remoteTag,
    localUri: withoutTag(from),
    remoteUri: withoutTag(to),
    remoteTarget: contactUri(response) ?? invite.uri,
    routeSet: recordRoutes(response).reverse(),
    localSeq: parseCSeq(need(getHeader(invite, 'CSeq'), 'CSeq')).seq,
    remoteSeq: undefined,
    secure: secure && invite.uri.toLowerCase().startsWith('sips:'),
    ownsCallId: true,
  };
}

/** §12.1.1: the UAS's dialog from the INVITE it got and the To tag it answers with. Route set = Record-Route in order. */
export function uasDialogState(invite: SipRequest, localTag: string, secure = false): DialogState {
  const from = parseNameAddr(need(getHeader(invite, 'From'), 'From'));
  const to = parseNameAddr(need(getHeader(invite, 'To'), 'To'));
  return {
    callId: need(getHeader(invite, 'Call-ID'), 'Call-ID').trim(),
    localTag,
    remoteTag: need(from.params.tag ?? undefined, 'From tag'),
    localUri: withoutTag(to),
    remoteUri: withoutTag(from),
    remoteTarget: contactUri(invite) ?? from.uri,
    routeSet: recordRoutes(invite),
    localSeq: undefined,
    remoteSeq: parseCSeq(need(getHeader(invite, 'CSeq'), 'CSeq')).seq,
    secure: secure && invite.uri.toLowerCase().startsWith('sips:'),
    ownsCallId: false,
  };
}

/** §12.2.1.2 / §12.2.2: the Contact of a target refresh request or its 2xx replaces the remote target. */
export function refreshTarget(state: DialogState, msg: SipRequest | SipResponse): boolean {
  const uri = contactUri(msg);
  if (uri === undefined || uri === state.remoteTarget) return false;
  state.remoteTarget = uri;
  return true;
}

export interface InDialogRequestInit {
  headers?: HeaderInit;
  body?: Buffer | string;
  contentType?: string;
}

/** Request-URI and Route values for a request within the dialog (§12.2.1.1). */
export function routeFor(state: Pick<DialogState, 'remoteTarget' | 'routeSet'>): { uri: string; routes: string[] } {
  const [first, ...rest] = state.routeSet;
  if (first === undefined) return { uri: state.remoteTarget, routes: [] };
  const firstUri = parseNameAddr(first).uri;
  const parsed = parseUri(firstUri);
  if ('lr' in parsed.params) return { uri: state.remoteTarget, routes: [...state.routeSet] };
  // Strict router: it becomes the Request-URI (minus what a Request-URI may not carry) and the
  // remote target goes last in the Route set.
  delete parsed.params.method;
  parsed.headers = {};
  return { uri: formatUri(parsed), routes: [...rest, `<${state.remoteTarget}>`] };
}

/**
 * A request within the dialog: Request-URI and Route per the route set, To with the remote tag,
 * From with ours, the Call-ID and the given CSeq number. No Via and no Contact (the sender adds
 * them once it knows the transport).
 */
export function buildInDialogRequest(state: DialogState, method: string, cseq: number, init: InDialogRequestInit = {}): SipRequest {
  const { uri, routes } = routeFor(state);
  const headers: Record<string, string | string[]> = {
    From: formatNameAddr({ ...state.localUri, params: { ...state.localUri.params, tag: state.localTag } }),
    To: formatNameAddr({ ...state.remoteUri, params: { ...state.remoteUri.params, tag: state.remoteTag } }),
    'Call-ID': state.callId,
    CSeq: `${cseq} ${method}`,
  };
  if (routes.length > 0) headers.Route = routes;
  const request = createRequest({ method, uri, headers, body: init.body, contentType: init.contentType });
  if (init.headers) request.headers.push(...toHeaderList(init.headers));
  return request;
}
