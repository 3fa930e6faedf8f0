/**
 * Receive-side Via processing (RFC 3261 §18.2.1, RFC 3581 §4): note in the top Via where a request
 * really came from, so responses find their way back through NATs.
 * - `received=<source address>` when the sent-by host differs from it, or whenever `rport` is asked for;
 * - `rport=<source port>` when the Via carries an empty `rport`.
 */
import { formatVia, getHeaders, parseVia } from '../message/index.ts';
import type { SipRequest } from '../message/types.ts';

/**
 * Adds `received`/`rport` to the request's top Via in place (only the first value of the first
 * Via header line is rewritten; other values keep their text). Throws SipParseError for a
 * malformed top Via.
 */
export function stampVia(request: SipRequest, sourceAddress: string, sourcePort: number): void {
  const index = request.headers.findIndex((h) => h.name.toLowerCase() === 'via' || h.name.toLowerCase() === 'v');
  if (index < 0) return;
  const line = request.headers[index]!;
  // Split just this line the way the message layer splits comma-joined values.
  const values = getHeaders({ headers: [line] }, 'Via');
  const top = values[0];
  if (top === undefined) return;
  const via = parseVia(top);
  const wantsRport = via.rport === true;
  if (!wantsRport && via.host.toLowerCase() === sourceAddress.toLowerCase()) return;
  if (wantsRport) via.rport = sourcePort;
  via.received = sourceAddress;
  request.headers[index] = { name: line.name, value: [formatVia(via), ...values.slice(1)].join(', ') };
}
