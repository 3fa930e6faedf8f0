/**
 * Builds the ACK a client INVITE transaction sends for a non-2xx final response (RFC 3261
 * §17.1.1.3): same Request-URI, Call-ID, From and CSeq number as the INVITE, the To of the
 * response (with its tag), a single Via equal to the INVITE's top Via (same branch), the
 * INVITE's Route headers, and no body.
 */
import { getHeader, getHeaders, parseCSeq } from '../message/index.ts';
import type { SipHeader, SipRequest, SipResponse } from '../message/types.ts';

export function buildNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const header = (name: string, from: SipRequest | SipResponse = invite): string => {
    const value = getHeader(from, name);
    if (value === undefined) throw new Error(`cannot build ACK: missing ${name}`);
    return value;
  };
  const headers: SipHeader[] = [
    { name: 'Via', value: getHeaders(invite, 'Via')[0] ?? header('Via') },
    { name: 'Max-Forwards', value: getHeader(invite, 'Max-Forwards') ?? '70' },
    { name: 'From', value: header('From') },
    { name: 'To', value: header('To', response) },
    { name: 'Call-ID', value: header('Call-ID') },
    { name: 'CSeq', value: `${parseCSeq(header('CSeq')).seq} ACK` },
  ];
  for (const route of invite.headers) {
    if (route.name.toLowerCase() === 'route') headers.push({ name: 'Route', value: route.value });
  }
  headers.push({ name: 'Content-Length', value: '0' });
  return { kind: 'request', method: 'ACK', uri: invite.uri, version: 'SIP/2.0', headers, body: Buffer.alloc(0) };
}
