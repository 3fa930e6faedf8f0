/**
 * The embedded demo configuration used when `patchbay start` gets no --config: everything on
 * 127.0.0.1 only, SIP on UDP/TCP 5060, HTTP + WebSocket SIP on 8080, and demo users 1001–1005.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from './schema.ts';

/** Demo user passwords are predictable on purpose (loopback only) and printed at startup. */
export const DEMO_USERS = ['1001', '1002', '1003', '1004', '1005'].map((u) => ({
  username: u,
  password: `demo${u}`,
  display_name: `Demo ${u}`,
}));

export function demoConfig(): ConfigInput {
  return {
    listen: { http: '127.0.0.1:8080' },
    data_dir: join(tmpdir(), 'patchbay-demo'),
    server: { listen: '127.0.0.1:5060', rtp_port_min: 20000, rtp_port_max: 20999, rtp_address: '127.0.0.1' },
    directory: { users: DEMO_USERS.map((u) => ({ ...u })) },
  };
}
