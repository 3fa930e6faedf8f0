/** Test helper: finds loopback ports free for both UDP and TCP (SIP listens on both). */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function udpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A port currently free on 127.0.0.1 for UDP and TCP alike. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await udpPort();
    if (await tcpFree(port)) return port;
  }
  throw new Error('no free UDP+TCP port found');
}

/** Several distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}
