/**
 * e2e harness: sipp as the gateway's trunk-host peers on loopback. `SippPeer` is the far end of
 * outbound calls (`server.peers` entry with host 127.0.0.1 and its port): it answers every INVITE,
 * re-INVITE, REFER, INFO… (testing/sipp-scenarios.ts `peerUasXml`) and echoes RTP, and its message
 * trace can be read while it runs — to see a hold re-INVITE's direction or a REFER's Refer-To.
 * `sippCalls` places one inbound call from 127.0.0.1 (`inboundCallXml`) and reports the final
 * status the gateway answered (200, 486, 603…), for /incoming decisions.
 */
import { rmSync } from 'node:fs';
import { freePorts } from '../../testing/free-port.ts';
import { runSipp, type SippResult } from '../../testing/sipp.ts';
import { inboundCallXml, peerUasXml } from '../../testing/sipp-scenarios.ts';
import { parseTrace, readTrace, type TracedMessage } from './sipp-carrier.ts';

/** A running sipp UAS peer. */
export class SippPeer {
  readonly port: number;
  readonly mediaPort: number;
  readonly result: Promise<SippResult>;
  #stop: () => void = () => undefined;
  #dir = '';

  private constructor(port: number, mediaPort: number) {
    this.port = port;
    this.mediaPort = mediaPort;
    this.result = runSipp({
      scenarioXml: peerUasXml(),
      localPort: port,
      args: ['-mp', String(mediaPort), '-rtp_echo', '-trace_msg'],
      timeoutMs: 300_000,
      onSpawn: (kill, dir) => {
        this.#stop = kill;
        this.#dir = dir;
      },
    });
  }

  static async start(): Promise<SippPeer> {
    const [port, mediaPort] = (await freePorts(2)) as [number, number];
    const peer = new SippPeer(port, mediaPort);
    await new Promise((r) => setTimeout(r, 300)); // sipp binds its socket right after exec
    return peer;
  }

  /** Every message so far (sipp writes its trace as it goes). */
  messages(): TracedMessage[] {
    return parseTrace(readTrace(this.#dir));
  }

  /** Requests received whose request line starts with `method`. */
  requests(method: string): TracedMessage[] {
    return this.messages().filter((m) => m.direction === 'received' && m.firstLine.startsWith(`${method} `));
  }

  /** Waits until at least `n` `method` requests have arrived; returns them. */
  async waitRequests(method: string, n = 1, timeoutMs = 5000): Promise<TracedMessage[]> {
    const deadline = Date.now() + timeoutMs;
    let got = this.requests(method);
    while (got.length < n && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      got = this.requests(method);
    }
    if (got.length < n) throw new Error(`sipp peer: ${got.length} ${method} request(s) within ${timeoutMs} ms, expected ${n}; trace: ${this.flow()}`);
    return got;
  }

  /** The message flow as one line (→ sent, ← received). */
  flow(): string {
    return describeFlow(this.messages());
  }

  async stop(): Promise<SippResult> {
    this.#stop();
    const r = await this.result;
    rmSync(r.dir, { recursive: true, force: true });
    return r;
  }
}

export function describeFlow(messages: TracedMessage[]): string {
  return messages.map((m) => `${m.direction === 'sent' ? '→' : '←'} ${m.firstLine.replace(/ SIP\/2\.0$|^SIP\/2\.0 /g, '')}`).join(', ') || '(no messages)';
}

export interface InboundCallResult {
  /** Final status the gateway answered the INVITE with (undefined: none came). */
  status: number | undefined;
  messages: TracedMessage[];
  result: SippResult;
}

/**
 * One inbound call from sipp on 127.0.0.1 to `to` at the gateway: takes whatever final answer
 * comes; when answered, stays up `holdMs` (or until the gateway hangs up), then BYE.
 */
export async function sippCalls(gatewaySipPort: number, to: string, options: { holdMs?: number; timeoutMs?: number } = {}): Promise<InboundCallResult> {
  const [port, mediaPort] = (await freePorts(2)) as [number, number];
  const result = await runSipp({
    scenarioXml: inboundCallXml({ holdMs: options.holdMs ?? 1000 }),
    remote: `127.0.0.1:${gatewaySipPort}`,
    localPort: port,
    args: ['-s', to, '-m', '1', '-mp', String(mediaPort), '-rtp_echo', '-trace_msg', '-recv_timeout', String((options.timeoutMs ?? 20_000) - 1000)],
    timeoutMs: options.timeoutMs ?? 20_000,
  });
  const messages = parseTrace(readTrace(result.dir));
  rmSync(result.dir, { recursive: true, force: true });
  const final = messages.find((m) => m.direction === 'received' && /^SIP\/2\.0 [2-6]\d\d /.test(m.firstLine) && /^CSeq:\s*\d+ INVITE/im.test(m.text));
  return { status: final ? Number(final.firstLine.split(' ')[1]) : undefined, messages, result };
}
