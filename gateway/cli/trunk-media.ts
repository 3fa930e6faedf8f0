/**
 * TrunkMedia: the media settings of legs toward and from each SIP client registration (trunk) —
 * the address our SDP advertises for RTP toward that trunk, and the trunk's own RTP port range.
 *
 * Address, first that applies: `server.rtp_address` (explicit, for every leg); the public address
 * a trunk's `stun_server` reports (asked at start, waiting at most `stunWaitMs`, and again every
 * `stunRefreshMs`, so a changed public IP is picked up; a STUN failure is logged and the next
 * choice used); our local address toward the trunk's host when RTP binds a wildcard address
 * (each trunk its own, so trunks on different networks each get a reachable address); else the
 * engine's default. Ports: a trunk whose rtp_port_min..max differs from the engine's range gets
 * a pool of its own (trunks with the same range share it).
 */
import type { Config } from '../config/index.ts';
import { effectiveTrunks, parseStunServer } from '../config/index.ts';
import type { MediaPolicy } from '../calls/index.ts';
import { queryMappedAddress, RtpPortPool } from '../rtp/index.ts';
import { localAddressToward, splitHostPort } from '../sip/stack/index.ts';

type Trunk = ReturnType<typeof effectiveTrunks>[number];

export interface TrunkMediaLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface TrunkMediaOptions {
  config: Config;
  /** Where RTP sockets bind (the engine pool's bind address). */
  bindAddress: string;
  /** The engine's own range (its pool serves trunks with no range of their own). */
  engineRange: { min: number; max: number };
  logger?: TrunkMediaLogger;
  /** How long start() waits for STUN answers (ms). Default 2500. */
  stunWaitMs?: number;
  /** How often STUN is asked again (ms; 0 = never). Default 300 000. */
  stunRefreshMs?: number;
}

interface TrunkEntry {
  trunk: Trunk;
  policy: MediaPolicy;
  /** The address from STUN, once known. */
  stun?: string;
  /** The address toward the trunk's host (wildcard binds only). */
  toward?: string;
}

export class TrunkMedia {
  readonly #o: TrunkMediaOptions;
  readonly #entries = new Map<string, TrunkEntry>();
  readonly #pools = new Map<string, RtpPortPool>();
  #refresh: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: TrunkMediaOptions) {
    this.#o = options;
    const { engineRange, bindAddress } = options;
    for (const trunk of effectiveTrunks(options.config)) {
      const policy: MediaPolicy = {};
      const ownRange = (trunk.rtp_port_min !== 0 || trunk.rtp_port_max !== 0) && (trunk.rtp_port_min !== engineRange.min || trunk.rtp_port_max !== engineRange.max);
      if (ownRange) {
        const key = `${trunk.rtp_port_min}-${trunk.rtp_port_max}`;
        let pool = this.#pools.get(key);
        if (!pool) {
          pool = new RtpPortPool({ bindAddress, minPort: trunk.rtp_port_min, maxPort: trunk.rtp_port_max });
          this.#pools.set(key, pool);
        }
        policy.ports = pool;
      }
      this.#entries.set(trunk.name, { trunk, policy });
    }
  }

  /** Works out each trunk's address (STUN, route toward it); resolves within about `stunWaitMs`. */
  async start(): Promise<void> {
    const wildcard = this.#o.bindAddress === '0.0.0.0' || this.#o.bindAddress === '::';
    await Promise.all(
      [...this.#entries.values()].map(async (e) => {
        if (wildcard) {
          const far = splitHostPort(e.trunk.host);
          const toward = await localAddressToward(far.host, far.port).catch(() => undefined);
          if (toward && toward !== '0.0.0.0') e.toward = toward;
        }
        this.#apply(e);
      }),
    );
    const wait = this.#o.stunWaitMs ?? 2500;
    await Promise.race([this.#askStun(wait), new Promise((r) => setTimeout(r, wait + 100).unref())]);
    const every = this.#o.stunRefreshMs ?? 300_000;
    if (every > 0 && [...this.#entries.values()].some((e) => e.trunk.stun_server)) {
      this.#refresh = setInterval(() => void this.#askStun(wait), every);
      this.#refresh.unref();
    }
  }

  /** The media policy for legs of trunk `name` (undefined for an unknown trunk). */
  policy(name: string): MediaPolicy | undefined {
    return this.#entries.get(name)?.policy;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#refresh);
    await Promise.all([...this.#pools.values()].map((p) => p.close()));
  }

  async #askStun(timeoutMs: number): Promise<void> {
    await Promise.all(
      [...this.#entries.values()].map(async (e) => {
        const server = e.trunk.stun_server ? parseStunServer(e.trunk.stun_server) : undefined;
        if (!server || this.#closed) return;
        try {
          const mapped = await queryMappedAddress(server, { bindAddress: this.#o.bindAddress, timeoutMs });
          if (mapped.address !== e.stun) this.#o.logger?.info({ trunk: e.trunk.name, stunServer: e.trunk.stun_server, address: mapped.address }, 'STUN: public address for RTP');
          e.stun = mapped.address;
        } catch (err) {
          this.#o.logger?.warn({ trunk: e.trunk.name, stunServer: e.trunk.stun_server, err: (err as Error).message }, 'STUN query failed; keeping the address we had');
        }
        this.#apply(e);
      }),
    );
  }

  #apply(e: TrunkEntry): void {
    const address = this.#o.config.server?.rtp_address ?? e.stun ?? e.toward;
    if (address) e.policy.rtpAddress = address;
    else delete e.policy.rtpAddress;
  }
}
