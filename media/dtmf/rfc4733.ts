/**
 * RFC 4733 telephone-event payload: the 4-byte event report carried in RTP, and the mapping
 * between DTMF digits and event codes (RFC 4733 §3.2: 0–9, *, #, A–D are events 0–15; 16 is flash).
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     event     |E|R| volume    |          duration             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 * Writes go into caller-provided buffers so a sender can reuse one buffer per packet.
 */

/** Size of one event report in bytes. */
export const TELEPHONE_EVENT_SIZE = 4;
/** Largest duration one report can carry (timestamp units); longer events are segmented (§2.5.1.3). */
export const MAX_EVENT_DURATION = 0xffff;
/** Largest volume value: the power level is -63 dBm0 at most (§2.3.4). */
export const MAX_EVENT_VOLUME = 63;
/** Event code of hook flash (§3.2). */
export const FLASH_EVENT = 16;

/** The sixteen DTMF keys, in event-code order. */
export type DtmfDigit =
  | '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9'
  | '*' | '#' | 'A' | 'B' | 'C' | 'D';

/** What a DTMF telephone-event names: one of the sixteen keys, or hook flash (event 16). */
export type DtmfKey = DtmfDigit | 'flash';

/** All sixteen DTMF digits; index = event code. */
export const DTMF_DIGITS: readonly DtmfDigit[] = [
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D',
];

/** One decoded event report. */
export interface TelephoneEvent {
  /** Event code, 0–255 (0–15 DTMF digits, 16 flash; others from the IANA registry). */
  event: number;
  /** E bit: this report is the end of the event. */
  end: boolean;
  /** Power level of the tone, expressed as a positive number of -dBm0 (0–63). */
  volume: number;
  /** Duration of the event so far, in RTP timestamp units (0–65535). */
  duration: number;
}

/** A decoded report plus the R bit, which senders must send as 0 and receivers must ignore. */
export interface ParsedTelephoneEvent extends TelephoneEvent {
  /** R bit as received (informational only). */
  reserved: boolean;
}

export type TelephoneEventErrorCode =
  | 'payload-too-short'
  | 'buffer-too-small'
  | 'event-out-of-range'
  | 'volume-out-of-range'
  | 'duration-out-of-range'
  | 'unknown-digit';

/** Raised for malformed payloads, out-of-range fields and unknown digits; `code` says which. */
export class TelephoneEventError extends RangeError {
  override readonly name = 'TelephoneEventError';
  constructor(
    readonly code: TelephoneEventErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Decode the report at `offset` of `payload`. Fills `out` when given (no allocation), otherwise
 * returns a new object. Throws TelephoneEventError('payload-too-short') when fewer than 4 bytes remain.
 */
export function parseTelephoneEvent(
  payload: Uint8Array,
  offset = 0,
  out?: ParsedTelephoneEvent,
): ParsedTelephoneEvent {
  if (offset < 0 || payload.length - offset < TELEPHONE_EVENT_SIZE) {
    throw new TelephoneEventError(
      'payload-too-short',
      `telephone-event needs ${TELEPHONE_EVENT_SIZE} bytes at offset ${offset}, have ${payload.length - offset}`,
    );
  }
  const b1 = payload[offset + 1]!;
  const target = out ?? { event: 0, end: false, reserved: false, volume: 0, duration: 0 };
  target.event = payload[offset]!;
  target.end = (b1 & 0x80) !== 0;
  target.reserved = (b1 & 0x40) !== 0;
  target.volume = b1 & 0x3f;
  target.duration = (payload[offset + 2]! << 8) | payload[offset + 3]!;
  return target;
}

/**
 * Encode `ev` into `out` at `offset` (R bit written as 0); returns the bytes written (4).
 * Throws TelephoneEventError for fields out of range or when `out` lacks room.
 */
export function writeTelephoneEvent(ev: TelephoneEvent, out: Uint8Array, offset = 0): number {
  if (!Number.isInteger(ev.event) || ev.event < 0 || ev.event > 255) {
    throw new TelephoneEventError('event-out-of-range', `event ${ev.event} not in 0..255`);
  }
  if (!Number.isInteger(ev.volume) || ev.volume < 0 || ev.volume > MAX_EVENT_VOLUME) {
    throw new TelephoneEventError('volume-out-of-range', `volume ${ev.volume} not in 0..${MAX_EVENT_VOLUME}`);
  }
  if (!Number.isInteger(ev.duration) || ev.duration < 0 || ev.duration > MAX_EVENT_DURATION) {
    throw new TelephoneEventError('duration-out-of-range', `duration ${ev.duration} not in 0..${MAX_EVENT_DURATION}`);
  }
  if (offset < 0 || out.length - offset < TELEPHONE_EVENT_SIZE) {
    throw new TelephoneEventError('buffer-too-small', `need ${TELEPHONE_EVENT_SIZE} bytes at offset ${offset}`);
  }
  out[offset] = ev.event;
  out[offset + 1] = (ev.end ? 0x80 : 0) | ev.volume;
  out[offset + 2] = ev.duration >>> 8;
  out[offset + 3] = ev.duration & 0xff;
  return TELEPHONE_EVENT_SIZE;
}

/** Encode `ev` into a new 4-byte payload. */
export function buildTelephoneEvent(ev: TelephoneEvent): Uint8Array {
  const out = new Uint8Array(TELEPHONE_EVENT_SIZE);
  writeTelephoneEvent(ev, out, 0);
  return out;
}

/**
 * Event code for a DTMF key: '0'–'9', '*', '#', 'A'–'D' (lower case accepted) and 'flash'.
 * Throws TelephoneEventError('unknown-digit') for anything else.
 */
export function digitToEvent(key: string): number {
  if (key.length === 1) {
    const c = key.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39) return c - 0x30; // '0'..'9'
    if (c === 0x2a) return 10; // '*'
    if (c === 0x23) return 11; // '#'
    if (c >= 0x41 && c <= 0x44) return 12 + c - 0x41; // 'A'..'D'
    if (c >= 0x61 && c <= 0x64) return 12 + c - 0x61; // 'a'..'d'
  } else if (key === 'flash') {
    return FLASH_EVENT;
  }
  throw new TelephoneEventError('unknown-digit', `not a DTMF key: ${JSON.stringify(key)}`);
}

/** DTMF key for an event code, or undefined when the code is not 0–16. */
export function eventToDigit(event: number): DtmfKey | undefined {
  if (event === FLASH_EVENT) return 'flash';
  return DTMF_DIGITS[event];
}

/** True when `key` is one of the sixteen DTMF digits (upper-case A–D) or 'flash'. */
export function isDtmfKey(key: string): key is DtmfKey {
  return key === 'flash' || (DTMF_DIGITS as readonly string[]).includes(key);
}
