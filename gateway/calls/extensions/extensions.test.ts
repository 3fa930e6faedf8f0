/**
 * The built-in extensions behind a Bridge, as a caller hears them: `tone` gives 1 kHz in each
 * codec (PCMU, PCMA, G.722, Opus), `echo` gives the caller's own audio back after the jitter
 * buffer (checked by frequency and delay) and its DTMF digits back; the registry makes them by
 * name and takes new ones.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MediaClock, type CodecName } from '../../../media/index.ts';
import { ManualClockDriver } from '../../../media/clock-manual.ts';
import { Bridge } from '../bridge.ts';
import { pcmRate } from '../codec-rates.ts';
import { decodeSent, toneShare, ToneSource } from '../testing/audio.ts';
import { FakeMediaLeg } from '../testing/fake-leg.ts';
import { EchoLeg, ExtensionRegistry, ToneLeg, type ExtensionLeg } from './index.ts';

function rig(name: string, codec: CodecName, registry = ExtensionRegistry.withDefaults()) {
  const driver = new ManualClockDriver();
  const clock = new MediaClock({ driver, spinMs: 0 });
  const caller = new FakeMediaLeg({ id: 'caller', codec });
  const ext = registry.create(name, { codec: caller.codec, clock });
  const bridge = new Bridge({ a: caller.media, b: ext.media, clock });
  clock.start();
  const run = (ms: number, each: () => void = () => {}) => {
    for (let t = 0; t < ms; t += 20) {
      each();
      driver.advance(20);
    }
  };
  return { driver, clock, caller, ext, bridge, run };
}

const CODECS: CodecName[] = ['PCMU', 'PCMA', 'G722', 'opus'];

describe('extensions', () => {
  for (const codec of CODECS) {
    test(`tone plays 1 kHz in ${codec}, relayed untouched`, () => {
      const { caller, ext, bridge, run, clock } = rig('tone', codec);
      assert.ok(ext instanceof ToneLeg);
      assert.equal(bridge.mode, 'passthrough');
      run(1000);
      assert.equal(caller.sent.length, 50);
      const pcm = decodeSent(caller.sent, caller.codec);
      const s1k = toneShare(pcm, pcmRate(caller.codec), 1000, 100);
      assert.ok(s1k > 0.95, `${codec}: 1 kHz share ${s1k}`);
      assert.ok(toneShare(pcm, pcmRate(caller.codec), 1500, 100) < 0.01);
      bridge.close();
      ext.parentClosed();
      assert.equal(ext.closed, true);
      assert.equal(clock.getStats().listeners, 0, 'the extension left the clock');
    });
  }

  for (const codec of CODECS) {
    test(`echo plays the caller's ${codec} audio back after the jitter buffer`, () => {
      const { caller, ext, bridge, run } = rig('echo', codec);
      assert.ok(ext instanceof EchoLeg);
      const src = new ToneSource(caller, 440);
      let firstBack = -1;
      let t = 0;
      run(1500, () => {
        src.frame();
        if (firstBack < 0 && caller.sent.length > 0) firstBack = t;
        t += 20;
      });
      const pcm = decodeSent(caller.sent, caller.codec);
      const s = toneShare(pcm, pcmRate(caller.codec), 440, 200);
      assert.ok(s > 0.9, `${codec}: 440 Hz back, share ${s}`);
      // Back after the buffer's playout delay (its 60 ms initial target), not at once.
      assert.ok(firstBack >= 60 && firstBack <= 200, `first echo after ${firstBack} ms`);
      const st = ext.getStats();
      assert.equal(st.rtpPacketsReceived, 75);
      assert.ok(st.rtpPacketsSent >= 65);
      // The caller stops talking: the echo falls silent, it does not invent audio.
      const before = caller.sent.length;
      run(1000);
      assert.ok(caller.sent.length - before <= 8, `${caller.sent.length - before} frames after the caller stopped`);
      bridge.close();
      ext.close();
      src.close();
    });
  }

  test('echo sends DTMF back, digit by digit', async () => {
    const { caller, ext, bridge, run } = rig('echo', 'PCMU');
    caller.press('1', 100);
    caller.press('#', 80);
    for (let i = 0; i < 30; i++) {
      run(20);
      await new Promise((r) => setImmediate(r)); // the bridge plays one side's digits in order, between ticks
    }
    assert.deepEqual(caller.dtmfSent, [
      { digits: '1', durationMs: 100 },
      { digits: '#', durationMs: 80 },
    ]);
    assert.equal(ext.getStats().dtmfReceived, 2);
    bridge.close();
    ext.close();
  });

  test('the registry makes extensions by name and takes new ones', () => {
    const registry = ExtensionRegistry.withDefaults();
    assert.deepEqual(registry.names(), ['echo', 'tone']);
    assert.equal(registry.has('ECHO'), true);
    const clock = new MediaClock({ driver: new ManualClockDriver() });
    assert.throws(() => registry.create('music', { codec: new FakeMediaLeg().codec, clock }), RangeError);
    registry.register('beep', (c) => new ToneLeg(c, { frequency: 2000 }));
    const { caller, ext, run, bridge } = rig('beep', 'PCMU', registry);
    run(500);
    assert.ok(toneShare(decodeSent(caller.sent, caller.codec), 8000, 2000, 100) > 0.95);
    bridge.close();
    (ext as ExtensionLeg).close();
  });
});
