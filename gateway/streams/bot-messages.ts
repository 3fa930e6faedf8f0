/**
 * What a bot may send us, validated with zod (Twilio's three server→Twilio events, which the
 * xbridge reference shares): `media` {media.payload: base64 audio in the stream's encoding},
 * `mark` {mark.name}, `clear`. `streamSid` may be omitted; when present it must be ours. Extra
 * fields are tolerated (Twilio is stricter; being lenient costs nothing and breaks no Twilio bot).
 * Anything else — bad JSON, an unknown event, a missing field, a wrong streamSid, a payload that
 * is not base64 or not whole samples — is reported as a reason string; the leg logs it, counts it
 * and ignores the message (see bot-protocol.md for what the bot receives).
 */
import { z } from 'zod';

/** Longest mark name we accept (Twilio sets no limit; this bounds memory per mark). */
export const MAX_MARK_NAME = 1024;

const streamSid = z.string().optional();

export const botMediaSchema = z.object({
  event: z.literal('media'),
  streamSid,
  media: z.object({ payload: z.string().min(1, 'empty payload') }),
});

export const botMarkSchema = z.object({
  event: z.literal('mark'),
  streamSid,
  mark: z.object({ name: z.string().max(MAX_MARK_NAME) }),
});

export const botClearSchema = z.object({
  event: z.literal('clear'),
  streamSid,
});

export const botMessageSchema = z.discriminatedUnion('event', [botMediaSchema, botMarkSchema, botClearSchema]);
export type BotMessage = z.infer<typeof botMessageSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const KNOWN_EVENTS = new Set(['media', 'mark', 'clear']);

/** Parse and validate one text frame from a bot against `expectedSid`. */
export function parseBotMessage(text: string, expectedSid: string): ParseResult<BotMessage> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'not a JSON object' };
  const event = (json as { event?: unknown }).event;
  if (typeof event !== 'string') return { ok: false, reason: 'no "event" field' };
  if (!KNOWN_EVENTS.has(event)) return { ok: false, reason: `unknown event "${event.slice(0, 40)}"` };
  const parsed = botMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `${event}: ${issue.path.join('.') || '(message)'}: ${issue.message}` };
  }
  const sid = parsed.data.streamSid;
  if (sid !== undefined && sid !== expectedSid) return { ok: false, reason: `${event}: streamSid "${sid.slice(0, 40)}" is not this stream's` };
  return { ok: true, value: parsed.data };
}

/**
 * Decode a base64 payload and check it: valid base64 (padded or not), non-empty, and whole samples
 * (`bytesPerSample` 2 for PCM16). Returns a Buffer the caller may keep.
 */
export function decodePayload(payload: string, bytesPerSample: number): ParseResult<Buffer> {
  let end = payload.length;
  if (end > 0 && payload.charCodeAt(end - 1) === 0x3d /* = */) end--;
  if (end > 0 && payload.charCodeAt(end - 1) === 0x3d) end--;
  if (end % 4 === 1) return { ok: false, reason: 'media: payload is not base64' };
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.length !== Math.floor((end * 3) / 4)) return { ok: false, reason: 'media: payload is not base64' };
  if (bytes.length === 0) return { ok: false, reason: 'media: empty payload' };
  if (bytes.length % bytesPerSample !== 0) {
    return { ok: false, reason: `media: payload of ${bytes.length} bytes is not whole ${bytesPerSample * 8}-bit samples` };
  }
  return { ok: true, value: bytes };
}
