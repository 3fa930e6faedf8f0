/**
 * The E-model estimator: G.107's R → MOS mapping at its known points, codec Ie/Bpl lookups, the
 * delay and loss impairments, and whole estimates for clean, lossy and jittery streams.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  codecImpairment,
  delayImpairment,
  effectiveEquipmentImpairment,
  effectiveLatencyMs,
  estimateQuality,
  rToMos,
  R_MAX,
} from './mos.ts';

const near = (actual: number, expected: number, tolerance: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} ≉ ${expected} ± ${tolerance}`);

describe('rToMos (G.107 Annex B)', () => {
  test('known points: R 93.2 → 4.41, 80 → 4.02, 70 → 3.60, 60 → 3.10, 50 → 2.58', () => {
    near(rToMos(R_MAX), 4.41, 0.005, 'R 93.2');
    near(rToMos(80), 4.024, 0.001, 'R 80');
    near(rToMos(70), 3.597, 0.001, 'R 70');
    assert.equal(rToMos(60), 3.1);
    near(rToMos(50), 2.575, 0.001, 'R 50');
  });

  test('clamped: R ≤ 0 and NaN → 1, R ≥ 100 → 4.5, never below 1 near R = 0', () => {
    assert.equal(rToMos(0), 1);
    assert.equal(rToMos(-20), 1);
    assert.equal(rToMos(Number.NaN), 1);
    assert.equal(rToMos(100), 4.5);
    assert.equal(rToMos(130), 4.5);
    for (let r = 0; r <= 10; r += 0.5) assert.ok(rToMos(r) >= 1, `R ${r}`);
  });
});

describe('impairments', () => {
  test('codec Ie/Bpl per G.113: G.711 Bpl 25.1 with PLC, 4.3 without; case-insensitive; unknown reads as G.711', () => {
    assert.deepEqual(codecImpairment('PCMU'), { ie: 0, bpl: 25.1 });
    assert.deepEqual(codecImpairment('pcma', false), { ie: 0, bpl: 4.3 });
    assert.deepEqual(codecImpairment('G722'), { ie: 0, bpl: 25.1 });
    assert.deepEqual(codecImpairment('OPUS'), { ie: 0, bpl: 25.1 });
    assert.deepEqual(codecImpairment('opus', false), { ie: 0, bpl: 25.1 }, 'Opus conceals in the codec');
    assert.deepEqual(codecImpairment('G729'), { ie: 0, bpl: 25.1 });
    assert.deepEqual(codecImpairment(null, false), { ie: 0, bpl: 4.3 });
  });

  test('effective latency = delay + 2 × jitter + 10 ms; nonsense reads as 0', () => {
    assert.equal(effectiveLatencyMs(0, 0), 10);
    assert.equal(effectiveLatencyMs(50, 15), 90);
    assert.equal(effectiveLatencyMs(-5, Number.NaN), 10);
  });

  test('Id: 0.024 per ms up to 177.3 ms, 0.134 per ms beyond', () => {
    assert.equal(delayImpairment(0), 0);
    near(delayImpairment(100), 2.4, 1e-9);
    near(delayImpairment(177.3), 4.2552, 1e-9);
    near(delayImpairment(277.3), 4.2552 + 13.4, 1e-9);
  });

  test('Ie,eff: no loss → Ie; grows with loss toward 95; PLC makes it grow slower', () => {
    assert.equal(effectiveEquipmentImpairment(0, 25.1, 0), 0);
    near(effectiveEquipmentImpairment(0, 25.1, 5), (95 * 5) / 30.1, 1e-9);
    near(effectiveEquipmentImpairment(0, 4.3, 5), (95 * 5) / 9.3, 1e-9);
    assert.ok(effectiveEquipmentImpairment(0, 25.1, 100) < 95);
    assert.equal(effectiveEquipmentImpairment(0, 25.1, 200), effectiveEquipmentImpairment(0, 25.1, 100), 'loss caps at 100 %');
  });
});

describe('estimateQuality', () => {
  const clean = estimateQuality({ codec: 'PCMU', jitterMs: 2, lossRatio: 0 });

  test('a clean PCMU stream (no loss, 2 ms jitter) is above 4.3', () => {
    assert.ok(clean.mos > 4.3, String(clean.mos));
    assert.ok(clean.rFactor > 92 && clean.rFactor <= R_MAX, String(clean.rFactor));
  });

  test('5 % loss is notably lower (about 3.9 with PLC); without PLC far lower still', () => {
    const lossy = estimateQuality({ codec: 'PCMU', jitterMs: 2, lossRatio: 0.05 });
    near(lossy.mos, 3.91, 0.02, '5 % PLC');
    assert.ok(clean.mos - lossy.mos > 0.4);
    const noPlc = estimateQuality({ codec: 'PCMU', jitterMs: 2, lossRatio: 0.05, plc: false });
    assert.ok(noPlc.mos < 2.5, String(noPlc.mos));
  });

  test('20 % loss is below 3', () => {
    const bad = estimateQuality({ codec: 'PCMU', jitterMs: 2, lossRatio: 0.2 });
    assert.ok(bad.mos < 3, String(bad.mos));
    assert.ok(bad.mos > 2, String(bad.mos));
  });

  test('MOS falls monotonically with loss, with jitter and with delay', () => {
    let last = Infinity;
    for (let loss = 0; loss <= 0.5; loss += 0.01) {
      const { mos } = estimateQuality({ codec: 'opus', jitterMs: 5, lossRatio: loss });
      assert.ok(mos <= last, `loss ${loss}`);
      last = mos;
    }
    last = Infinity;
    for (let jitter = 0; jitter <= 300; jitter += 10) {
      const { mos } = estimateQuality({ codec: 'PCMA', jitterMs: jitter, lossRatio: 0.01 });
      assert.ok(mos <= last, `jitter ${jitter}`);
      last = mos;
    }
    const near0 = estimateQuality({ codec: 'PCMU', jitterMs: 5, lossRatio: 0 });
    const far = estimateQuality({ codec: 'PCMU', jitterMs: 5, lossRatio: 0, oneWayDelayMs: 300 });
    assert.ok(far.mos < near0.mos - 0.3, `${far.mos} vs ${near0.mos}`);
  });

  test('ratios beyond 0…1 and absurd inputs stay in range', () => {
    assert.deepEqual(estimateQuality({ codec: 'PCMU', jitterMs: 0, lossRatio: -1 }), estimateQuality({ codec: 'PCMU', jitterMs: 0, lossRatio: 0 }));
    const all = estimateQuality({ codec: 'PCMU', jitterMs: 0, lossRatio: 7 });
    assert.ok(all.mos >= 1 && all.mos < 1.5, String(all.mos));
    const inf = estimateQuality({ codec: 'PCMU', jitterMs: Infinity, lossRatio: 0 });
    assert.deepEqual(inf, { rFactor: 0, mos: 1 });
  });
});
