/**
 * Symmetric RTP latching (RFC 4961 behaviour toward peers behind NAT, as rtpengine and Asterisk
 * do it): we send to where the peer's packets really come from, not to the address in its SDP,
 * which is often a private address.
 *
 * Rules:
 * - Before anything valid arrived we send to the SDP address. The first valid packet (it parsed,
 *   carried a negotiated payload type, passed SRTP authentication when SRTP is on, and — when the
 *   SDP announced an SSRC — carried it) latches its source at once.
 * - Later, a packet from another source is not trusted on its own: it is dropped and counted.
 *   Only `relatchPackets` consecutive valid packets from one new source, with none from the
 *   current source in between, move the latch (the peer really moved: re-INVITE to another
 *   media server, NAT rebinding). A spoofer must therefore out-send the real peer without a gap,
 *   and with SRTP cannot produce valid packets at all.
 * - `relatchPackets` 0 never moves the latch after the first one.
 * Disabled (`enabled` false): always send to the SDP address and accept packets from anywhere.
 */

/** What `offer` decided about one valid packet. */
export const LatchVerdict = {
  /** From the current source (or latching is off): use it. */
  CURRENT: 0,
  /** First packet: latched to its source; use it. */
  LATCHED: 1,
  /** Enough packets from a new source: moved there; use it. */
  RELATCHED: 2,
  /** From another source, not (yet) trusted: drop it. */
  IGNORED: 3,
} as const;
export type LatchVerdict = (typeof LatchVerdict)[keyof typeof LatchVerdict];

export class SourceLatch {
  readonly #enabled: boolean;
  readonly #relatchPackets: number;
  #address: string;
  #port: number;
  #latched = false;
  #candidateAddress = '';
  #candidatePort = 0;
  #candidateCount = 0;
  #relatches = 0;

  constructor(address: string, port: number, enabled: boolean, relatchPackets: number) {
    this.#address = address;
    this.#port = port;
    this.#enabled = enabled;
    this.#relatchPackets = relatchPackets;
  }

  /** Where to send now. */
  get address(): string {
    return this.#address;
  }

  get port(): number {
    return this.#port;
  }

  /** True once a packet has set the destination. */
  get latched(): boolean {
    return this.#latched;
  }

  /** Times the latch moved after the first. */
  get relatches(): number {
    return this.#relatches;
  }

  /** A new remote description: send to this address until packets say otherwise. */
  reset(address: string, port: number): void {
    this.#address = address;
    this.#port = port;
    this.#latched = false;
    this.#candidateCount = 0;
  }

  /** Judge a valid packet from `address:port`. */
  offer(address: string, port: number): LatchVerdict {
    if (!this.#enabled) return LatchVerdict.CURRENT;
    if (!this.#latched) {
      this.#latched = true;
      this.#address = address;
      this.#port = port;
      return LatchVerdict.LATCHED;
    }
    if (port === this.#port && address === this.#address) {
      this.#candidateCount = 0;
      return LatchVerdict.CURRENT;
    }
    if (this.#relatchPackets <= 0) return LatchVerdict.IGNORED;
    if (this.#candidateCount > 0 && port === this.#candidatePort && address === this.#candidateAddress) {
      this.#candidateCount++;
    } else {
      this.#candidateAddress = address;
      this.#candidatePort = port;
      this.#candidateCount = 1;
    }
    if (this.#candidateCount < this.#relatchPackets) return LatchVerdict.IGNORED;
    this.#address = address;
    this.#port = port;
    this.#candidateCount = 0;
    this.#relatches++;
    return LatchVerdict.RELATCHED;
  }
}
