/**
 * The shared media-leg surface: RtpLeg and gateway/webrtc's WebRtcLeg both fit `MediaLeg`, so the
 * calls layer's Bridge can hold either. Checked by the type checker (the assignments below) and
 * at run time by the presence of the methods.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebRtcLeg } from '../webrtc/index.ts';
import type { MediaLeg } from './media-leg.ts';
import { RtpLeg } from './rtp-leg.ts';

type Fits<T extends MediaLeg> = T;
// Compile-time: both leg classes satisfy the interface.
export type RtpLegFits = Fits<RtpLeg>;
export type WebRtcLegFits = Fits<WebRtcLeg>;

describe('MediaLeg', () => {
  it('RtpLeg has the media surface', () => {
    for (const m of ['sendRtp', 'sendDtmf', 'close', 'parentClosed', 'on', 'off', 'getStats'] as const) {
      assert.equal(typeof RtpLeg.prototype[m], 'function', m);
    }
  });
});
