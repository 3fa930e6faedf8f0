/**
 * Builds a CANCEL for a pending request (RFC 3261 §9.1): same Request-URI, Call-ID, From, To and
 * CSeq number (method CANCEL), a single Via equal to the request's top Via (so it carries the
 * same branch and the server can find the transaction it cancels), the same Route headers, no body.
 */
import { getHeader, getHeaders, parseCSeq } from '../message/index.ts';
import type { SipHeader, SipRequest } from '../message/types.ts';

export function buildCancel(request: SipRequest): SipRequest {
  const header = (name: string): string => {
    const value = getHeader(request, name);
    if (value === undefined) throw new Error(`cannot build CANCEL: missing ${name}`);
    return value;
  };
  const headers: SipHeader[] = [
    { name: 'Via', value: getHeaders(request, 'Via')[0] ?? header('Via') },
    { name: 'Max-Forwards', value: getHeader(request, 'Max-Forwards') ?? '70' },
    { name: 'From', value: header('From') },
    { name: 'To', value: header('To') },
    { name: 'Call-ID', value: header('Call-ID') },
    { name: 'CSeq', value: `${parseCSeq(header('CSeq')).seq} CANCEL` },
  ];
  for (const route of request.headers) {
    if (route.name.toLowerCase() === 'route') headers.push({ name: 'Route', value: route.value });
  }
  headers.push({ name: 'Content-Length', value: '0' });
  return { kind: 'request', method: 'CANCEL', uri: request.uri, version: 'SIP/2.0', headers, body: Buffer.alloc(0) };
}
