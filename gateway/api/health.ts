/** GET /health — public status per the xbridge reference. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDocs } from './openapi/registry.ts';

export interface HealthStatus {
  /** Registered SIP client (trunk) registrations. */
  sip_trunks: number;
  /** Whether the trunk-host SIP server is listening. */
  sip_server: boolean;
  /** Calls currently in progress. */
  active_calls: number;
}

const healthSchema = z.object({
  status: z.enum(['ok', 'starting']).meta({ description: '"ok" when a SIP registration or the trunk-host server is up' }),
  sip_trunks: z.number().int().meta({ description: 'Connected SIP client registrations' }),
  sip_server: z.boolean().meta({ description: 'Whether the trunk-host SIP server is running' }),
  active_calls: z.number().int().meta({ description: 'Calls in progress' }),
});

export function healthRoutes(getHealth: () => HealthStatus, docs?: ApiDocs): Hono {
  docs?.add({ method: 'get', path: '/health', tags: ['meta'], summary: 'Server status (public)', responses: { 200: { description: 'Status', schema: healthSchema } } });
  return new Hono().get('/health', (c) => {
    const h = getHealth();
    const status = h.sip_trunks > 0 || h.sip_server ? 'ok' : 'starting';
    return c.json({ status, ...h });
  });
}
