/**
 * The shared shape of a SIP message inside Patchbay's SIP stack (the contract between the parser,
 * transports, transactions, dialogs and the user agent). Headers are kept in wire order as raw
 * values; typed accessors (headers.ts) parse them on demand and cache nothing the caller can't see.
 */

/** One header line as received or to be sent: canonical long name and raw (unfolded) value. */
export interface SipHeader {
  /** Canonical long-form name, e.g. 'Via', 'Call-ID', 'Content-Type' (compact forms expanded). */
  name: string;
  /** Value with line folding replaced by a single space, leading/trailing whitespace trimmed. */
  value: string;
}

interface SipMessageBase {
  /** 'SIP/2.0' for everything we accept. */
  version: string;
  /** Headers in wire order; one entry per header line (comma-joined values are NOT split here). */
  headers: SipHeader[];
  /** Body bytes exactly as framed by Content-Length (empty buffer when none). */
  body: Buffer;
}

export interface SipRequest extends SipMessageBase {
  kind: 'request';
  /** Method token as sent, e.g. 'INVITE', 'REGISTER' (extension methods allowed). */
  method: string;
  /** Request-URI as text (parse with uri.ts when needed). */
  uri: string;
}

export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/** Where a message came from / goes to, as seen by the transport layer. */
export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export interface SipEndpoint {
  protocol: TransportProtocol;
  address: string;
  port: number;
  /** For connection-oriented transports: the id of the connection it arrived on / must go out on. */
  connectionId?: string;
}

/**
 * Error thrown by the parser: `code` is the SIP status a server should answer a bad request with
 * (400, or 413/505/513). It carries no stack trace: it describes hostile or broken input, not a
 * bug, and capturing stacks would make every malformed datagram ~10× dearer to reject.
 */
export class SipParseError extends Error {
  readonly code: number;
  constructor(message: string, code = 400) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'SipParseError';
    this.code = code;
  }
}
