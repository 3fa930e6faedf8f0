/**
 * Bridge between two fake legs on a hand-cranked media clock: passthrough (payloads untouched,
 * continuous timestamps across pauses and source changes), transcoding Opus48 ⇄ PCMU through
 * Opus coded at 8 kHz (no resampler) and G.722 ⇄ PCMU (resampled), each checked by the tone's
 * frequency at the far end; DTMF across (RFC 4733 and the SIP INFO callback), mute, loss
 * statistics, renegotiation and a clean close.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initResampler, MediaClock, type CodecName } from '../../media/index.ts';
import { ManualClockDriver } from '../../media/clock-manual.ts';
import { Bridge, type BridgeOptions } from './bridge.ts';
import { pcmRate } from './codec-rates.ts';
import { legCodec } from './leg-codec.ts';
import { decodeSent, toneShare, ToneSource } from './testing/audio.ts';
import { FakeMediaLeg } from './testing/fake-leg.ts';

before(async () => {
  await initResampler();
});

function rig(aCodec: CodecName, bCodec: CodecName, options: Partial<BridgeOptions> = {}, legOptions: { bTelephoneEvent?: boolean } = {}) {
  const driver = new ManualClockDriver();
  const clock = new MediaClock({ driver, spinMs: 0 });
  const a = new FakeMediaLeg({ id: 'a', codec: aCodec });
  const b = new FakeMediaLeg({ id: 'b', codec: bCodec, telephoneEvent: legOptions.bTelephoneEvent ?? true });
  const bridge = new Bridge({ a: a.media, b: b.media, clock, ...options });
  clock.start();
  /** Runs `ms` of media time, calling `each` before every 20 ms tick. */
  const run = (ms: number, each: () => void = () => {}) => {
    for (let t = 0; t < ms; t += 20) {
      each();
      driver.advance(20);
    }
  };
  return { driver, clock, a, b, bridge, run };
}

function share(leg: FakeMediaLeg, frequency: number): number {
  const codec = leg.codec;
  return toneShare(decodeSent(leg.sent, codec), pcmRate(codec), frequency, 200);
}

describe('Bridge', () => {
  test('PCMU ⇄ PCMU relays payloads untouched onto continuous timestamps', () => {
    const { a, b, bridge, run, clock } = rig('PCMU', 'PCMU');
    assert.equal(bridge.mode, 'passthrough');
    assert.equal(clock.getStats().listeners, 0, 'passthrough needs no clock tick');
    const toB = new ToneSource(a, 1000);
    const toA = new ToneSource(b, 440);
    const inputs: Uint8Array[] = [];
    a.on('rtp', (p) => inputs.push(p.payload.slice()));
    run(1000, () => {
      toB.frame();
      toA.frame();
    });
    assert.equal(b.sent.length, 50);
    assert.equal(a.sent.length, 50);
    b.sent.forEach((p, i) => assert.deepEqual(p.payload, inputs[i]));
    assert.deepEqual(b.sent.map((p) => p.timestamp), Array.from({ length: 50 }, (_, i) => i * 160));
    assert.equal(b.sent[0]!.marker, true);
    assert.ok(b.sent.slice(1).every((p) => !p.marker));
    assert.ok(share(b, 1000) > 0.95, `1 kHz at b: ${share(b, 1000)}`);
    assert.ok(share(a, 440) > 0.95, `440 Hz at a: ${share(a, 440)}`);
    const st = bridge.getStats();
    assert.equal(st.mode, 'passthrough');
    assert.equal(st.aToB.packetsRelayed, 50);
    assert.equal(st.aToB.framesTranscoded, 0);
    assert.equal(st.aToB.lost, 0);
    bridge.close();
  });

  test('passthrough keeps the timeline continuous across a hold pause with a frozen clock and a new SSRC', () => {
    const { a, b, bridge, run } = rig('PCMU', 'PCMU');
    const src = new ToneSource(a, 1000);
    run(200, () => src.frame()); // 10 packets: ts 0..1440
    run(2000); // on hold: nothing for 2 s, and the source's timestamps do not move
    src.ssrc = 0x5555; // it comes back as a new stream
    run(200, () => src.frame());
    const ts = b.sent.map((p) => p.timestamp);
    assert.equal(ts[9], 1440);
    // 2 s + one frame of wall time later, to the frame: 1440 + 160 + 16000.
    assert.equal(ts[10], 1440 + 160 + 16000);
    assert.equal(b.sent[10]!.marker, true);
    for (let i = 11; i < 20; i++) assert.equal(ts[i]! - ts[i - 1]!, 160);
    assert.equal(bridge.getStats().aToB.reanchors, 1);

    // Same SSRC, timestamps frozen across a 3 s gap (some PBXs on resume): re-anchored too.
    run(3000);
    src.skip(0);
    run(60, () => src.frame());
    const last = b.sent.slice(-3).map((p) => p.timestamp);
    assert.equal(last[0]! - ts[19]!, 160 + 24000);
    assert.equal(bridge.getStats().aToB.reanchors, 2);
    bridge.close();
  });

  test('passthrough counts loss from sequence gaps', () => {
    const { a, bridge, run } = rig('PCMU', 'PCMU');
    const src = new ToneSource(a, 1000);
    let n = 0;
    run(1000, () => {
      if (++n % 10 === 0) src.skip(1, false); // lose every 10th packet
      else src.frame();
    });
    const st = bridge.getStats().aToB;
    assert.equal(st.packetsIn, 45);
    assert.equal(st.lost, 4); // the last gap is not yet followed by a packet
    bridge.close();
  });

  test('Opus48 ⇄ PCMU transcodes through Opus coded at 8 kHz, no resampler', () => {
    const { a, b, bridge, run, clock } = rig('opus', 'PCMU');
    assert.equal(bridge.mode, 'transcode');
    assert.equal(clock.getStats().listeners, 1);
    const toB = new ToneSource(a, 1000);
    const toA = new ToneSource(b, 440);
    run(2000, () => {
      toB.frame();
      toA.frame();
    });
    const st = bridge.getStats();
    assert.equal(st.aToB.decodeRate, 8000);
    assert.equal(st.aToB.encodeRate, 8000);
    assert.equal(st.bToA.decodeRate, 8000);
    assert.equal(st.bToA.encodeRate, 8000);
    assert.equal(st.aToB.resampling, false);
    assert.equal(st.bToA.resampling, false);
    assert.ok(st.aToB.framesTranscoded >= 90, `frames ${st.aToB.framesTranscoded}`);
    // Every frame B got is one 20 ms PCMU frame, on a 160-unit grid; the marker only on the first.
    assert.ok(b.sent.every((p) => p.payload.length === 160));
    for (let i = 1; i < b.sent.length; i++) assert.equal(b.sent[i]!.timestamp - b.sent[i - 1]!.timestamp, 160);
    assert.deepEqual(b.sent.map((p, i) => (p.marker ? i : -1)).filter((i) => i >= 0), [0]);
    for (let i = 1; i < a.sent.length; i++) assert.equal(a.sent[i]!.timestamp - a.sent[i - 1]!.timestamp, 960);
    assert.ok(share(b, 1000) > 0.9, `1 kHz at the PCMU side: ${share(b, 1000)}`);
    assert.ok(share(b, 440) < 0.05);
    assert.ok(share(a, 440) > 0.9, `440 Hz at the Opus side: ${share(a, 440)}`);
    assert.ok(share(a, 1000) < 0.05);
    // The Opus side falls silent for 2 s, then talks again: a talkspurt with the marker bit, on
    // a timeline that moved on by the wall time of the pause.
    const before = b.sent.length;
    run(2000, () => toA.frame());
    const lastBefore = b.sent.at(-1)!;
    const pauseFrames = b.sent.length - before;
    assert.ok(pauseFrames <= 55, `keeps sending PLC/silence only for idleMs after the last packet (${pauseFrames})`);
    toB.skip(100);
    run(500, () => {
      toB.frame();
      toA.frame();
    });
    const resumed = b.sent.slice(before + pauseFrames);
    assert.equal(resumed[0]!.marker, true);
    assert.equal((resumed[0]!.timestamp - lastBefore.timestamp) % 160, 0);
    assert.ok(resumed[0]!.timestamp - lastBefore.timestamp >= 160 * 40, 'the timeline advanced over the pause');
    bridge.close();
    toB.close();
    toA.close();
  });

  test('G.722 ⇄ PCMU transcodes with a resampler (16 ⇄ 8 kHz)', () => {
    const { a, b, bridge, run } = rig('G722', 'PCMU');
    const toB = new ToneSource(a, 1000);
    const toA = new ToneSource(b, 440);
    run(2000, () => {
      toB.frame();
      toA.frame();
    });
    const st = bridge.getStats();
    assert.equal(st.mode, 'transcode');
    assert.equal(st.aToB.resampling, true);
    assert.deepEqual([st.aToB.decodeRate, st.aToB.encodeRate], [16000, 8000]);
    assert.deepEqual([st.bToA.decodeRate, st.bToA.encodeRate], [8000, 16000]);
    assert.ok(share(b, 1000) > 0.9, `1 kHz at the PCMU side: ${share(b, 1000)}`);
    assert.ok(share(a, 440) > 0.9, `440 Hz at the G.722 side: ${share(a, 440)}`);
    // G.722's RTP clock is 8000: 160 units per 20 ms frame of 320 samples.
    for (let i = 1; i < a.sent.length; i++) assert.equal(a.sent[i]!.timestamp - a.sent[i - 1]!.timestamp, 160);
    bridge.close();
  });

  test('Opus ⇄ G.722 codes Opus at 16 kHz; Opus ⇄ Opus relays', () => {
    const r1 = rig('opus', 'G722');
    const src = new ToneSource(r1.a, 1000);
    r1.run(1000, () => src.frame());
    const st = r1.bridge.getStats().aToB;
    assert.deepEqual([st.decodeRate, st.encodeRate, st.resampling], [16000, 16000, false]);
    assert.ok(share(r1.b, 1000) > 0.9, `1 kHz at the G.722 side: ${share(r1.b, 1000)}`);
    r1.bridge.close();
    const r2 = rig('opus', 'opus');
    assert.equal(r2.bridge.mode, 'passthrough');
    r2.bridge.close();
  });

  test('forceTranscode decodes even between identical codecs and feeds the tap', () => {
    const { a, bridge, run } = rig('PCMU', 'PCMU', { forceTranscode: true });
    assert.equal(bridge.mode, 'transcode');
    const tapped: number[] = [];
    let rate = 0;
    bridge.setTap('a', (pcm, r) => {
      rate = r;
      tapped.push(...pcm);
    });
    const src = new ToneSource(a, 1000);
    run(1000, () => src.frame());
    assert.equal(rate, 8000);
    assert.ok(toneShare(Int16Array.from(tapped), 8000, 1000, 100) > 0.9);
    bridge.close();
  });

  test('DTMF crosses as RFC 4733, or through the SIP INFO callback toward a leg without telephone-event', async () => {
    const info: Array<[string, string, number]> = [];
    const { a, b, bridge } = rig('PCMU', 'opus', { onInfoDtmf: (to, d, ms) => info.push([to, d, ms]) }, { bTelephoneEvent: false });
    const seen: string[] = [];
    bridge.on('dtmf', (from, d, _ms, via) => seen.push(`${from}:${d}:${via}`));
    b.press('9', 120); // b → a: a has telephone-event
    a.press('1', 80); // a → b: b has none → INFO
    a.press('#', 80);
    bridge.sendDtmf('a', '42', 100); // e.g. an INFO that arrived on b's dialog
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(a.dtmfSent, [
      { digits: '9', durationMs: 120 },
      { digits: '42', durationMs: 100 },
    ]);
    assert.deepEqual(info, [
      ['b', '1', 80],
      ['b', '#', 80],
    ]);
    assert.deepEqual(seen, ['b:9:rfc4733', 'a:1:info', 'a:#:info', 'b:4:rfc4733', 'b:2:rfc4733']);
    assert.deepEqual(bridge.getStats().dtmf, { rfc4733: 3, info: 2, dropped: 0, errors: 0 });
    bridge.close();
  });

  test('mute sends silence in the muted direction only (passthrough and transcode)', () => {
    for (const [ac, bc] of [['PCMU', 'PCMU'], ['opus', 'PCMU']] as const) {
      const { a, b, bridge, run } = rig(ac, bc);
      const toB = new ToneSource(a, 1000);
      const toA = new ToneSource(b, 440);
      bridge.setMuted('a', true);
      assert.equal(bridge.isMuted('a'), true);
      run(1000, () => {
        toB.frame();
        toA.frame();
      });
      const atB = decodeSent(b.sent, b.codec);
      assert.ok(b.sent.length > 30, `${ac}: b still gets a stream (${b.sent.length})`);
      assert.ok(atB.every((s) => Math.abs(s) < 16), `${ac}: b hears silence`);
      assert.ok(share(a, 440) > 0.9, `${ac}: the other direction still flows`);
      bridge.setMuted('a', false);
      const before = b.sent.length;
      run(600, () => toB.frame());
      assert.ok(toneShare(decodeSent(b.sent.slice(before), b.codec), pcmRate(b.codec), 1000, 100) > 0.9, `${ac}: unmuted`);
      bridge.close();
    }
  });

  test('renegotiation switches mode and the clock subscription; close releases everything', () => {
    const { a, b, bridge, run, clock } = rig('PCMU', 'PCMU');
    const modes: string[] = [];
    bridge.on('mode', (m) => modes.push(m));
    const src = new ToneSource(a, 1000);
    run(200, () => src.frame());
    b.media.codec = legCodec('opus'); // b re-negotiated to Opus
    bridge.renegotiated();
    assert.equal(bridge.mode, 'transcode');
    assert.equal(clock.getStats().listeners, 1);
    run(600, () => src.frame());
    const opusPackets = b.sent.slice(10);
    assert.ok(opusPackets.length > 10);
    // The timeline went on: the first Opus frame is after the last PCMU one (units changed with the clock rate).
    assert.equal(opusPackets[0]!.marker, true);
    b.media.codec = legCodec('PCMU');
    bridge.renegotiated();
    assert.deepEqual(modes, ['transcode', 'passthrough']);
    assert.equal(clock.getStats().listeners, 0);
    bridge.close();
    bridge.close(); // idempotent
    assert.equal(a.listenerCount('rtp') + a.listenerCount('dtmf') + b.listenerCount('rtp') + b.listenerCount('dtmf'), 0);
    assert.equal(a.closed || b.closed, false, 'the bridge does not own the legs');
    const sent = b.sent.length;
    src.frame();
    assert.equal(b.sent.length, sent);
  });
});
