/**
 * REST call control (xbridge "Calls", "Call Control", "Audio Playback"): create, list, inspect and
 * hang up calls; hold/resume, mute/unmute, blind transfer, DTMF; play audio and stop it. Programmed
 * against CallControl; its CallControlErrors answer with their status. Per-call routes answer 404
 * for an unknown call before they look at the body. Each route is registered in the API docs.
 */
import { Hono, type Context } from 'hono';
import type { CallControl } from '../../calls/control/types.ts';
import type { ApiDocs } from '../openapi/registry.ts';
import { ApiError } from '../errors/api-error.ts';
import { jsonBody } from '../validation/json-body.ts';
import { CALL_NOT_FOUND, controlled, requireCall } from './control-errors.ts';
import { registerCallDocs } from './call-docs.ts';
import { loadPlayAudio, type PlayFetchOptions } from './play-source.ts';
import { requestWsBase, streamUrl } from './ws-url.ts';
import { createCallBody, dtmfBody, OK, playBody, transferBody } from './schemas.ts';

export interface CallRoutesOptions {
  /** The call engine. Required. */
  control: CallControl;
  /** Registry to document the routes in. Required. */
  docs: ApiDocs;
  /** `ws[s]://host[:port]` for the create answer's ws_url. Default: the request's own scheme and Host. */
  wsBase?: (c: Context) => string;
  /** Timeout, size limit and fetch for `play` URLs. Default: 10 s, 10 MiB, global fetch. */
  playFetch?: PlayFetchOptions;
}

export function callRoutes({ control, docs, wsBase = requestWsBase, playFetch }: CallRoutesOptions): Hono {
  registerCallDocs(docs);
  const known = requireCall(control);
  const id = (c: Context) => c.req.param('call_id')!;
  /** A bodyless action answering 200 {"status":"ok"}. */
  const act = (op: (callId: string) => void | Promise<void>) => async (c: Context) => {
    await controlled(() => op(id(c)));
    return c.json(OK);
  };

  return new Hono()
    .post('/v1/calls', jsonBody(createCallBody), async (c) => {
      const { call_id } = await controlled(() => control.create(c.get('body')));
      return c.json({ call_id, status: 'dialing' as const, ws_url: streamUrl(wsBase(c), call_id) }, 201);
    })
    .get('/v1/calls', (c) => c.json({ calls: control.list() }))
    .get('/v1/calls/:call_id', (c) => {
      const info = control.get(c.req.param('call_id'));
      if (!info) throw new ApiError(404, CALL_NOT_FOUND);
      return c.json(info);
    })
    .delete('/v1/calls/:call_id', known, async (c) => {
      await controlled(() => control.hangup(id(c)));
      return c.body(null, 204);
    })
    .post('/v1/calls/:call_id/hold', known, act((callId) => control.hold(callId)))
    .post('/v1/calls/:call_id/resume', known, act((callId) => control.resume(callId)))
    .post('/v1/calls/:call_id/mute', known, act((callId) => control.mute(callId)))
    .post('/v1/calls/:call_id/unmute', known, act((callId) => control.unmute(callId)))
    .post('/v1/calls/:call_id/transfer', known, jsonBody(transferBody), async (c) => {
      await controlled(() => control.transfer(id(c), c.get('body').target));
      return c.json(OK);
    })
    .post('/v1/calls/:call_id/dtmf', known, jsonBody(dtmfBody), async (c) => {
      await controlled(() => control.dtmf(id(c), c.get('body').digits));
      return c.json(OK);
    })
    .post('/v1/calls/:call_id/play', known, jsonBody(playBody), async (c) => {
      const body = c.get('body');
      const pcm = await loadPlayAudio(body, playFetch);
      const { play_id } = await controlled(() => control.play(id(c), { pcm, loopCount: body.loop_count }));
      return c.json({ play_id });
    })
    .post('/v1/calls/:call_id/play/stop', known, act((callId) => control.stopPlay(callId)));
}
