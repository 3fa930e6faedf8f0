/** bearerAuth: the right key passes and names a principal; anything else is a JSON 401 with a Bearer challenge. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { createLogger } from '../../observability/index.ts';
import { errorHandler } from '../errors/error-handler.ts';
import { bearerAuth, tokensEqual, type AuthEnv } from './bearer-auth.ts';

const app = new Hono<AuthEnv>();
app.use('/v1/*', bearerAuth({ apiKey: 'topsecret' }));
app.get('/v1/who', (c) => c.json({ principal: c.get('principal') }));
app.onError(errorHandler(createLogger('silent')));

const get = (authorization?: string) => app.request('/v1/who', { headers: authorization === undefined ? {} : { Authorization: authorization } });

test('the configured key passes; the principal names the key without revealing it', async () => {
  for (const h of ['Bearer topsecret', 'bearer topsecret', 'Bearer  topsecret ']) {
    const r = await get(h);
    assert.equal(r.status, 200, h);
    const { principal } = (await r.json()) as { principal: string };
    assert.match(principal, /^key:[0-9a-f]{12}$/);
    assert.ok(!principal.includes('topsecret'));
  }
});

test('missing, malformed or wrong credentials → 401 {"message"} with WWW-Authenticate: Bearer', async () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'Missing Authorization header'],
    ['Bearer wrong', 'Invalid API key'],
    ['Bearer topsecret2', 'Invalid API key'],
    ['Bearer topsecre', 'Invalid API key'],
    ['Basic dG9wc2VjcmV0', 'Invalid API key'],
    ['topsecret', 'Invalid API key'],
    ['Bearer ', 'Invalid API key'],
    ['Bearer top secret', 'Invalid API key'],
  ];
  for (const [h, message] of cases) {
    const r = await get(h);
    assert.equal(r.status, 401, String(h));
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    assert.deepEqual(await r.json(), { message }, String(h));
  }
});

test('tokensEqual compares values of any length', () => {
  assert.equal(tokensEqual('abc', 'abc'), true);
  assert.equal(tokensEqual('abc', 'abcd'), false);
  assert.equal(tokensEqual('', 'abc'), false);
  assert.equal(tokensEqual('ключ', 'ключ'), true);
});
