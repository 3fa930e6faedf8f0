/**
 * ExtensionCallLeg: the callee's leg when a call is routed to an extension (`echo`, `tone`, …).
 * It answers at once (on the next turn after `dial()`), in the codec given — the caller's first
 * offered codec — so the caller's answer takes the same codec and the bridge relays. Hold and
 * INFO DTMF mean nothing to it; ending closes the extension.
 */
import { EventEmitter } from 'node:events';
import type { MediaClock } from '../../../media/index.ts';
import type { CallLegEvents, CallLegStats, OutboundLeg } from '../call-leg.ts';
import type { LegCodec, LegMedia } from '../media-leg.ts';
import type { ExtensionLeg } from './extension-leg.ts';
import type { ExtensionRegistry } from './registry.ts';

export interface ExtensionCallLegOptions {
  registry: ExtensionRegistry;
  /** Extension name. */
  name: string;
  /** Codec to speak. */
  codec: LegCodec;
  clock: MediaClock;
  id?: string;
}

export class ExtensionCallLeg extends EventEmitter<CallLegEvents> implements OutboundLeg {
  readonly id: string;
  readonly #options: ExtensionCallLegOptions;
  #leg: ExtensionLeg | undefined;
  #closed = false;

  constructor(options: ExtensionCallLegOptions) {
    super();
    this.#options = options;
    this.id = options.id ?? `ext-${options.name}`;
  }

  get kind(): string {
    return `extension:${this.#options.name}`;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get media(): LegMedia | undefined {
    return this.#leg?.media;
  }

  /** The extension, once answered. */
  get extension(): ExtensionLeg | undefined {
    return this.#leg;
  }

  dial(): void {
    queueMicrotask(() => {
      if (this.#closed) return;
      const o = this.#options;
      try {
        this.#leg = o.registry.create(o.name, { codec: o.codec, clock: o.clock, id: this.id });
      } catch {
        this.emit('failed', 404, 'Not Found');
        return;
      }
      this.emit('answered');
    });
  }

  async setDirection(): Promise<void> {
    // An extension has no peer to tell.
  }

  sendInfoDtmf(): void {
    // Extensions take RFC 4733 (telephoneEvent is true); nothing comes here.
  }

  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#leg?.parentClosed();
  }

  parentClosed(): void {
    this.end();
  }

  getStats(): CallLegStats {
    return { id: this.id, kind: this.kind, codec: this.#options.codec.name, remote: undefined };
  }
}
