/**
 * Twilio-format identifiers for streams: `MZ` + 32 hex digits for a streamSid (random per stream),
 * and the placeholder accountSid we send when the gateway is not configured with one.
 */
import { randomBytes } from 'node:crypto';

/** `AC` + 32 zeros: matches Twilio's pattern, says plainly that it is not a real account. */
export const DEFAULT_ACCOUNT_SID = `AC${'0'.repeat(32)}`;

/** A fresh streamSid, `^MZ[0-9a-f]{32}$`. */
export function newStreamSid(): string {
  return `MZ${randomBytes(16).toString('hex')}`;
}
