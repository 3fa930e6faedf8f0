/**
 * Responses a client transaction makes up for its TU when the network gave none: 408 when
 * timer B/F fires, 503 when the transport failed (RFC 3261 §8.1.3.1, §17.1.4).
 */
import { createResponse } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';

export function localResponse(request: SipRequest, status: 408 | 503, reason: string): SipResponse {
  return createResponse(request, status, reason);
}
