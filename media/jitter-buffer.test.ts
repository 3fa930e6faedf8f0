import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AudioDecoder } from './codecs/types.ts';
import { JitterBuffer, type JitterBufferOptions, type JitterPushResult } from './jitter-buffer.ts';

// A fake 8 kHz codec: the payload's two bytes are a frame number, decoded as a frame full of it.
// Concealment fills −1; FEC (when enabled) fills 10000 + the number of the frame before `next`.
const frameOf = (p: Uint8Array): number => (p[0]! << 8) | p[1]!;

class FrameDecoder implements AudioDecoder {
  readonly codec = 'PCMU' as const;
  readonly sampleRate = 8000;
  decode(payload: Uint8Array, out: Int16Array): number {
    if (payload.length === 1) throw new Error('corrupt');
    out.fill(frameOf(payload), 0, 160);
    return 160;
  }
  conceal(out: Int16Array, samples: number): number {
    out.fill(-1, 0, samples);
    return samples;
  }
}

class FecDecoder extends FrameDecoder {
  decodeFec(next: Uint8Array, out: Int16Array, samples: number): number {
    out.fill(10000 + frameOf(next) - 1, 0, samples);
    return samples;
  }
}

interface Arrival {
  /** Arrival time (ms). */
  t: number;
  /** Frame number: the payload, and by default seq = seq0 + k, ts = ts0 + 160k. */
  k: number;
  seq?: number;
  ts?: number;
  ssrc?: number;
  payload?: Uint8Array;
}

/** Frames `ks` sent every 20 ms from t=0, arriving `transit` ms later. */
function stream(ks: Iterable<number>, transit = 5): Arrival[] {
  return [...ks].map((k) => ({ t: 20 * k + transit, k }));
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

interface RunResult {
  outs: string[];
  pushes: Array<[number, JitterPushResult]>;
  delays: number[];
}

/**
 * Play a script: pushes and pulls in time order (pushes first at equal times). Pulls every 20 ms
 * from `firstPull`. Each pull is labelled a<frame>, f<frame> (FEC), p (PLC), s (silence), d (DTX).
 */
function run(jb: JitterBuffer, arrivals: Arrival[], pulls: number, firstPull = 10): RunResult {
  const seq0 = 1000;
  const ts0 = 50_000;
  const sorted = [...arrivals].sort((a, b) => a.t - b.t);
  const out = new Int16Array(160);
  const res: RunResult = { outs: [], pushes: [], delays: [] };
  let ai = 0;
  for (let j = 0; j < pulls; j++) {
    const now = firstPull + 20 * j;
    while (ai < sorted.length && sorted[ai]!.t <= now) {
      const a = sorted[ai++]!;
      const r = jb.push(
        {
          sequenceNumber: (a.seq ?? seq0 + a.k) & 0xffff,
          timestamp: (a.ts ?? ts0 + 160 * a.k) >>> 0,
          ssrc: a.ssrc ?? 0x1111,
          marker: false,
          payload: a.payload ?? Uint8Array.of(a.k >> 8, a.k & 0xff),
        },
        a.t,
      );
      res.pushes.push([a.k, r]);
    }
    out.fill(12345);
    const { kind, samples } = jb.pull(now, out);
    assert.equal(samples, 160);
    assert.equal(out[0], out[159], 'a whole frame is written');
    res.delays.push(jb.getStats().delayMs);
    res.outs.push(
      kind === 'audio' ? `a${out[0]}` : kind === 'fec' ? `f${out[0]! - 10000}` : kind === 'plc' ? 'p' : kind === 'silence' ? 's' : 'd',
    );
    if (kind === 'plc') assert.equal(out[0], -1);
    if (kind === 'silence' || kind === 'dtx') assert.equal(out[0], 0);
  }
  return res;
}

const fixed = (extra: Partial<JitterBufferOptions> = {}): JitterBuffer =>
  new JitterBuffer({ decoder: new FrameDecoder(), minDelayMs: 40, initialDelayMs: 40, maxDelayMs: 200, ...extra });

const audio = (a: number, b: number): string[] => range(a, b).map((k) => `a${k}`);

test('in order: silence until the initial delay is reached, then every frame once', () => {
  const jb = fixed();
  const { outs, pushes } = run(jb, stream(range(0, 12)), 12);
  assert.deepEqual(outs, ['s', 's', ...audio(0, 10)]);
  assert.ok(pushes.every(([, r]) => r === 'buffered'));
  const st = jb.getStats();
  assert.equal(st.delayMs, 45);
  assert.equal(st.targetDelayMs, 40);
  assert.equal(st.audioFrames, 10);
  assert.equal(st.silenceFrames, 2);
  assert.equal(st.buffered, 2); // frames 10 and 11 wait
  assert.equal(st.lost, 0);
  assert.equal(st.jitterMs, 0);
  assert.equal(st.late + st.duplicates + st.discarded + st.inserted + st.dropped + st.concealedFrames, 0);
});

test('reordered packets come out in order', () => {
  const arr = stream(range(0, 12));
  arr[3]!.t = 20 * 4 + 6; // 3 after 4
  arr[7]!.t = 20 * 9 + 1; // 7 after 8 and 9, still before its turn at t=190
  const jb = fixed();
  assert.deepEqual(run(jb, arr, 12).outs, ['s', 's', ...audio(0, 10)]);
  assert.equal(jb.getStats().late, 0);
});

test('duplicates are dropped, whether still queued or already played', () => {
  const arr = [...stream(range(0, 12)), { t: 106, k: 5 }, { t: 150, k: 1 }];
  const jb = fixed();
  const { outs, pushes } = run(jb, arr, 12);
  assert.deepEqual(outs, ['s', 's', ...audio(0, 10)]);
  assert.deepEqual(
    pushes.filter(([, r]) => r !== 'buffered'),
    [
      [5, 'duplicate'],
      [1, 'duplicate'],
    ],
  );
  const st = jb.getStats();
  assert.equal(st.duplicates, 2);
  assert.equal(st.discarded, 2);
  assert.equal(st.late, 0);
});

test('a lost packet is concealed (no FEC in the decoder)', () => {
  const jb = fixed();
  const { outs } = run(jb, stream(range(0, 12).filter((k) => k !== 5)), 12);
  assert.deepEqual(outs, ['s', 's', ...audio(0, 5), 'p', ...audio(6, 10)]);
  const st = jb.getStats();
  assert.equal(st.concealedFrames, 1);
  assert.equal(st.fecFrames, 0);
  assert.equal(st.lost, 1);
});

test('FEC is used when the following packet is there, PLC when it is not', () => {
  const jb = fixed({ decoder: new FecDecoder() });
  const missing = new Set([3, 6, 7]);
  const { outs } = run(jb, stream(range(0, 12).filter((k) => !missing.has(k))), 12);
  // 3: next (4) is here → FEC; 6: next (7) is missing too → PLC; 7: next (8) is here → FEC.
  assert.deepEqual(outs, ['s', 's', 'a0', 'a1', 'a2', 'f3', 'a4', 'a5', 'p', 'f7', 'a8', 'a9']);
  const st = jb.getStats();
  assert.equal(st.fecFrames, 2);
  assert.equal(st.concealedFrames, 1);
  assert.equal(st.lost, 3);
});

test('a late packet is counted and discarded, and the target delay rises to cover it', () => {
  const jb = fixed({ adaptIntervalFrames: 3 });
  const arr = stream(range(0, 40));
  arr[5]!.t = 100 + 5 + 120; // 120 ms late: its turn was at t=150, it comes at 225
  const { outs, pushes, delays } = run(jb, arr, 30);
  // Up to the late arrival (t=225): frame 5 concealed at its turn, t=150.
  assert.deepEqual(outs.slice(0, 11), ['s', 's', ...audio(0, 5), 'p', 'a6', 'a7', 'a8']);
  assert.deepEqual(
    pushes.filter(([, r]) => r !== 'buffered'),
    [[5, 'late']],
  );
  // Its deviation (120 ms) lifts the target to ~125 ms: from t=230 one concealment frame is
  // inserted every third pull while the delay is under it (each +20 ms); no frame is lost or
  // repeated.
  assert.deepEqual(outs.slice(11), [
    'p', 'a9', 'a10', 'p', 'a11', 'a12', 'p', 'a13', 'a14', 'p', 'a15', 'a16',
    'a17', 'a18', 'a19', 'a20', 'a21', 'a22', 'a23',
  ]);
  assert.deepEqual(delays.slice(11, 25), [45, 65, 65, 65, 85, 85, 85, 105, 105, 105, 125, 125, 125, 125]);
  const st = jb.getStats();
  assert.equal(st.late, 1);
  assert.equal(st.discarded, 1);
  assert.equal(st.inserted, 4);
  assert.equal(st.concealedFrames, 5);
  // Target at the last pull (t=590): the 120 ms peak decayed over 365 ms, plus the 5 ms margin.
  assert.ok(Math.abs(st.targetDelayMs - (120 * 2 ** (-365 / 4000) + 5)) < 1e-9, `target ${st.targetDelayMs}`);
});

test('a new SSRC restarts the buffer: queued frames of the old source are flushed', () => {
  const jb = fixed();
  const arr: Arrival[] = [
    ...stream(range(0, 6)),
    // The new source: its own sequence and timestamp bases, frames numbered from 100.
    ...range(0, 10).map((i) => ({ t: 125 + 20 * i, k: 100 + i, seq: 30000 + i, ts: 7_000_000 + 160 * i, ssrc: 0x2222 })),
  ];
  const { outs, pushes } = run(jb, arr, 12);
  assert.deepEqual(outs, ['s', 's', 'a0', 'a1', 'a2', 'a3', 's', 's', 'a100', 'a101', 'a102', 'a103']);
  assert.deepEqual(pushes.find(([k]) => k === 100), [100, 'reset']);
  const st = jb.getStats();
  assert.equal(st.resets, 1);
  assert.equal(st.ssrc, 0x2222);
  assert.equal(st.discarded, 2); // frames 4 and 5
  assert.equal(st.lost, 0); // receiver statistics restarted with the source
});

test('a sequence jump confirmed by the next packet restarts the buffer; a lone stray is dropped', () => {
  const jb = fixed();
  const arr: Arrival[] = [
    ...stream(range(0, 6)),
    { t: 60, k: 77, seq: 40000 }, // a stray far from the sequence: ignored
    // From frame 6 on the sequence is 5000 higher: 6 looks like a stray, 7 confirms the restart.
    ...range(6, 16).map((k) => ({ t: 20 * k + 5, k, seq: 1000 + 5000 + k })),
  ];
  const { outs, pushes } = run(jb, arr, 13);
  assert.deepEqual(outs, ['s', 's', 'a0', 'a1', 'a2', 'a3', 'a4', 's', 's', 'a7', 'a8', 'a9', 'a10']);
  assert.deepEqual(
    pushes.filter(([, r]) => r !== 'buffered'),
    [
      [77, 'out-of-sequence'],
      [6, 'out-of-sequence'],
      [7, 'reset'],
    ],
  );
  const st = jb.getStats();
  assert.equal(st.resets, 1);
  assert.equal(st.discarded, 3); // the stray, frame 6, and frame 5 flushed
});

test('a timestamp jump with the sequence going on re-maps time and keeps playing', () => {
  const jb = fixed();
  const hour = 8000 * 3600;
  const arr: Arrival[] = [
    ...stream(range(0, 6)),
    ...range(6, 16).map((k) => ({ t: 20 * k + 5, k, ts: 50_000 + hour + 160 * k })),
  ];
  const { outs, pushes } = run(jb, arr, 14);
  assert.deepEqual(outs, ['s', 's', ...audio(0, 12)]);
  assert.deepEqual(pushes.find(([k]) => k === 6), [6, 'reset']);
  const st = jb.getStats();
  assert.equal(st.resets, 1);
  assert.equal(st.late + st.discarded + st.concealedFrames, 0);
});

test('sequence numbers wrapping at 65535 (with a swap across the wrap) play straight through', () => {
  const jb = fixed();
  const arr = stream(range(0, 14)).map((a) => ({ ...a, seq: (65530 + a.k) & 0xffff, ts: (0xffff_ff00 + 160 * a.k) >>> 0 }));
  arr[5]!.t = 20 * 6 + 7; // seq 65535 arrives after seq 0
  const { outs } = run(jb, arr, 13);
  assert.deepEqual(outs, ['s', 's', ...audio(0, 11)]);
  const st = jb.getStats();
  assert.equal(st.resets + st.late + st.lost, 0);
});

test('DTX: a pause with the sequence going on gives PLC, then silence, then DTX until the talkspurt', () => {
  const jb = fixed();
  // Frames 0..9, then the sender pauses; frame 60 is the next packet (next sequence number).
  const arr: Arrival[] = [...stream(range(0, 10)), ...range(60, 64).map((k) => ({ t: 20 * k + 5, k, seq: 1000 + k - 50 }))];
  const { outs } = run(jb, arr, 66);
  // a9 at t=230; 10–14 concealed (100 ms), 15–57 silence, 58–59 DTX (60 is queued), then 60..63.
  assert.deepEqual(outs, ['s', 's', ...audio(0, 10), ...Array(5).fill('p'), ...Array(43).fill('s'), 'd', 'd', ...audio(60, 64)]);
  const st = jb.getStats();
  assert.equal(st.lost, 0);
  assert.equal(st.dtxFrames, 2);
  assert.equal(st.concealedFrames, 5);
});

test('payloads that are too large are refused; a decoder that throws is concealed', () => {
  const jb = fixed({ maxPayloadBytes: 100 });
  const arr = stream(range(0, 12));
  arr.push({ t: 1, k: 99, seq: 999, payload: new Uint8Array(101) });
  arr[4]!.payload = Uint8Array.of(9); // the fake decoder throws on one-byte payloads
  const { outs, pushes } = run(jb, arr, 12);
  assert.deepEqual(pushes[0], [99, 'too-large']);
  assert.deepEqual(outs, ['s', 's', 'a0', 'a1', 'a2', 'a3', 'p', ...audio(5, 10)]);
  const st = jb.getStats();
  assert.equal(st.decodeErrors, 1);
  assert.equal(st.discarded, 1);
});

test('packets reordered before playout starts move the start back', () => {
  const jb = fixed();
  const arr = stream(range(0, 12));
  arr[0]!.t = 26; // frame 1 (t=25) is the first to arrive, frame 0 follows
  assert.deepEqual(run(jb, arr, 12).outs, ['s', 's', ...audio(0, 10)]);
  assert.equal(jb.getStats().late, 0);
});

test('opus: 48 kHz RTP clock by default whatever rate the decoder runs at', () => {
  const decoder: AudioDecoder = {
    codec: 'opus',
    sampleRate: 16000,
    decode: (p, out) => (out.fill(frameOf(p), 0, 320), 320),
    conceal: (out, n) => (out.fill(-1, 0, n), n),
  };
  const jb = new JitterBuffer({ decoder, minDelayMs: 40, initialDelayMs: 40 });
  assert.equal(jb.frameSamples, 320);
  const out = new Int16Array(320);
  const got: number[] = [];
  for (let k = 0; k < 6; k++) {
    jb.push({ sequenceNumber: k, timestamp: 960 * k, ssrc: 1, marker: false, payload: Uint8Array.of(0, k) }, 20 * k);
  }
  for (let j = 0; j < 6; j++) {
    const r = jb.pull(45 + 20 * j, out);
    got.push(r.kind === 'audio' ? out[0]! : -9);
  }
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5]);
  assert.throws(() => jb.pull(200, new Int16Array(160)), RangeError);
});

/** Deterministic uniform numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test('a jitter spike grows the delay at once and it shrinks back over the half-life', () => {
  const jb = new JitterBuffer({ decoder: new FrameDecoder(), minDelayMs: 20, initialDelayMs: 20, maxDelayMs: 400, peakHalfLifeMs: 2000 });
  const rnd = lcg(7);
  const frames = 2500; // 50 s
  const arr: Arrival[] = range(0, frames).map((k) => ({ t: 20 * k + 10 + Math.floor(rnd() * 8), k }));
  // Spike 1 at 10 s: a 300 ms stall, the packets released in one burst.
  for (const a of arr) if (a.k >= 500 && a.k < 515) a.t = 20 * 515 + 10;
  // Spike 2, 200 ms, one second later.
  for (const a of arr) if (a.k >= 550 && a.k < 560) a.t = 20 * 560 + 10;
  const { outs, delays, pushes } = run(jb, arr, frames - 20);

  // Before: the delay sits at the floor (20 ms target + up to 1.5 frames).
  const before = delays.slice(200, 500);
  assert.ok(Math.max(...before) <= 50, `before: ${Math.max(...before)}`);
  // The stalled frames whose turn had passed are late: 500..512 (513 and 514 were still due),
  // and no others, in particular none of the second spike.
  const late = pushes.filter(([, r]) => r === 'late').map(([k]) => k);
  assert.deepEqual(late, range(500, 513));
  // The delay then climbs to ~300 ms within 12 pulls (inserted during the silence that followed
  // the concealment, so for free) …
  assert.deepEqual(delays.slice(515, 528), [40, 60, 80, 100, 120, 140, 160, 180, 200, 220, 240, 260, 280]);
  // … so the second, smaller spike is absorbed: none of its frames is late (list above) …
  assert.ok(Math.min(...delays.slice(540, 580)) >= 200);
  // … and several half-lives later the delay is back at the floor, by dropped frames.
  const tail = delays.slice(frames - 400, frames - 20);
  assert.ok(Math.max(...tail) <= 50, `tail: ${Math.max(...tail)}`);
  const st = jb.getStats();
  assert.equal(st.late, 13);
  assert.ok(st.dropped >= 11 && st.dropped <= 14, `dropped ${st.dropped}`);
  assert.ok(st.inserted >= 12 && st.inserted <= 14, `inserted ${st.inserted}`);
  // Audio frames come out strictly increasing: nothing repeated or reordered.
  const order = outs.filter((o) => o.startsWith('a')).map((o) => Number(o.slice(1)));
  for (let i = 1; i < order.length; i++) assert.ok(order[i]! > order[i - 1]!);
});

function driftRun(rate: number): { stats: ReturnType<JitterBuffer['getStats']>; delays: number[]; played: number[] } {
  // The sender's clock runs at `rate` × ours: its 20 ms frames leave every 20/rate ms of our time.
  const jb = new JitterBuffer({ decoder: new FrameDecoder() }); // defaults: 20..400 ms, initial 60
  const rnd = lcg(42);
  const minutes = 5;
  const frames = Math.floor((minutes * 60_000) / 20);
  const arr: Arrival[] = range(0, Math.floor(frames * rate) + 50).map((k) => ({ t: (20 * k) / rate + 15 + rnd() * 30, k }));
  const { outs, delays } = run(jb, arr, frames);
  const played = outs.filter((o) => o.startsWith('a')).map((o) => Number(o.slice(1)));
  return { stats: jb.getStats(), delays, played };
}

test('sender clock 0.5 % fast for 5 minutes: frames are dropped at the drift rate, delay stays bounded', () => {
  const { stats, delays, played } = driftRun(1.005);
  // 15 000 pulls ↔ 15 075 frames sent: ~75 frames must go.
  assert.ok(stats.dropped >= 70 && stats.dropped <= 85, `dropped ${stats.dropped}`);
  assert.ok(stats.inserted <= 2, `inserted ${stats.inserted}`);
  assert.equal(stats.late, 0);
  assert.equal(stats.concealedFrames, 0);
  // After the first 10 s the delay stays within one band around the ~30–40 ms target.
  const settled = delays.slice(500);
  assert.ok(Math.max(...settled) <= 70, `max delay ${Math.max(...settled)}`);
  assert.ok(Math.min(...settled) >= 30, `min delay ${Math.min(...settled)}`);
  for (let i = 1; i < played.length; i++) assert.ok(played[i]! > played[i - 1]!);
  assert.ok(played.at(-1)! > 15_000 - 30);
});

test('sender clock 0.5 % slow for 5 minutes: frames are inserted at the drift rate, delay stays bounded', () => {
  const { stats, delays, played } = driftRun(1 / 1.005);
  // 15 000 pulls ↔ ~14 925 frames sent: ~75 frames must be made up.
  assert.ok(stats.inserted >= 65 && stats.inserted <= 85, `inserted ${stats.inserted}`);
  assert.equal(stats.concealedFrames, stats.inserted); // no loss: every concealment is an insert
  assert.ok(stats.dropped <= 2, `dropped ${stats.dropped}`);
  assert.equal(stats.late, 0);
  const settled = delays.slice(500);
  assert.ok(Math.max(...settled) <= 70, `max delay ${Math.max(...settled)}`);
  assert.ok(Math.min(...settled) >= 30, `min delay ${Math.min(...settled)}`);
  for (let i = 1; i < played.length; i++) assert.ok(played[i]! > played[i - 1]!);
});
