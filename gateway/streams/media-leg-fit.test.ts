/**
 * StreamLeg fits the media-leg contract of its consumer: gateway/rtp's `MediaLeg`, which
 * gateway/calls re-exports and wraps as `LegMedia` { leg, codec, telephoneEvent } for the Bridge.
 * Type-only imports (nothing of calls/ runs here): `tsc` proves the fit; at run time the test
 * checks the members the Bridge reads on a live leg, and both `sendRtp` call forms.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LegMedia, MediaLeg } from '../calls/media-leg.ts';
import { StreamLeg } from './stream-leg.ts';
import { withBot } from './testing/harness.ts';

type Fits<T, U> = T extends U ? true : false;
const fits: Fits<StreamLeg, MediaLeg> = true;

test('a live StreamLeg is a MediaLeg with a LegMedia view (codec, telephone-event) and takes both sendRtp forms', async () => {
  assert.equal(fits, true);
  await withBot({}, async ({ leg, bot }) => {
    const media: LegMedia = leg.media;
    assert.equal(media.leg, leg);
    assert.deepEqual(media.codec, { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 });
    assert.equal(media.telephoneEvent, true);
    assert.equal(leg.codecOf(0), leg.sendCodec);
    assert.equal(leg.codecOf(8), undefined);
    const asLeg: MediaLeg = leg;
    assert.equal(asLeg.sendRtp(new Uint8Array(160), { timestamp: 0, marker: true }), true);
    assert.equal(leg.sendRtp(new Uint8Array(160), 160, false), true);
    const msgs = await bot.waitEvents('media', 2);
    assert.deepEqual(msgs.map((m) => m.media.timestamp), ['0', '20']);
    const stats = leg.getStats();
    for (const k of ['id', 'kind', 'codec', 'packetsReceived', 'packetsSent', 'bytesReceived', 'bytesSent', 'dtmfReceived', 'dtmfSent']) {
      assert.ok(k in stats, k);
    }
  });
});
