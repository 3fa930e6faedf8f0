/**
 * The call legs of a bot's side of a call, both around one BotMediaLeg made up front:
 *
 * - `BotCalleeLeg`: the callee's leg when the `/incoming` webhook accepted an inbound call for a
 *   bot — it answers at once (next turn after `dial()`), so the caller is answered and its audio
 *   flows to the bot as soon as one attaches (until then the caller hears silence or playback).
 * - `BotCallerLeg`: the caller's leg of a call the REST API placed (`POST /v1/calls`) — nothing to
 *   ring or answer, its media is the bot's from the start; the callee's leg is a SIP call.
 *
 * Neither has a SIP dialog: hold re-offers and INFO DTMF mean nothing to them.
 */
import { EventEmitter } from 'node:events';
import type { CallLegEvents, CallLegStats, InboundLeg, OutboundLeg } from '../call-leg.ts';
import type { LegMedia } from '../media-leg.ts';
import type { BotMediaLeg } from './bot-media-leg.ts';

abstract class BotLegBase extends EventEmitter<CallLegEvents> {
  readonly id: string;
  readonly kind = 'bot';
  readonly bot: BotMediaLeg;
  #closed = false;

  constructor(bot: BotMediaLeg, id: string) {
    super();
    this.bot = bot;
    this.id = id;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get media(): LegMedia {
    return this.bot.media;
  }

  async setDirection(): Promise<void> {
    // A bot has no peer to re-offer to.
  }

  sendInfoDtmf(): void {
    // The bot leg negotiated telephone-event (its DTMF goes to the stream as messages).
  }

  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.bot.parentClosed();
  }

  parentClosed(): void {
    this.end();
  }

  getStats(): CallLegStats {
    const s = this.bot.stream?.getStats();
    return { id: this.id, kind: 'bot', codec: this.bot.media.codec?.name, remote: s ? `stream:${s.streamSid}` : undefined };
  }
}

export class BotCalleeLeg extends BotLegBase implements OutboundLeg {
  dial(): void {
    queueMicrotask(() => {
      if (!this.closed) this.emit('answered');
    });
  }
}

export class BotCallerLeg extends BotLegBase implements InboundLeg {
  async ring(): Promise<void> {
    // The REST client learns of ringing from the call.ringing webhook.
  }

  async answer(): Promise<void> {
    if (this.closed) throw new Error('the bot leg has ended');
  }
}
