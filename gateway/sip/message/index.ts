/**
 * gateway/sip/message — SIP message syntax: parse and serialize messages (datagram and stream
 * framing), header access, typed header parsers/formatters, URIs, and message builders.
 * Everything here is pure (no sockets, no timers) and throws only SipParseError.
 *
 * ```ts
 * const req = parseMessage(datagram);                 // throws SipParseError(400/413/505/513)
 * if (req.kind === 'request' && req.method === 'OPTIONS') {
 *   const res = createResponse(req, 200, undefined, { toTag: newTag(), headers: { Allow: 'INVITE, ACK, BYE' } });
 *   socket.send(serializeMessage(res));
 * }
 * const top = parseVia(getHeaders(req, 'Via')[0]!);  // { transport, host, port, branch, rport, ... }
 * // TCP/TLS: new StreamFramer().onKeepalive(k => k === 'ping' && sock.write('\r\n')).push(chunk)
 * // WebSocket (RFC 7118): one SIP message per frame → parseMessage(frame)
 * ```
 */
export { SipParseError } from './types.ts';
export type { SipHeader, SipMessage, SipRequest, SipResponse, SipEndpoint, TransportProtocol } from './types.ts';

export { parseMessage, findHeaderEnd, resolveParseOptions, validateMessage, DEFAULT_PARSE_OPTIONS } from './parser.ts';
export type { ParseOptions, HeaderBounds } from './parser.ts';
export { serializeMessage, startLine } from './serializer.ts';
export { StreamFramer } from './framer.ts';
export type { StreamFramerOptions, KeepaliveKind, FramerErrorInfo } from './framer.ts';

export {
  getHeader,
  getHeaders,
  hasHeader,
  countHeaders,
  setHeader,
  addHeader,
  removeHeader,
  prependHeader,
  removeFirstValue,
} from './headers.ts';
export { canonicalHeaderName, expandCompactName, isMultiValueHeader, headerKey } from './names.ts';
export { quote, unquote, splitTopLevel, isToken, formatParams } from './lex.ts';
export type { Params } from './lex.ts';

export { parseUri, formatUri, uriEquals, unescapeUri } from './uri.ts';
export type { SipUri } from './uri.ts';
export { parseVia, parseViaList, formatVia } from './via.ts';
export type { SipVia } from './via.ts';
export {
  parseNameAddr,
  parseNameAddrList,
  formatNameAddr,
  parseContact,
  formatContact,
  getContacts,
  parseRoute,
  getRouteSet,
  getFromTag,
  getToTag,
} from './name-addr.ts';
export type { NameAddr, SipContact } from './name-addr.ts';
export {
  parseCSeq,
  formatCSeq,
  parseMaxForwards,
  parseContentLength,
  parseDeltaSeconds,
  parseContentType,
  formatContentType,
  parseTokenList,
  formatTokenList,
} from './fields.ts';
export type { SipCSeq, SipContentType } from './fields.ts';
export { parseAuthChallenge, parseAuthorization, formatAuthChallenge, formatAuthorization } from './auth-header.ts';
export type { SipAuthValue, SipAuthChallenge, SipAuthCredentials } from './auth-header.ts';

export { createResponse, createRequest, toHeaderList } from './builder.ts';
export type { HeaderInit, ResponseOptions, RequestInit } from './builder.ts';
export { REASON_PHRASES, reasonPhrase } from './reasons.ts';
