/**
 * The gateway under test, as its own process (so /proc CPU and RSS are its alone): a real
 * Gateway from the config given as JSON on argv, logging errors only. Over IPC it reports, for the
 * window since the last `reset`, the media-tick lateness (a listener on the engine's MediaClock —
 * it sees each tick's `lateMs`, exactly what the bridges see) and the packets lost inside the
 * gateway (summed from every active call's bridge stats). Both are found on the Gateway by type,
 * whatever the property is called; when no clock is reachable the event-loop delay stands in and
 * the report says so.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MediaClock } from '../../media/clock.ts';
import { CallRegistry } from '../../gateway/calls/registry.ts';
import type { BridgeDirectionStats } from '../../gateway/calls/bridge.ts';
import { resolveConfig } from '../../gateway/config/index.ts';
import { Gateway } from '../../gateway/cli/gateway.ts';
import { createLogger } from '../../gateway/observability/index.ts';
import type { GatewayReply, GatewayRequest, GatewayWindow } from './protocol.ts';

/** Finds an instance of `type` among `root`'s properties and getters, two levels deep. */
function findByType<T>(root: object, type: abstract new (...args: never[]) => T, depth = 2): T | undefined {
  const seen = new Set<object>();
  const walk = (obj: object, level: number): T | undefined => {
    if (seen.has(obj)) return undefined;
    seen.add(obj);
    const names = new Set<string>(Object.keys(obj));
    for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const n of Object.getOwnPropertyNames(p)) if (Object.getOwnPropertyDescriptor(p, n)?.get) names.add(n);
    }
    const children: object[] = [];
    for (const n of names) {
      let v: unknown;
      try {
        v = (obj as Record<string, unknown>)[n];
      } catch {
        continue;
      }
      if (v instanceof type) return v;
      if (v && typeof v === 'object') children.push(v);
    }
    if (level <= 0) return undefined;
    for (const c of children) {
      const found = walk(c, level - 1);
      if (found) return found;
    }
    return undefined;
  };
  return walk(root, depth);
}

const config = resolveConfig(JSON.parse(process.argv[2]!) as Record<string, unknown>, {});
// Errors only: per-call warnings (a client's DTLS giving up under load) would flood the table.
const gateway = new Gateway(config, { logger: createLogger('error') });
await gateway.start();

const clock = findByType(gateway, MediaClock);
const registry = findByType(gateway, CallRegistry);
const late: number[] = [];
clock?.subscribe((tick) => late.push(tick.lateMs));
const loop = monitorEventLoopDelay({ resolution: 1 });
if (!clock) loop.enable();

/** Packets in, and packets lost on the way through, summed over every bridge direction. */
function bridgeTotals(): { lost: number; dropped: number; packetsIn: number } | null {
  if (!registry) return null;
  let lost = 0;
  let dropped = 0;
  let packetsIn = 0;
  const add = (d: BridgeDirectionStats) => {
    packetsIn += d.packetsIn;
    lost += d.lost;
    dropped += d.sendRefused + d.unexpectedPayload + (d.jitterBuffer?.discarded ?? 0);
  };
  for (const call of registry.list()) {
    const b = call.getStats().bridge;
    if (!b) continue;
    add(b.aToB);
    add(b.bToA);
  }
  return { lost, dropped, packetsIn };
}

let base = bridgeTotals();

function windowStats(): GatewayWindow {
  const now = bridgeTotals();
  const sorted = late.slice().sort((a, b) => a - b);
  const pick = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : NaN);
  const common = {
    activeCalls: registry ? registry.size : null,
    ingressLost: now && base ? now.lost - base.lost : null,
    dropped: now && base ? now.dropped - base.dropped : null,
    packetsIn: now && base ? now.packetsIn - base.packetsIn : null,
  };
  if (clock) return { latenessSource: 'media-clock', ticks: sorted.length, p50Ms: pick(0.5), p99Ms: pick(0.99), maxMs: sorted.at(-1) ?? NaN, ...common };
  return { latenessSource: 'event-loop', ticks: loop.count, p50Ms: loop.percentile(50) / 1e6, p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6, ...common };
}

const send = (m: GatewayReply) => process.send!(m);
process.on('message', (m: GatewayRequest) => {
  if (m.type === 'reset') {
    late.length = 0;
    loop.reset();
    base = bridgeTotals();
    send({ type: 'reset' });
  } else if (m.type === 'stats') {
    send({ type: 'stats', window: windowStats() });
  } else if (m.type === 'stop') {
    void gateway.stop().then(() => process.exit(0));
  }
});
send({ type: 'ready', httpPort: gateway.httpAddress!.port, probe: `${clock ? 'media clock' : 'no media clock (event-loop delay instead)'}, ${registry ? 'call registry' : 'no call registry'}` });
