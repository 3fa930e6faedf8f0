/**
 * e2e harness: the bot's REST client for the xbridge API (`/v1/calls…`, `/v1/webhooks/failures`),
 * a thin fetch wrapper that never throws on a status — every call returns status, parsed JSON (when
 * the body is JSON), raw text and headers, so conformance tests can assert on each status code and
 * on the `{"message": …}` error shape. Auth is `Authorization: Bearer <key>`; pass `auth: false`
 * (or a wrong key) per request to test 401.
 */

export interface ApiResponse<T = any> {
  status: number;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: T;
  text: string;
  headers: Headers;
  /** "METHOD path → status", for assertion messages. */
  line: string;
}

export interface RequestOptions {
  /** false: no Authorization header; a string: that key instead of the client's. */
  auth?: boolean | string;
  /** A raw body (sent as is, with Content-Type application/json). */
  raw?: string;
  headers?: Record<string, string>;
}

export class BotApi {
  readonly base: string;
  readonly apiKey: string | undefined;

  constructor(base: string, apiKey?: string) {
    this.base = base.replace(/\/+$/, '');
    this.apiKey = apiKey;
  }

  async request<T = any>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.auth === false ? undefined : typeof options.auth === 'string' ? options.auth : this.apiKey;
    if (key !== undefined) headers.Authorization = `Bearer ${key}`;
    let payload: string | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.base + path, { method, headers, body: payload });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers, line: `${method} ${path} → ${res.status} ${text.slice(0, 300)}` };
  }

  createCall(body: Record<string, unknown>, options?: RequestOptions) {
    return this.request<{ call_id: string; status: string; ws_url: string; message?: string }>('POST', '/v1/calls', body, options);
  }
  listCalls(options?: RequestOptions) {
    return this.request<{ calls: any[] }>('GET', '/v1/calls', undefined, options);
  }
  getCall(id: string, options?: RequestOptions) {
    return this.request('GET', `/v1/calls/${encodeURIComponent(id)}`, undefined, options);
  }
  hangup(id: string, options?: RequestOptions) {
    return this.request('DELETE', `/v1/calls/${encodeURIComponent(id)}`, undefined, options);
  }
  /** POST /v1/calls/{id}/{action} (hold, resume, transfer, dtmf, mute, unmute, play, play/stop). */
  control(id: string, action: string, body?: unknown, options?: RequestOptions) {
    return this.request('POST', `/v1/calls/${encodeURIComponent(id)}/${action}`, body, options);
  }
  failures(options?: RequestOptions) {
    return this.request<{ failures: any[] }>('GET', '/v1/webhooks/failures', undefined, options);
  }
  drainFailures(options?: RequestOptions) {
    return this.request<{ drained: number }>('DELETE', '/v1/webhooks/failures', undefined, options);
  }

  /** Polls GET /v1/calls/{id} until `pred` holds on its body (or on the response); returns the last response. */
  async waitCall(id: string, pred: (r: ApiResponse) => boolean, timeoutMs = 10_000): Promise<ApiResponse> {
    const deadline = Date.now() + timeoutMs;
    let r = await this.getCall(id);
    while (!pred(r) && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
      r = await this.getCall(id);
    }
    return r;
  }
}

/** Every metric of the xbridge reference, under the patchbay_ prefix, with its Prometheus type. */
export const REFERENCE_METRICS: ReadonlyArray<[name: string, type: 'counter' | 'gauge' | 'histogram']> = [
  ['patchbay_calls_total', 'counter'],
  ['patchbay_active_calls', 'gauge'],
  ['patchbay_http_requests_total', 'counter'],
  ['patchbay_ws_connections', 'gauge'],
  ['patchbay_ws_frames_total', 'counter'],
  ['patchbay_webhooks_total', 'counter'],
  ['patchbay_trunk_calls_total', 'counter'],
  ['patchbay_rate_limit_rejections_total', 'counter'],
  ['patchbay_call_duration_seconds', 'histogram'],
  ['patchbay_http_request_duration_seconds', 'histogram'],
  ['patchbay_webhook_duration_seconds', 'histogram'],
];

/** Sum of a metric's samples (over label sets) in a Prometheus text exposition; undefined when absent. */
export function metricValue(text: string, name: string, labels?: Record<string, string>): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    if (labels && !Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) continue;
    sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}
