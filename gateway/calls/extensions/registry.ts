/**
 * ExtensionRegistry: the built-in endpoints calls can be routed to by name (`echo` and `tone` by
 * default), and the place to add more: `register(name, factory)`.
 */
import { EchoLeg } from './echo.ts';
import type { ExtensionContext, ExtensionLeg } from './extension-leg.ts';
import { ToneLeg } from './tone.ts';

/** Makes an extension leg speaking `context.codec` on `context.clock`. */
export type ExtensionFactory = (context: ExtensionContext) => ExtensionLeg;

export class ExtensionRegistry {
  readonly #factories = new Map<string, ExtensionFactory>();

  /** A registry with the built-ins: `echo` (audio and DTMF back) and `tone` (1 kHz). */
  static withDefaults(): ExtensionRegistry {
    return new ExtensionRegistry().register('echo', (c) => new EchoLeg(c)).register('tone', (c) => new ToneLeg(c));
  }

  /** Add (or replace) an extension. Names are case-insensitive. */
  register(name: string, factory: ExtensionFactory): this {
    this.#factories.set(name.toLowerCase(), factory);
    return this;
  }

  has(name: string): boolean {
    return this.#factories.has(name.toLowerCase());
  }

  names(): string[] {
    return [...this.#factories.keys()];
  }

  /** Make extension `name`; throws RangeError for an unknown one. */
  create(name: string, context: ExtensionContext): ExtensionLeg {
    const factory = this.#factories.get(name.toLowerCase());
    if (!factory) throw new RangeError(`unknown extension "${name}"`);
    return factory(context);
  }
}
