/**
 * Per-leg quality for the CDR: which legs get figures, the loss ratio from RFC 3550 counters,
 * rounding, the RTCP round trip as delay; `legRecord` carrying it; `observeCallQuality` feeding
 * fake histograms.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BridgeStats } from '../bridge.ts';
import type { BridgeDirectionStats } from '../bridge-direction.ts';
import { legRecord } from '../cdr.ts';
import { legQuality } from './leg-quality.ts';
import { estimateQuality } from './mos.ts';
import { observeCallQuality, type LegKindHistogram } from './observe.ts';

const base = { kind: 'sip', codec: 'PCMU', packetsReceived: 950, packetsLost: 50, jitterMs: 4.567 };

describe('legQuality', () => {
  test('loss ratio is lost / (received + lost); jitter and MOS rounded', () => {
    const q = legQuality(base)!;
    assert.equal(q.lossRatio, 0.05);
    assert.equal(q.jitterMs, 4.57);
    const expected = estimateQuality({ codec: 'PCMU', jitterMs: 4.567, lossRatio: 0.05 }).mos;
    assert.equal(q.mos, Math.round(expected * 100) / 100);
  });

  test('only network legs (sip, webrtc) that received media; negative loss (duplicates) reads as 0', () => {
    assert.ok(legQuality({ ...base, kind: 'webrtc' }));
    assert.equal(legQuality({ ...base, kind: 'extension:echo' }), null);
    assert.equal(legQuality({ ...base, kind: 'bot' }), null);
    assert.equal(legQuality({ ...base, packetsReceived: 0, packetsLost: 0 }), null);
    assert.equal(legQuality({ ...base, packetsLost: -3 })!.lossRatio, 0);
    assert.equal(legQuality({ ...base, jitterMs: Number.NaN }), null);
    assert.equal(legQuality({ ...base, packetsLost: Infinity }), null);
  });

  test('an RTCP round trip counts half as one-way delay', () => {
    const without = legQuality({ ...base, packetsLost: 0 })!;
    const rtt = legQuality({ ...base, packetsLost: 0, rttMs: 600 })!;
    assert.ok(rtt.mos < without.mos - 0.3, `${rtt.mos} vs ${without.mos}`);
    assert.deepEqual(legQuality({ ...base, rttMs: null }), legQuality(base));
  });
});

function direction(over: Partial<BridgeDirectionStats>): BridgeDirectionStats {
  return {
    mode: 'passthrough', fromCodec: 'PCMU', toCodec: 'PCMU', packetsIn: 0, packetsRelayed: 0, framesTranscoded: 0, packetsSent: 0,
    sendRefused: 0, unexpectedPayload: 0, lost: 0, jitterMs: 0, reanchors: 0, muted: false, resampling: false,
    decodeRate: undefined, encodeRate: undefined, jitterBuffer: undefined, ...over,
  };
}

describe('legRecord', () => {
  test('carries quality from the bridge direction the leg feeds', () => {
    const bridge: BridgeStats = {
      mode: 'passthrough',
      aToB: direction({ packetsIn: 900, lost: 100, jitterMs: 12.345, packetsSent: 1000 }),
      bToA: direction({ packetsIn: 1000, packetsSent: 900 }),
      dtmf: { rfc4733: 0, info: 0, dropped: 0, errors: 0 },
    };
    const a = legRecord({ id: 'a', kind: 'sip', codec: 'PCMU', remote: 'udp:1.2.3.4:5060' }, bridge, 'a');
    assert.equal(a.packetsLost, 100);
    assert.equal(a.jitterMs, 12.35);
    assert.deepEqual(a.quality, legQuality({ kind: 'sip', codec: 'PCMU', packetsReceived: 900, packetsLost: 100, jitterMs: 12.345 }));
    assert.equal(a.quality!.lossRatio, 0.1);
    const b = legRecord({ id: 'b', kind: 'extension:echo', codec: 'PCMU', remote: undefined }, bridge, 'b');
    assert.equal(b.quality, null);
    const never = legRecord({ id: 'c', kind: 'webrtc', codec: undefined, remote: undefined }, undefined, 'a');
    assert.equal(never.quality, null);
    const withRtt = legRecord({ id: 'a', kind: 'sip', codec: 'PCMU', remote: undefined, rttMs: 800 }, bridge, 'a');
    assert.ok(withRtt.quality!.mos < a.quality!.mos);
  });
});

describe('observeCallQuality', () => {
  test('one observation per histogram for each leg with quality, labelled by leg kind', () => {
    const seen: string[] = [];
    const fake = (name: string): LegKindHistogram => ({ observe: (labels, v) => seen.push(`${name}{${labels.leg_kind}} ${v}`) });
    const n = observeCallQuality(
      [
        { kind: 'sip', quality: { jitterMs: 3, lossRatio: 0.01, mos: 4.2 } },
        { kind: 'extension:echo', quality: null },
        { kind: 'webrtc', quality: { jitterMs: Number.NaN, lossRatio: 0, mos: 4.4 } },
        null,
      ],
      { callJitter: fake('jitter'), callPacketLoss: fake('loss'), callMos: fake('mos') },
    );
    assert.equal(n, 1);
    assert.deepEqual(seen, ['jitter{sip} 3', 'loss{sip} 0.01', 'mos{sip} 4.2']);
    assert.equal(observeCallQuality([{ kind: 'webrtc', quality: { jitterMs: 1, lossRatio: 0, mos: 4.4 } }], {}), 1, 'no histograms: nothing to do');
  });
});
