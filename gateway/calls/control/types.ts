/**
 * The call-control contract between gateway/calls and gateway/api: what REST call control
 * (`/v1/calls…`), the bot WebSocket upgrade (`/ws/{call_id}`) and the webhooks need from the call
 * engine, as plain types. gateway/api programs against `CallControl`; gateway/calls implements it
 * (CallService). Failures are `CallControlError`s carrying the HTTP status the xbridge reference
 * gives them, so the API maps them without knowing why they happened.
 */
import type { WebSocket } from 'ws';

/** Call status as the REST API reports it (xbridge "Call Status"). */
export type ApiCallStatus = 'dialing' | 'ringing' | 'in_progress' | 'on_hold' | 'completed';

/** GET /v1/calls/{call_id} (and each entry of GET /v1/calls). */
export interface ApiCallInfo {
  call_id: string;
  from: string;
  to: string;
  direction: 'inbound' | 'outbound';
  status: ApiCallStatus;
  /** Trunk host peer name; omitted for trunk (client registration) and directory-user calls. */
  peer?: string;
}

/** POST /v1/calls body, validated. */
export interface CreateCallRequest {
  to: string;
  from: string;
  /** Trunk name (default "default"); mutually exclusive with `peer`. */
  trunk?: string;
  peer?: string;
  /** Lifecycle webhooks of this call go here instead of `webhook.url`. */
  webhook_url?: string;
  stream?: boolean;
}

/** Audio to play into a call: PCM16 samples at 8 kHz mono (decoded from a WAV or base64). */
export interface PlayRequest {
  pcm: Int16Array;
  /** Times to play; 0 = until stopped. Default 1. */
  loopCount: number;
}

/** Statuses a call-control failure maps to (xbridge "Error Responses"). */
export type CallControlStatus = 400 | 404 | 409 | 422 | 500 | 503;

export class CallControlError extends Error {
  readonly status: CallControlStatus;
  constructor(status: CallControlStatus, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CallControlError';
    this.status = status;
  }
}

/** Raised by every per-call operation for an id that is not (or no longer) an active call. */
export function callNotFound(): CallControlError {
  return new CallControlError(404, 'Call not found');
}

/**
 * What gateway/api needs from the call engine. Every per-call method throws `callNotFound()`
 * (404) for an unknown call id, and CallControlError(500, …) when the operation itself fails.
 */
export interface CallControl {
  /** Place an outbound call (201). 404 unknown trunk/peer, 422 peer without host, 503 no trunk registered / no trunk host. */
  create(request: CreateCallRequest): Promise<{ call_id: string }>;
  /** Active calls. */
  list(): ApiCallInfo[];
  /** One active call, or undefined. */
  get(callId: string): ApiCallInfo | undefined;
  /** Hang up (BYE, or CANCEL while ringing). */
  hangup(callId: string): void;
  /** re-INVITE with held SDP toward the far party; resolves when answered. */
  hold(callId: string): Promise<void>;
  resume(callId: string): Promise<void>;
  /** Blind transfer: REFER the far party to `target` (a SIP URI or a number); resolves once the REFER was accepted (2xx). */
  transfer(callId: string, target: string): Promise<void>;
  /** Send DTMF digits (0-9, *, #, A-D) to the far party. */
  dtmf(callId: string, digits: string): Promise<void>;
  /** Stop / restart sending audio to the far party. */
  mute(callId: string): void;
  unmute(callId: string): void;
  /** Start playing audio to the far party (replacing a playback already running); `play_id` like "play_0". */
  play(callId: string, request: PlayRequest): { play_id: string };
  /** Stop the current playback; 404 when none runs. */
  stopPlay(callId: string): void;
  /**
   * Whether a bot may attach a WebSocket to this call now (the call exists and streams).
   * The API answers 404 to the upgrade otherwise.
   */
  canStream(callId: string): boolean;
  /** Attach an upgraded bot WebSocket (`query`: mode, encoding, sample_rate). */
  attachStream(callId: string, socket: WebSocket, query: URLSearchParams): void;
}
