/**
 * ConnectionRegistry: finds an open connection by id or by (protocol, remote address, port), so
 * requests and responses reuse connections (RFC 3261 §18.1.1, §18.2.2) instead of opening new ones.
 */
import { normalizeAddress, type Connection, type ConnectionProtocol } from './connection.ts';

function keyOf(protocol: ConnectionProtocol, address: string, port: number): string {
  return `${protocol}|${normalizeAddress(address).toLowerCase()}|${port}`;
}

export class ConnectionRegistry {
  readonly #byId = new Map<string, Connection>();
  readonly #byKey = new Map<string, Connection>();

  add(connection: Connection, aliasAddress?: string): void {
    this.#byId.set(connection.id, connection);
    this.#byKey.set(keyOf(connection.protocol, connection.remoteAddress, connection.remotePort), connection);
    // An outbound connection is also known by the name we dialled (may be a host name).
    if (aliasAddress !== undefined) {
      this.#byKey.set(keyOf(connection.protocol, aliasAddress, connection.remotePort), connection);
    }
  }

  remove(connection: Connection): void {
    this.#byId.delete(connection.id);
    for (const [key, c] of this.#byKey) if (c === connection) this.#byKey.delete(key);
  }

  byId(id: string): Connection | undefined {
    const c = this.#byId.get(id);
    return c && !c.closed ? c : undefined;
  }

  byAddress(protocol: ConnectionProtocol, address: string, port: number): Connection | undefined {
    const c = this.#byKey.get(keyOf(protocol, address, port));
    return c && !c.closed ? c : undefined;
  }

  get size(): number {
    return this.#byId.size;
  }

  all(): Connection[] {
    return [...this.#byId.values()];
  }
}
