/**
 * The webhook payloads of the xbridge contract, as zod schemas (the OpenAPI `webhooks` section is
 * generated from them): the /incoming request and its synchronous answer, and the lifecycle events
 * POSTed to the base URL.
 */
import { z } from 'zod';

const callId = z.string().min(1).meta({ description: 'Unique call identifier' });

export const incomingCallSchema = z
  .object({
    call_id: callId,
    from: z.string().meta({ description: 'Caller ID' }),
    to: z.string().meta({ description: 'Called number/address' }),
    direction: z.literal('inbound'),
    peer: z.string().optional().meta({ description: 'Trunk host peer name (omitted for cloud trunk calls)' }),
  })
  .meta({ description: 'POST {webhook_url}/incoming — a new inbound call; answer synchronously.' });
export type IncomingCall = z.infer<typeof incomingCallSchema>;

/** Where to stream the call's audio when the bot wants the gateway to connect out (Twilio <Stream>). */
export const streamTargetSchema = z.object({
  url: z.url({ protocol: /^wss?$/ }).meta({ description: 'WebSocket URL the gateway connects to' }),
  parameters: z.record(z.string(), z.string()).optional().meta({ description: 'Sent as start.customParameters' }),
});
export type StreamTarget = z.infer<typeof streamTargetSchema>;

export const incomingResponseSchema = z
  .object({
    action: z.enum(['accept', 'reject']),
    stream: z
      .union([z.boolean(), streamTargetSchema])
      .optional()
      .meta({ description: 'true: the bot connects to /ws/{call_id}; an object: the gateway connects to url' }),
    reason: z.string().optional().meta({ description: 'Rejection reason: "busy" → SIP 486, "declined" → 603, "not_found" → 404, anything else → 480' }),
    connect: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Patchbay: route the accepted call on to this destination (a directory user, an extension, a number) instead of answering it for a bot' }),
  })
  .meta({ description: 'Your answer to /incoming. Anything else is treated as a reject.' });
export type IncomingResponse = z.infer<typeof incomingResponseSchema>;

const base = { call_id: callId };
export const lifecycleEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('call.ringing'), ...base, from: z.string(), to: z.string() }),
  z.object({ event: z.literal('call.answered'), ...base }),
  z.object({
    event: z.literal('call.ended'),
    ...base,
    reason: z.string().meta({ description: 'normal, busy, no_answer, rejected, error…' }),
    duration: z.number().nonnegative().meta({ description: 'Call duration in seconds' }),
  }),
  z.object({ event: z.literal('call.dtmf'), ...base, digit: z.string().regex(/^[0-9A-D*#]$/) }),
  z.object({ event: z.literal('call.hold'), ...base }),
  z.object({ event: z.literal('call.resumed'), ...base }),
  z.object({ event: z.literal('call.play_finished'), ...base, play_id: z.string(), interrupted: z.boolean() }),
]);
export type LifecycleEvent = z.infer<typeof lifecycleEventSchema>;
export type LifecycleEventName = LifecycleEvent['event'];
