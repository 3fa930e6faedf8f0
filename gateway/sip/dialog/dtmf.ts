/**
 * DTMF carried in SIP INFO (RFC 6086 transport; the bodies are de-facto formats):
 * `application/dtmf-relay` (`Signal=5\r\nDuration=160\r\n`, Cisco/Asterisk) and `application/dtmf`
 * (the bare digit, sometimes with the dtmf-relay lines). Signals 10–15 are read as `*`, `#`, `A`–`D`
 * the way the RFC 4733 event codes number them.
 */

/** One DTMF key press reported by the peer. */
export interface DtmfEvent {
  /** '0'–'9', '*', '#', 'A'–'D'. */
  digit: string;
  /** Duration in ms when the body gave one. */
  durationMs?: number;
}

export const DTMF_RELAY = 'application/dtmf-relay';
export const DTMF_PLAIN = 'application/dtmf';

const EVENT_CODES = '0123456789*#ABCD';

/** Normalises a signal value ('5', '*', 'a', '10') to a digit, or undefined when it is none. */
export function normalizeDtmfDigit(signal: string): string | undefined {
  const s = signal.trim().toUpperCase();
  if (s.length === 1 && EVENT_CODES.includes(s)) return s;
  if (/^[0-9]{1,2}$/.test(s)) return EVENT_CODES[Number(s)];
  return undefined;
}

/**
 * Reads a DTMF INFO body. `contentType` is the media type without parameters (any case). Returns
 * undefined when the type is not a DTMF type or the body names no digit.
 */
export function parseDtmfBody(contentType: string, body: string): DtmfEvent | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type !== DTMF_RELAY && type !== DTMF_PLAIN) return undefined;
  const fields = new Map<string, string>();
  for (const line of body.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  const signal = fields.get('signal') ?? (type === DTMF_PLAIN ? body.trim() : undefined);
  if (signal === undefined) return undefined;
  const digit = normalizeDtmfDigit(signal);
  if (digit === undefined) return undefined;
  const duration = fields.get('duration');
  const event: DtmfEvent = { digit };
  if (duration !== undefined && /^[0-9]+$/.test(duration)) event.durationMs = Number(duration);
  return event;
}

/** Body and content type of a DTMF INFO for one digit. */
export function formatDtmfBody(digit: string, durationMs = 160, contentType: string = DTMF_RELAY): { body: string; contentType: string } {
  const d = normalizeDtmfDigit(digit);
  if (d === undefined) throw new RangeError(`not a DTMF digit: '${digit}'`);
  if (contentType === DTMF_PLAIN) return { body: d, contentType };
  return { body: `Signal=${d}\r\nDuration=${Math.round(durationMs)}\r\n`, contentType: DTMF_RELAY };
}
