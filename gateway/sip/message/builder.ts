/**
 * Building messages: `createResponse` (a response to a request per RFC 3261 §8.2.6: Via(s), From,
 * To — with the UAS to-tag added —, Call-ID, CSeq and, for 100 Trying, Timestamp are copied) and
 * `createRequest` (a request from a method, URI and headers).
 */
import type { SipHeader, SipRequest, SipResponse } from './types.ts';
import { canonicalHeaderName } from './names.ts';
import { parseNameAddr } from './name-addr.ts';
import { formatUri, type SipUri } from './uri.ts';
import { reasonPhrase } from './reasons.ts';
import { hasHeader } from './headers.ts';

/** Headers as a list (order kept, repeats allowed) or a record (array values → repeated lines). */
export type HeaderInit = SipHeader[] | Record<string, string | number | readonly (string | number)[]>;

/** Turns a HeaderInit into header lines with canonical names. */
export function toHeaderList(init: HeaderInit | undefined): SipHeader[] {
  if (!init) return [];
  if (Array.isArray(init)) return init.map((h) => ({ name: canonicalHeaderName(h.name), value: h.value }));
  const out: SipHeader[] = [];
  for (const [name, v] of Object.entries(init as Record<string, string | number | readonly (string | number)[]>)) {
    const canon = canonicalHeaderName(name);
    if (Array.isArray(v)) for (const x of v) out.push({ name: canon, value: String(x) });
    else out.push({ name: canon, value: String(v) });
  }
  return out;
}

export interface ResponseOptions {
  /** Tag to add to To when it has none (a UAS must for every response but 100 Trying). */
  toTag?: string;
  /** Extra headers appended after the copied ones (e.g. Contact, Allow, WWW-Authenticate). */
  headers?: HeaderInit;
  /** Body; strings are UTF-8 encoded. */
  body?: Buffer | string;
  /** Content-Type for the body. */
  contentType?: string;
}

/** Headers a response copies from its request (§8.2.6.2), in this order. */
const COPIED = new Set(['Via', 'From', 'To', 'Call-ID', 'CSeq']);

/**
 * Builds a response to `req`. `reason` defaults to the standard phrase; `extra` is either extra
 * headers or ResponseOptions. Record-Route is not copied (only 2xx/18x to INVITE need it, and that
 * is the dialog layer's decision).
 */
export function createResponse(
  req: SipRequest,
  status: number,
  reason?: string,
  extra?: HeaderInit | ResponseOptions,
): SipResponse {
  const opts: ResponseOptions =
    extra === undefined ? {} : Array.isArray(extra) || !isResponseOptions(extra) ? { headers: extra as HeaderInit } : extra;
  const headers: SipHeader[] = [];
  for (const h of req.headers) {
    if (COPIED.has(h.name) || (status === 100 && h.name === 'Timestamp')) {
      if (h.name === 'To' && opts.toTag !== undefined) {
        const na = parseNameAddr(h.value);
        headers.push({ name: 'To', value: na.params.tag ? h.value : `${h.value};tag=${opts.toTag}` });
      } else {
        headers.push({ name: h.name, value: h.value });
      }
    }
  }
  headers.push(...toHeaderList(opts.headers));
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body ?? Buffer.alloc(0);
  const res: SipResponse = { kind: 'response', version: 'SIP/2.0', status, reason: reason ?? reasonPhrase(status), headers, body };
  if (opts.contentType !== undefined && !hasHeader(res, 'Content-Type')) headers.push({ name: 'Content-Type', value: opts.contentType });
  return res;
}

function isResponseOptions(x: object): x is ResponseOptions {
  const keys = Object.keys(x);
  return keys.length === 0 || keys.every((k) => k === 'toTag' || k === 'headers' || k === 'body' || k === 'contentType');
}

export interface RequestInit {
  method: string;
  uri: string | SipUri;
  headers?: HeaderInit;
  body?: Buffer | string;
  contentType?: string;
  /** Max-Forwards added when the headers have none. Default 70; null adds none. */
  maxForwards?: number | null;
}

/** Builds a request. Content-Length is written by serializeMessage. */
export function createRequest(init: RequestInit): SipRequest {
  const headers = toHeaderList(init.headers);
  const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : init.body ?? Buffer.alloc(0);
  const req: SipRequest = {
    kind: 'request',
    version: 'SIP/2.0',
    method: init.method,
    uri: typeof init.uri === 'string' ? init.uri : formatUri(init.uri),
    headers,
    body,
  };
  const mf = init.maxForwards === undefined ? 70 : init.maxForwards;
  if (mf !== null && !hasHeader(req, 'Max-Forwards')) headers.push({ name: 'Max-Forwards', value: String(mf) });
  if (init.contentType !== undefined && !hasHeader(req, 'Content-Type')) headers.push({ name: 'Content-Type', value: init.contentType });
  return req;
}
