/**
 * The zod schemas of the call-control API (xbridge "Calls", "Call Control", "Audio Playback"):
 * request bodies, validated by the routes, and answers, registered in the OpenAPI document. One
 * definition serves both, so the docs cannot drift from what the routes accept.
 */
import { z } from 'zod';

const nonEmpty = (description: string) => z.string().min(1, 'must not be empty').meta({ description });
const httpUrl = (description: string) =>
  z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).meta({ description });

/** Path parameter of every per-call route. */
export const callIdParams = z.object({ call_id: z.string().meta({ description: 'Call identifier (from the create answer or a webhook)' }) });

/** POST /v1/calls. */
export const createCallBody = z
  .object({
    to: nonEmpty('Destination number or SIP address'),
    from: nonEmpty('Caller ID'),
    trunk: nonEmpty('Trunk name (default "default"); mutually exclusive with peer').optional(),
    peer: nonEmpty('Trunk host peer name; mutually exclusive with trunk').optional(),
    webhook_url: httpUrl('Lifecycle webhooks of this call go here instead of webhook.url').optional(),
    stream: z.boolean().meta({ description: 'Enable WebSocket audio streaming' }).optional(),
  })
  .refine((b) => b.trunk === undefined || b.peer === undefined, { message: 'trunk and peer are mutually exclusive' });

export const createCallAnswer = z.object({
  call_id: z.string().meta({ description: 'Unique call identifier' }),
  status: z.literal('dialing'),
  ws_url: z.string().meta({ description: 'WebSocket URL for audio streaming (ws://host/ws/{call_id}, wss:// over TLS)' }),
});

export const callInfo = z.object({
  call_id: z.string(),
  from: z.string().meta({ description: 'Caller ID' }),
  to: z.string().meta({ description: 'Called number/address' }),
  direction: z.enum(['inbound', 'outbound']),
  status: z.enum(['dialing', 'ringing', 'in_progress', 'on_hold', 'completed']),
  peer: z.string().meta({ description: 'Trunk host peer name (omitted for trunk and directory calls)' }).optional(),
});

export const callList = z.object({ calls: z.array(callInfo) });

/** The answer of every call-control action (hold, resume, mute, unmute, transfer, dtmf, play/stop). */
export const okAnswer = z.object({ status: z.literal('ok') });
export const OK = { status: 'ok' } as const;

/** POST /v1/calls/{call_id}/transfer. */
export const transferBody = z.object({ target: nonEmpty('SIP address or phone number') });

/** POST /v1/calls/{call_id}/dtmf; digits come out upper-cased (a-d → A-D). */
export const dtmfBody = z.object({
  digits: z
    .string()
    .regex(/^[0-9*#A-Da-d]+$/, 'only 0-9, *, # and A-D')
    .transform((d) => d.toUpperCase())
    .meta({ description: 'Digit sequence (0-9, *, #, A-D)' }),
});

/** POST /v1/calls/{call_id}/play: exactly one of url or audio. */
export const playBody = z
  .object({
    url: httpUrl('HTTP(S) URL of a WAV file (8 kHz, mono, 16-bit PCM)').optional(),
    audio: z.string().meta({ description: 'Base64 raw PCM16 audio (8 kHz, mono, little-endian)' }).optional(),
    loop_count: z.number().int().min(0).default(1).meta({ description: 'Times to play; 0 = until stopped. Default 1' }),
  })
  .refine((b) => b.url !== undefined || b.audio !== undefined, { message: 'No audio source' })
  .refine((b) => b.url === undefined || b.audio === undefined, { message: 'Give either url or audio, not both' });

export const playAnswer = z.object({ play_id: z.string().meta({ description: 'Playback identifier, e.g. "play_0"' }) });
