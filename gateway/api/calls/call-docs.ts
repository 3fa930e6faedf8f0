/**
 * The OpenAPI entries of the call-control API (tag "calls"): the REST routes of call-routes.ts
 * and the bot WebSocket upgrade at /ws/{call_id}, with the schemas the routes validate with.
 */
import { z } from 'zod';
import { errorSchema, type ApiDocs, type OperationDoc, type ResponseDoc } from '../openapi/registry.ts';
import { streamQuerySchema } from '../../streams/index.ts';
import { callIdParams, callInfo, callList, createCallAnswer, createCallBody, dtmfBody, okAnswer, playAnswer, playBody, transferBody } from './schemas.ts';

const tags = ['calls'];
const notFound: ResponseDoc = { description: 'Call not found', schema: errorSchema };
const failed: ResponseDoc = { description: 'The operation failed', schema: errorSchema };
const ok = (description: string): ResponseDoc => ({ description, schema: okAnswer });

/** A POST /v1/calls/{call_id}/… action: 200 {"status":"ok"}, 404, 500. */
function action(path: string, summary: string, body?: z.ZodType, description?: string): OperationDoc {
  return {
    method: 'post', path: `/v1/calls/:call_id/${path}`, tags, summary, params: callIdParams,
    ...(body && { body }), ...(description && { description }),
    responses: { 200: ok('Done'), 404: notFound, 500: failed },
  };
}

export function registerCallDocs(docs: ApiDocs): void {
  docs.add(
    {
      method: 'post', path: '/v1/calls', tags, summary: 'Create an outbound call', body: createCallBody,
      responses: {
        201: { description: 'Dialing; connect a bot to ws_url to stream its audio', schema: createCallAnswer },
        404: { description: 'Unknown trunk or peer', schema: errorSchema },
        422: { description: 'The peer has no host to call', schema: errorSchema },
        503: { description: 'No SIP trunk registered, or the trunk host server is not running', schema: errorSchema },
      },
    },
    { method: 'get', path: '/v1/calls', tags, summary: 'List active calls', responses: { 200: { description: 'Active calls', schema: callList } } },
    {
      method: 'get', path: '/v1/calls/:call_id', tags, summary: 'One call', params: callIdParams,
      responses: { 200: { description: 'The call', schema: callInfo }, 404: notFound },
    },
    {
      method: 'delete', path: '/v1/calls/:call_id', tags, summary: 'Hang up (BYE, or CANCEL while ringing)', params: callIdParams,
      responses: { 204: { description: 'Hanging up' }, 404: notFound },
    },
    action('hold', 'Hold: re-INVITE the far party with held SDP'),
    action('resume', 'Resume a held call'),
    action('mute', 'Mute: stop sending audio to the far party'),
    action('unmute', 'Unmute'),
    action('transfer', 'Blind transfer: REFER the far party to target', transferBody),
    action('dtmf', 'Send DTMF digits to the far party', dtmfBody),
    {
      method: 'post', path: '/v1/calls/:call_id/play', tags, summary: 'Play audio into the call (replaces a playback running)',
      description: 'Either `url` (a WAV file: 8000 Hz, mono, 16-bit PCM; at most 10 MiB, fetched within 10 s) or `audio` (base64 raw PCM16 LE, 8 kHz mono). `call.play_finished` follows when it ends.',
      params: callIdParams, body: playBody,
      responses: {
        200: { description: 'Playing', schema: playAnswer },
        400: { description: 'No audio source, invalid base64 or a WAV format error', schema: errorSchema },
        404: notFound,
        500: { description: 'Fetching the URL failed (network, non-2xx, timeout, too large), or playback failed', schema: errorSchema },
      },
    },
    {
      method: 'post', path: '/v1/calls/:call_id/play/stop', tags, summary: 'Stop the current playback', params: callIdParams,
      responses: { 200: ok('Stopped'), 404: { description: 'Call not found, or no playback running', schema: errorSchema } },
    },
    {
      method: 'get', path: '/ws/:call_id', tags, summary: 'Bot audio stream (WebSocket upgrade)',
      description: 'Upgrade to a WebSocket carrying the call\'s audio (Twilio Media Streams JSON, or binary frames with `mode=native`). See the bot protocol notes.',
      params: callIdParams, query: streamQuerySchema,
      responses: {
        101: { description: 'Switching protocols: the stream starts with `connected`' },
        400: { description: 'A query parameter is invalid', schema: errorSchema },
        404: { description: 'Call not found, or it does not stream', schema: errorSchema },
      },
    },
  );
}
