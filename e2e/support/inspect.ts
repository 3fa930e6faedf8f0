/**
 * e2e harness: what a test asks the running gateway — active calls (REST `GET /v1/calls`, else
 * the `patchbay_active_calls` gauge), call detail records with their bridge mode (`GET /v1/cdrs`),
 * and which UDP sockets the gateway process holds (read from /proc, so "no RTP port left
 * allocated" is checked whatever the gateway itself reports).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { CallDetailRecord } from '../../gateway/calls/index.ts';

export class GatewayInspector {
  readonly #base: string;
  readonly rtpRange: [number, number];

  constructor(base: string, rtpRange: [number, number]) {
    this.#base = base;
    this.rtpRange = rtpRange;
  }

  async #json(path: string): Promise<unknown | undefined> {
    const res = await fetch(this.#base + path);
    if (!res.ok) return undefined;
    return res.json();
  }

  /** A metric's value from /metrics (sum over its label sets); undefined when absent. */
  async metric(name: string): Promise<number | undefined> {
    const text = await (await fetch(`${this.#base}/metrics`)).text();
    let sum: number | undefined;
    for (const line of text.split('\n')) {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`).exec(line);
      if (m) sum = (sum ?? 0) + Number(m[1]);
    }
    return sum;
  }

  /** Calls in progress: `GET /v1/calls` when mounted, else the patchbay_active_calls gauge. */
  async activeCalls(): Promise<number> {
    const listed = (await this.#json('/v1/calls')) as { calls?: unknown[] } | undefined;
    if (listed?.calls) return listed.calls.length;
    return (await this.metric('patchbay_active_calls')) ?? NaN;
  }

  /** Every CDR the gateway keeps (`GET /v1/cdrs`), oldest first. */
  async cdrs(): Promise<CallDetailRecord[]> {
    const body = (await this.#json('/v1/cdrs')) as { cdrs?: CallDetailRecord[] } | undefined;
    if (!body?.cdrs) throw new Error('GET /v1/cdrs did not answer { cdrs: [...] }');
    return body.cdrs;
  }

  /** Waits until no call is active; returns the last count seen. */
  async waitNoActiveCalls(timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let n = await this.activeCalls();
    while (n !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      n = await this.activeCalls();
    }
    return n;
  }
}

/** Local ports of the UDP sockets process `pid` holds (Linux /proc; IPv4 and IPv6). */
export function udpPortsOf(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // fd closed while we looked
    }
  }
  const ports: number[] = [];
  for (const table of ['udp', 'udp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || !inodes.has(cols[9]!)) continue;
      ports.push(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return ports.sort((a, b) => a - b);
}
