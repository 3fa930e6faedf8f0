/** GET /health — public status per the xbridge reference. */
import { Hono } from 'hono';

export interface HealthStatus {
  /** Registered SIP client (trunk) registrations. */
  sip_trunks: number;
  /** Whether the trunk-host SIP server is listening. */
  sip_server: boolean;
  /** Calls currently in progress. */
  active_calls: number;
}

export function healthRoutes(getHealth: () => HealthStatus): Hono {
  return new Hono().get('/health', (c) => {
    const h = getHealth();
    const status = h.sip_trunks > 0 || h.sip_server ? 'ok' : 'starting';
    return c.json({ status, ...h });
  });
}
