/**
 * GET /v1/cdrs — the recent call detail records kept by the call registry (oldest first), behind
 * the same bearer auth as the rest of /v1. Each record names the bridge mode, codecs and per-leg
 * packet/loss/jitter figures, so operators (and the e2e tests) can see how a call was carried.
 */
import { Hono } from 'hono';
import type { CallDetailRecord } from '../calls/index.ts';

export function cdrRoutes(records: () => readonly CallDetailRecord[]): Hono {
  return new Hono().get('/v1/cdrs', (c) => c.json({ cdrs: records() }));
}
