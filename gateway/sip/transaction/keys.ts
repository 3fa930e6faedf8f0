/**
 * Transaction matching keys.
 * - Client side (§17.1.3): top-Via branch + CSeq method of the response.
 * - Server side (§17.2.3): branch (with the z9hG4bK magic cookie) + sent-by + method, where an
 *   ACK uses INVITE; a CANCEL finds the INVITE it cancels by the same key with method INVITE.
 * - RFC 2543 fallback (no magic cookie): Request-URI, To tag, From tag, Call-ID, CSeq and top Via;
 *   an ACK matches on Request-URI, From tag, Call-ID, CSeq number and top Via, plus the To tag
 *   of the response the transaction sent (checked by the caller against `ack2543Key`).
 */
import { formatVia, getHeader, getHeaders, getFromTag, getToTag, parseCSeq, parseVia } from '../message/index.ts';
import type { SipMessage, SipRequest } from '../message/types.ts';

export const MAGIC_COOKIE = 'z9hG4bK';

/** Thrown (as a plain Error) when a message lacks what matching needs; the layer drops such messages. */
function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`cannot match transaction: missing ${what}`);
  return value;
}

function topViaValue(msg: SipMessage): string {
  return need(getHeaders(msg, 'Via')[0], 'Via');
}

/** The branch parameter of the top Via, if any. */
export function topBranch(msg: SipMessage): string | undefined {
  return parseVia(topViaValue(msg)).branch;
}

/** Client transaction id: branch + method (the CSeq method for responses). */
export function clientKey(branch: string, method: string): string {
  return `${branch}|${method.toUpperCase()}`;
}

/** The client key a response belongs to (§17.1.3). Throws when Via/branch/CSeq is missing. */
export function clientKeyOfResponse(msg: SipMessage): string {
  const branch = need(topBranch(msg), 'Via branch');
  const cseq = parseCSeq(need(getHeader(msg, 'CSeq'), 'CSeq'));
  return clientKey(branch, cseq.method);
}

function rfc2543Common(req: SipRequest): { uri: string; fromTag: string; callId: string; seq: number; via: string } {
  const cseq = parseCSeq(need(getHeader(req, 'CSeq'), 'CSeq'));
  return {
    uri: req.uri.trim(),
    fromTag: getFromTag(req) ?? '',
    callId: need(getHeader(req, 'Call-ID'), 'Call-ID').trim(),
    seq: cseq.seq,
    via: formatVia(parseVia(topViaValue(req))),
  };
}

/**
 * The server transaction key of a request (§17.2.3). `asMethod` overrides the method part:
 * 'INVITE' for an ACK or for finding the INVITE a CANCEL targets.
 */
export function serverKey(req: SipRequest, asMethod?: string): string {
  const via = parseVia(topViaValue(req));
  const method = (asMethod ?? (req.method === 'ACK' ? 'INVITE' : req.method)).toUpperCase();
  if (via.branch?.startsWith(MAGIC_COOKIE)) {
    return `3261|${via.branch}|${via.host.toLowerCase()}:${via.port ?? 0}|${method}`;
  }
  const c = rfc2543Common(req);
  return `2543|${c.uri}|${getToTag(req) ?? ''}|${c.fromTag}|${c.callId}|${c.seq} ${method}|${c.via}`;
}

/** True when matching must fall back to RFC 2543 rules (no magic cookie in the top Via branch). */
export function isRfc2543(req: SipRequest): boolean {
  return !parseVia(topViaValue(req)).branch?.startsWith(MAGIC_COOKIE);
}

/**
 * RFC 2543 ACK key: the same for an INVITE and for the ACK to its non-2xx response (To tag is
 * left out here because the INVITE has none; the caller compares it with the response's).
 */
export function ack2543Key(req: SipRequest): string {
  const c = rfc2543Common(req);
  return `2543ack|${c.uri}|${c.fromTag}|${c.callId}|${c.seq}|${c.via}`;
}

/** Dialog-level key that ties an ACK to the 2xx it acknowledges (§13.3.1.4): Call-ID, tags, CSeq number. */
export function dialogAckKey(msg: SipMessage): string {
  const cseq = parseCSeq(need(getHeader(msg, 'CSeq'), 'CSeq'));
  const callId = need(getHeader(msg, 'Call-ID'), 'Call-ID').trim();
  return `${callId}|${getFromTag(msg) ?? ''}|${getToTag(msg) ?? ''}|${cseq.seq}`;
}
