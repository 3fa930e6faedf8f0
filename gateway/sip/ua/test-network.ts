/**
 * TestNetwork: an in-memory SIP network on a FakeClock for message-by-message tests of the dialog
 * and user-agent layers. Each node is a TransactionTransport at one address; every message is
 * serialized and parsed again on its way (so only wire-valid messages travel), logged with the
 * virtual time it was sent, and delivered when the test calls `flush()` or `advance()`. A `drop`
 * filter simulates loss. Nodes without a user agent are raw peers a test scripts by hand.
 */
import { EventEmitter } from 'node:events';
import { createResponse, getHeader, parseMessage, serializeMessage, type ResponseOptions } from '../message/index.ts';
import type { SipEndpoint, SipMessage, SipRequest, SipResponse } from '../message/types.ts';
import { FakeClock, TransactionLayer, type TransactionTransport } from '../transaction/index.ts';
import { UserAgent, type UserAgentOptions } from './user-agent.ts';

export interface WireEntry {
  message: SipMessage;
  from: SipEndpoint;
  to: SipEndpoint;
  /** Virtual time (ms) it was sent. */
  at: number;
  dropped: boolean;
}

/** Short description of a message for assertions: 'INVITE', '180', '200/INVITE', 'ACK'. */
export function describeMessage(message: SipMessage): string {
  if (message.kind === 'request') return message.method;
  const method = (getHeader(message, 'CSeq') ?? '').trim().split(/\s+/)[1] ?? '';
  return `${message.status}/${method}`;
}

export class TestNode extends EventEmitter<{ message: [message: SipMessage, source: SipEndpoint] }> implements TransactionTransport {
  readonly endpoint: SipEndpoint;
  /** Everything delivered to this node, oldest first. */
  readonly received: Array<{ message: SipMessage; from: SipEndpoint }> = [];
  readonly #network: TestNetwork;

  constructor(network: TestNetwork, endpoint: SipEndpoint) {
    super();
    this.#network = network;
    this.endpoint = endpoint;
  }

  send(message: SipMessage, destination: SipEndpoint): Promise<void> {
    this.#network.enqueue(message, this.endpoint, destination);
    return Promise.resolve();
  }

  /** Requests delivered here with this method, oldest first. */
  requests(method: string): SipRequest[] {
    return this.received.map((r) => r.message).filter((m): m is SipRequest => m.kind === 'request' && m.method === method);
  }

  /** Responses delivered here, optionally only those to `method`. */
  responses(method?: string): SipResponse[] {
    return this.received
      .map((r) => r.message)
      .filter((m): m is SipResponse => m.kind === 'response' && (method === undefined || describeMessage(m).endsWith(`/${method}`)));
  }

  /** The last request with this method delivered here (throws when none). */
  last(method: string): SipRequest {
    const all = this.requests(method);
    const r = all[all.length - 1];
    if (!r) throw new Error(`${this.endpoint.address} received no ${method}`);
    return r;
  }

  /** Raw peers: answers `request` (with our tag and Contact unless told otherwise) and sends it back. */
  reply(request: SipRequest, status: number, options: ResponseOptions & { contact?: string | null } = {}): SipResponse {
    const { contact, ...rest } = options;
    const headers = [...(Array.isArray(rest.headers) ? rest.headers : Object.entries(rest.headers ?? {}).map(([name, value]) => ({ name, value: String(value) })))];
    const contactValue = contact === undefined ? `<sip:peer@${this.endpoint.address}:${this.endpoint.port}>` : contact;
    if (contactValue !== null && status > 100 && status < 300) headers.push({ name: 'Contact', value: contactValue });
    const response = createResponse(request, status, undefined, { ...rest, headers });
    const from = this.received.find((r) => r.message === request)?.from;
    this.#network.enqueue(response, this.endpoint, from ?? this.#network.guessSource(request));
    return response;
  }

  /** Raw peers: sends any message to `to` (from `from`, e.g. a WebSocket flow with a connectionId; default this node). */
  deliver(message: SipMessage, to: SipEndpoint, from: SipEndpoint = this.endpoint): void {
    this.#network.enqueue(message, from, to);
  }

  /** @internal */
  receive(message: SipMessage, from: SipEndpoint): void {
    this.received.push({ message, from });
    this.emit('message', message, from);
  }
}

export class TestNetwork {
  readonly clock = new FakeClock();
  /** Every message sent, oldest first. */
  readonly log: WireEntry[] = [];
  /** Return true to lose a message (it stays in the log, marked dropped). */
  drop: ((message: SipMessage, from: SipEndpoint, to: SipEndpoint) => boolean) | undefined;
  readonly #nodes = new Map<string, TestNode>();
  #queue: WireEntry[] = [];
  readonly #closers: Array<() => void> = [];

  node(address: string, port = 5060): TestNode {
    const key = `${address}:${port}`;
    let node = this.#nodes.get(key);
    if (!node) {
      node = new TestNode(this, { protocol: 'udp', address, port });
      this.#nodes.set(key, node);
    }
    return node;
  }

  /** A user agent on a new node, with its own transaction layer on the network's clock. */
  userAgent(address: string, options: Partial<UserAgentOptions> & { user?: string } = {}): { ua: UserAgent; node: TestNode; transactions: TransactionLayer } {
    const node = this.node(address);
    const transactions = new TransactionLayer(node, { timers: this.clock, trying100Ms: 0 });
    const { user, ...rest } = options;
    const ua = new UserAgent({
      transactions,
      timers: this.clock,
      contact: { user, host: address, ports: { udp: 5060 } },
      random: () => 0.5,
      ...rest,
    });
    this.#closers.push(() => {
      ua.close();
      transactions.close();
    });
    return { ua, node, transactions };
  }

  /** @internal */
  enqueue(message: SipMessage, from: SipEndpoint, to: SipEndpoint): void {
    const copy = parseMessage(serializeMessage(message));
    const dropped = this.drop?.(copy, from, to) ?? false;
    const entry: WireEntry = { message: copy, from, to, at: this.clock.now, dropped };
    this.log.push(entry);
    if (!dropped) this.#queue.push(entry);
  }

  /** @internal Where a request came from, for raw replies to requests not delivered to the node. */
  guessSource(request: SipRequest): SipEndpoint {
    const entry = [...this.log].reverse().find((e) => e.message === request);
    if (!entry) throw new Error('unknown request');
    return entry.from;
  }

  /** Delivers queued messages (and whatever they cause) until the network is quiet. */
  async flush(): Promise<void> {
    for (let rounds = 0; rounds < 1000; rounds++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.#queue.length === 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.#queue.length === 0) return;
      }
      const batch = this.#queue.splice(0);
      for (const e of batch) this.#nodes.get(`${e.to.address}:${e.to.port}`)?.receive(e.message, e.from);
    }
    throw new Error('network did not settle');
  }

  /** Moves virtual time forward in steps, delivering messages between steps. */
  async advance(ms: number, step = 10): Promise<void> {
    await this.flush();
    let left = ms;
    while (left > 0) {
      const d = Math.min(step, left);
      this.clock.advance(d);
      left -= d;
      await this.flush();
    }
  }

  /** What was sent since index `from`, as short descriptions ('INVITE', '180/INVITE'…), dropped ones marked '(lost)'. */
  trace(from = 0): string[] {
    return this.log.slice(from).map((e) => `${describeMessage(e.message)}${e.dropped ? ' (lost)' : ''}`);
  }

  /** Closes every user agent made by userAgent(). */
  close(): void {
    for (const c of this.#closers.splice(0)) c();
  }
}
