/**
 * WebhookSender against a real HTTP receiver on 127.0.0.1: signing, retries and backoff spacing,
 * dead-lettering, timeouts, per-call ordering, per-call URLs, and the /incoming answer policy.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../observability/index.ts';
import { GatewayMetrics } from '../../observability/index.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { WebhookSender, incomingUrl, type WebhookSenderOptions } from './sender.ts';
import { verifyWebhookSignature } from './signature.ts';
import { BACKOFF_BASE_MS } from './backoff.ts';
import { startReceiver, deadUrl, logSink, type WebhookReceiver } from '../testing/webhook-receiver.ts';

const receivers: WebhookReceiver[] = [];
after(() => Promise.all(receivers.map((r) => r.close())));
async function receiver(...args: Parameters<typeof startReceiver>) {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

function setup(options: Partial<WebhookSenderOptions> = {}) {
  const sink = logSink();
  const logger = createLogger('debug', sink.stream);
  const metrics = new GatewayMetrics();
  const deadLetters = new DeadLetterQueue({ logger });
  const sender = new WebhookSender({ deadLetters, logger, metrics, ...options });
  const counter = async (result: string) => (await metrics.webhooksTotal.get()).values.find((v) => v.labels.result === result)?.value;
  const attemptsTimed = async () => (await metrics.webhookDuration.get()).values.find((v) => v.metricName === 'patchbay_webhook_duration_seconds_count')?.value;
  return { sender, deadLetters, metrics, logs: sink.lines, counter, attemptsTimed };
}

const answered = (call_id = 'c1') => ({ event: 'call.answered' as const, call_id });
const incoming = { call_id: 'c9', from: '1001', to: '+15551234567', direction: 'inbound' as const, peer: 'office-pbx' };

test('a lifecycle event is POSTed to the base URL as JSON, signed so verifyWebhookSignature accepts it', async () => {
  const r = await receiver();
  const { sender, counter, attemptsTimed } = setup({ url: r.url, secret: 's3cret' });
  const d = await sender.notify({ event: 'call.ended', call_id: 'c1', reason: 'normal', duration: 45 });
  assert.deepEqual(d, { ok: true, attempts: 1 });
  const [req] = r.requests;
  assert.equal(req!.method, 'POST');
  assert.equal(req!.path, '/');
  assert.equal(req!.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(req!.body), { event: 'call.ended', call_id: 'c1', reason: 'normal', duration: 45 });
  assert.equal(req!.headers['x-patchbay-event'], 'call.ended');
  assert.equal(req!.headers['x-patchbay-attempt'], '1');
  const ts = req!.headers['x-patchbay-timestamp'] as string;
  const sig = req!.headers['x-patchbay-signature'] as string;
  assert.match(ts, /^\d+$/);
  assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 60);
  assert.match(sig, /^v1=[0-9a-f]{64}$/);
  assert.equal(verifyWebhookSignature('s3cret', ts, req!.body, sig, 300), true);
  assert.equal(verifyWebhookSignature('wrong', ts, req!.body, sig, 300), false);
  assert.equal(await counter('success'), 1);
  assert.equal(await attemptsTimed(), 1);
});

test('without a secret, requests carry a timestamp but no signature', async () => {
  const r = await receiver();
  const { sender } = setup({ url: r.url });
  await sender.notify(answered());
  assert.ok(r.requests[0]!.headers['x-patchbay-timestamp']);
  assert.equal(r.requests[0]!.headers['x-patchbay-signature'], undefined);
});

test('retry: 2 → exactly 3 attempts spaced by at least 100 ms and 200 ms, then one DLQ entry', async () => {
  const r = await receiver(() => ({ status: 500, body: 'boom' }));
  const { sender, deadLetters, counter, attemptsTimed } = setup({ url: r.url, retry: 2 });
  const d = await sender.notify({ event: 'call.dtmf', call_id: 'c1', digit: '5' });
  assert.equal(d.ok, false);
  assert.equal(d.attempts, 3);
  assert.equal(!d.ok && d.error.code, 'http_status');
  assert.equal(r.requests.length, 3);
  assert.deepEqual(r.requests.map((q) => q.headers['x-patchbay-attempt']), ['1', '2', '3']);
  assert.equal(new Set(r.requests.map((q) => q.headers['x-patchbay-delivery'])).size, 1, 'one delivery id across attempts');
  const gaps = [r.requests[1]!.at - r.requests[0]!.at, r.requests[2]!.at - r.requests[1]!.at];
  // Lower bounds only (1 ms slack for timer rounding); jitter and load can only make gaps longer.
  assert.ok(gaps[0]! >= BACKOFF_BASE_MS - 1, `first gap ${gaps[0]} ms`);
  assert.ok(gaps[1]! >= 2 * BACKOFF_BASE_MS - 1, `second gap ${gaps[1]} ms`);
  const [entry] = deadLetters.list();
  assert.equal(deadLetters.size, 1);
  assert.deepEqual(entry!.event, { event: 'call.dtmf', call_id: 'c1', digit: '5' });
  assert.equal(entry!.error, 'HTTP 500');
  assert.equal(entry!.attempts, 3);
  assert.equal(entry!.url, r.url);
  assert.equal(await counter('failure'), 1);
  assert.equal(await counter('success'), 0);
  assert.equal(await attemptsTimed(), 3);
});

test('retry: 0 → a single attempt', async () => {
  const r = await receiver(() => ({ status: 503 }));
  const { sender, deadLetters } = setup({ url: r.url, retry: 0 });
  const d = await sender.notify(answered());
  assert.equal(d.attempts, 1);
  assert.equal(r.requests.length, 1);
  assert.equal(deadLetters.list()[0]!.attempts, 1);
});

test('a failure then a success is delivered on the retry, with nothing dead-lettered', async () => {
  const r = await receiver((_req, n) => ({ status: n === 0 ? 502 : 204 }));
  const { sender, deadLetters, counter } = setup({ url: r.url, retry: 1 });
  assert.deepEqual(await sender.notify(answered()), { ok: true, attempts: 2 });
  assert.equal(deadLetters.size, 0);
  assert.equal(await counter('success'), 1);
  assert.equal(await counter('failure'), 0);
});

test('connection refused is retried and dead-lettered as "Connection refused"', async () => {
  const url = await deadUrl();
  const { sender, deadLetters, logs } = setup({ url, retry: 1 });
  const d = await sender.notify(answered());
  assert.equal(d.ok, false);
  assert.equal(!d.ok && d.error.code, 'network');
  assert.equal(d.attempts, 2);
  assert.equal(deadLetters.list()[0]!.error, 'Connection refused');
  assert.ok(logs().some((l) => l.msg === 'webhook delivery failed' && l.error === 'Connection refused' && l.call_id === 'c1'));
});

test('an attempt that gets no answer within the timeout fails as a timeout', async () => {
  const r = await receiver(() => new Promise(() => {}));
  const { sender, deadLetters } = setup({ url: r.url, retry: 0, timeoutMs: 150 });
  const d = await sender.notify(answered());
  assert.equal(!d.ok && d.error.code, 'timeout');
  assert.equal(deadLetters.list()[0]!.error, 'Timeout after 150ms');
});

test('events of one call arrive in order; another call is not held up behind a slow one', async () => {
  let releaseFirst!: () => void;
  const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
  const r = await receiver(async (req) => {
    if (JSON.parse(req.body).event === 'call.ringing') await firstHeld;
    return { status: 200 };
  });
  const { sender } = setup({ url: r.url });
  const a1 = sender.notify({ event: 'call.ringing', call_id: 'A', from: '1', to: '2' });
  const a2 = sender.notify(answered('A'));
  const b1 = sender.notify(answered('B'));
  assert.deepEqual(await b1, { ok: true, attempts: 1 }, 'B is delivered while A\'s first event is still unanswered');
  const seen = () => r.requests.map((q) => `${JSON.parse(q.body).call_id}:${JSON.parse(q.body).event}`);
  assert.deepEqual(seen().sort(), ['A:call.ringing', 'B:call.answered'], 'A\'s second event waits for its first');
  releaseFirst();
  await Promise.all([a1, a2]);
  await sender.flush();
  const order = seen().filter((s) => s.startsWith('A:'));
  assert.deepEqual(order, ['A:call.ringing', 'A:call.answered']);
});

test('a per-call webhook URL overrides the configured one', async () => {
  const base = await receiver();
  const perCall = await receiver();
  const { sender } = setup({ url: base.url });
  await sender.notify(answered(), { url: `${perCall.url}/bots/42` });
  assert.equal(base.requests.length, 0);
  assert.equal(perCall.requests[0]!.path, '/bots/42');
});

test('/incoming goes to {url}/incoming and returns the validated answer (stream as an object)', async () => {
  const answer = { action: 'accept', stream: { url: 'wss://bot.example/stream', parameters: { lang: 'en' } } };
  const r = await receiver(() => ({ status: 200, body: JSON.stringify(answer) }));
  const { sender, counter } = setup({ url: `${r.url}/hooks/`, secret: 'k' });
  const decision = await sender.decideIncoming(incoming);
  assert.deepEqual(decision, { response: answer, attempts: 1 });
  assert.equal(r.requests[0]!.path, '/hooks/incoming');
  assert.deepEqual(JSON.parse(r.requests[0]!.body), incoming);
  assert.equal(r.requests[0]!.headers['x-patchbay-event'], 'call.incoming');
  assert.ok(verifyWebhookSignature('k', r.requests[0]!.headers['x-patchbay-timestamp'] as string, r.requests[0]!.body, r.requests[0]!.headers['x-patchbay-signature'] as string));
  assert.equal(await counter('success'), 1);
});

test('/incoming with a reject answer passes the reason through', async () => {
  const r = await receiver(() => ({ body: '{"action":"reject","reason":"busy"}' }));
  const { sender } = setup({ url: r.url });
  assert.deepEqual(await sender.decideIncoming(incoming), { response: { action: 'reject', reason: 'busy' }, attempts: 1 });
});

for (const [what, body, error] of [
  ['an unknown action', '{"action":"maybe"}', 'Invalid /incoming response: action: Invalid option: expected one of "accept"|"reject"'],
  ['a missing action', '{"stream":true}', 'Invalid /incoming response: action: Required'],
  ['a bad stream URL', '{"action":"accept","stream":{"url":"http://x"}}', 'Invalid /incoming response: stream.url'],
  ['a non-JSON body', '<html>ok</html>', 'Invalid /incoming response: not JSON'],
] as const) {
  test(`/incoming answered 2xx with ${what} → reject "webhook_failed", logged, dead-lettered, not retried`, async () => {
    const r = await receiver(() => ({ status: 200, body }));
    const { sender, deadLetters, logs, counter } = setup({ url: r.url, retry: 2 });
    const decision = await sender.decideIncoming(incoming);
    assert.deepEqual(decision.response, { action: 'reject', reason: 'webhook_failed' });
    assert.equal(decision.failure?.code, 'invalid_response');
    assert.ok(decision.failure!.message.startsWith(error), decision.failure!.message);
    assert.equal(decision.attempts, 1);
    assert.equal(r.requests.length, 1);
    assert.ok(logs().some((l) => l.msg === 'webhook delivery failed' && String(l.error).startsWith(error) && l.call_id === 'c9'));
    assert.deepEqual(deadLetters.list()[0]!.event, incoming);
    assert.equal(deadLetters.list()[0]!.url, `${r.url}/incoming`);
    assert.equal(await counter('failure'), 1);
  });
}

test('/incoming that fails with 500 is retried, and the later valid answer is used', async () => {
  const r = await receiver((_q, n) => (n === 0 ? { status: 500 } : { body: '{"action":"accept","stream":true}' }));
  const { sender, deadLetters } = setup({ url: r.url, retry: 1 });
  assert.deepEqual(await sender.decideIncoming(incoming), { response: { action: 'accept', stream: true }, attempts: 2 });
  assert.equal(deadLetters.size, 0);
});

test('with no URL configured nothing is sent: lifecycle → no_url, /incoming → reject', async () => {
  const { sender, deadLetters } = setup({});
  const d = await sender.notify(answered());
  assert.equal(!d.ok && d.error.code, 'no_url');
  const decision = await sender.decideIncoming(incoming);
  assert.deepEqual(decision.response, { action: 'reject', reason: 'webhook_failed' });
  assert.equal(decision.failure?.code, 'no_url');
  assert.equal(deadLetters.size, 0);
});

test('close() cuts a pending backoff short and dead-letters what was in flight; later events go straight to the DLQ', async () => {
  const r = await receiver(() => ({ status: 500 }));
  const { sender, deadLetters } = setup({ url: r.url, retry: 10 });
  const pending = sender.notify(answered());
  await r.waitFor(1);
  await sender.close();
  const d = await pending;
  assert.equal(!d.ok && d.error.code, 'closed');
  assert.ok(d.attempts >= 1 && d.attempts < 11);
  assert.equal(sender.closed, true);
  const late = await sender.notify(answered('c2'));
  assert.deepEqual([late.ok, late.attempts], [false, 0]);
  const [first, second] = deadLetters.list();
  assert.equal(first!.event.call_id, 'c1');
  assert.match(first!.error, /^Webhook sender closed/);
  assert.deepEqual([second!.event.call_id, second!.error, second!.attempts], ['c2', 'Webhook sender closed', 0]);
});

test('incomingUrl appends /incoming to the base path and keeps the query', () => {
  assert.equal(incomingUrl('http://127.0.0.1:3000'), 'http://127.0.0.1:3000/incoming');
  assert.equal(incomingUrl('http://127.0.0.1:3000/hooks/'), 'http://127.0.0.1:3000/hooks/incoming');
  assert.equal(incomingUrl('http://127.0.0.1:3000/hooks?token=x'), 'http://127.0.0.1:3000/hooks/incoming?token=x');
});
