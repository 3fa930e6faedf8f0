import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtmfSender, type DtmfPacket, type DtmfSenderOptions } from './sender.ts';
import { DtmfReceiver, type DtmfReceiverEvent, type TelephoneEventPacket } from './receiver.ts';
import { DTMF_DIGITS, buildTelephoneEvent } from './rfc4733.ts';

const ALL = DTMF_DIGITS.join(''); // 0123456789*#ABCD

/** A sent packet as it travels: RTP fields plus the send time and per-digit position. */
interface Wire extends TelephoneEventPacket {
  sentMs: number;
  info: DtmfPacket;
}

/** Play `digits` through a sender ticked every `tickMs`; RTP fields as a leg would stamp them. */
function transmit(digits: string, options: DtmfSenderOptions = {}, tickMs = 20, rtpBase = 0xffff_f000, seqBase = 65530): Wire[] {
  const sender = new DtmfSender(options);
  sender.insert(digits);
  const wire: Wire[] = [];
  let seq = seqBase;
  for (let t = 0; sender.busy; t += tickMs) {
    for (const p of sender.tick(t)) {
      wire.push({
        payload: p.payload,
        timestamp: (rtpBase + p.timestamp) >>> 0,
        sequenceNumber: seq++ & 0xffff,
        marker: p.marker,
        sentMs: t,
        info: p,
      });
    }
  }
  return wire;
}

/**
 * Deliver packets to a receiver: each arrives `delayMs` after it was sent, in the order given
 * (callers reorder the array to simulate reordering); the receiver is also ticked every 20 ms
 * until `quietMs` after the last arrival so timeouts can fire.
 */
function receive(wire: Wire[], clockRate = 8000, delayMs = 30, quietMs = 1000): DtmfReceiverEvent[] {
  const rx = new DtmfReceiver({ clockRate });
  const events: DtmfReceiverEvent[] = [];
  let last = 0;
  let nextTick = 0;
  for (const w of wire) {
    const at = Math.max(last, w.sentMs + delayMs);
    while (nextTick < at) events.push(...rx.tick(nextTick)), (nextTick += 20);
    events.push(...rx.push(w, at));
    last = at;
  }
  for (; nextTick <= last + quietMs; nextTick += 20) events.push(...rx.tick(nextTick));
  assert.equal(rx.active, false, 'every event closed in the end');
  return events;
}

const starts = (ev: DtmfReceiverEvent[]) => ev.filter((e) => e.type === 'start').map((e) => e.key).join('');
const ends = (ev: DtmfReceiverEvent[]) =>
  ev.flatMap((e) => (e.type === 'end' ? [[e.key, e.duration, e.reason] as const] : []));

/** Deterministic PRNG (mulberry32) so loss/reorder patterns are repeatable. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('round trip: all 16 digits, each reported once with its exact duration, across timestamp and seq wrap', () => {
  const wire = transmit(ALL);
  assert.ok(wire.some((w) => w.timestamp < 0x1000), 'RTP timestamps wrapped during the run');
  const ev = receive(wire);
  assert.equal(starts(ev), ALL);
  assert.deepEqual(ends(ev), [...ALL].map((k) => [k, 800, 'end']));
  // start/end alternate: no overlap, no double start
  assert.deepEqual(ev.map((e) => e.type), [...ALL].flatMap(() => ['start', 'end']));
  const first = ev[0]!;
  assert.equal(first.type === 'start' && first.volume, 10);
});

test('round trip at 48 kHz with 1 ms ticks and 60 ms tones', () => {
  const ev = receive(transmit(ALL, { clockRate: 48000, durationMs: 60 }, 1), 48000);
  assert.equal(starts(ev), ALL);
  assert.deepEqual(ends(ev), [...ALL].map((k) => [k, 2880, 'end']));
  assert.ok(ev.every((e) => e.type !== 'end' || e.durationMs === 60));
});

test('lost start packets: the first continuation reports the digit', () => {
  const wire = transmit(ALL).filter((w) => !w.marker);
  const ev = receive(wire);
  assert.equal(starts(ev), ALL);
  assert.deepEqual(ends(ev), [...ALL].map((k) => [k, 800, 'end']));
});

test('lost start and continuations: the end packets alone still report the digit', () => {
  const wire = transmit(ALL).filter((w) => w.info.end);
  const ev = receive(wire);
  assert.equal(starts(ev), ALL);
  assert.deepEqual(ends(ev), [...ALL].map((k) => [k, 800, 'end']));
});

test('all end packets lost: superseded by the next digit, the last one times out', () => {
  const wire = transmit(ALL).filter((w) => !w.info.end);
  const ev = receive(wire);
  assert.equal(starts(ev), ALL);
  // the longest report before the ends was at 60 ms on the 20 ms tick: 480 units
  const expected = [...ALL].map((k, i) => [k, 480, i === 15 ? 'timeout' : 'superseded']);
  assert.deepEqual(ends(ev), expected);
  const last = ev.at(-1)!;
  const lastArrival = wire.at(-1)!.sentMs + 30;
  assert.ok(last.type === 'end' && last.atMs - lastArrival >= 500 && last.atMs - lastArrival < 520, 'timeout 500 ms after the last packet (20 ms tick)');
});

test('all end packets lost with a repeated digit: the marker on the new timestamp starts a second digit', () => {
  const ev = receive(transmit('5555').filter((w) => !w.info.end));
  assert.equal(starts(ev), '5555');
});

test('reordered and duplicated packets: each digit once, durations exact', () => {
  const rand = rng(7);
  const wire = transmit(ALL);
  // swap neighbours with probability 0.4 (also across digit boundaries), duplicate 10 %
  for (let i = 0; i + 1 < wire.length; i++) {
    if (rand() < 0.4) [wire[i], wire[i + 1]] = [wire[i + 1]!, wire[i]!];
  }
  const noisy = wire.flatMap((w) => (rand() < 0.1 ? [w, w] : [w]));
  const ev = receive(noisy);
  assert.equal(starts(ev), ALL);
  assert.equal(ends(ev).length, 16);
  // a digit whose end packets were overtaken by the next digit's first packet ends 'superseded'
  // with the longest duration seen; every other one ends exactly.
  for (const [key, duration, reason] of ends(ev)) {
    if (reason === 'end') assert.equal(duration, 800, key);
    else assert.equal(reason, 'superseded', key);
  }
});

test('reorder within each digit only (start arrives after a continuation, ends before): exact', () => {
  const wire = transmit(ALL);
  const byTs = new Map<number, Wire[]>();
  for (const w of wire) byTs.set(w.timestamp, [...(byTs.get(w.timestamp) ?? []), w]);
  const shuffled = [...byTs.values()].flatMap((ps) => [ps[1]!, ps[2]!, ps[0]!, ...ps.slice(3)]);
  const rx = new DtmfReceiver();
  const ev: DtmfReceiverEvent[] = [];
  shuffled.forEach((w, i) => ev.push(...rx.push(w, i)));
  assert.equal(starts(ev), ALL);
  assert.deepEqual(ends(ev), [...ALL].map((k) => [k, 800, 'end']));
  const stats = rx.getStats();
  // per digit (20 ms ticks): start, report, 3 × end arrive as report, end, start, end, end
  assert.equal(stats.duplicates, 16 * 3, 'the late start and the two trailing end copies, per digit');
  assert.equal(stats.reordered, 16, 'the late start, per digit');
});

test('random 20 % loss (seeded): every digit still reported, in order', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const rand = rng(seed);
    const wire = transmit(ALL).filter(() => rand() >= 0.2);
    const ev = receive(wire);
    assert.equal(starts(ev), ALL, `seed ${seed}`);
  }
});

test('long press 9 s at 8 kHz (> 8.19 s): one digit, segments merged, 72000 units', () => {
  const wire = transmit('#', { durationMs: 9000 });
  assert.equal(new Set(wire.map((w) => w.timestamp)).size, 2, 'two segments on the wire');
  const ev = receive(wire);
  assert.deepEqual(ev.map((e) => e.type), ['start', 'end']);
  assert.deepEqual(ends(ev), [['#', 72000, 'end']]);
  assert.ok(ev[1]!.type === 'end' && ev[1]!.durationMs === 9000);
});

test('long press with the segment-closing report and the first report of segment two lost', () => {
  const wire = transmit('#', { durationMs: 9000 });
  const boundary = wire.findIndex((w) => w.info.duration === 65535);
  wire.splice(boundary, 2);
  const rx = new DtmfReceiver();
  const ev: DtmfReceiverEvent[] = [];
  for (const w of wire) ev.push(...rx.push(w, w.sentMs));
  assert.deepEqual(ends(ev), [['#', 72000, 'end']]);
  assert.equal(rx.getStats().segments, 1);
});

test('long press 3 s at 48 kHz: three segments merged into 144000 units', () => {
  const ev = receive(transmit('7', { clockRate: 48000, durationMs: 3000 }), 48000);
  assert.deepEqual(ends(ev), [['7', 144000, 'end']]);
  assert.equal(starts(ev), '7');
});

test('a new timestamp with the same digit and marker is a new event, not a segment', () => {
  const rx = new DtmfReceiver();
  const p = (ts: number, seq: number, marker: boolean, duration: number, end = false): TelephoneEventPacket => ({
    payload: buildTelephoneEvent({ event: 1, end, volume: 10, duration }),
    timestamp: ts, sequenceNumber: seq, marker,
  });
  const ev = [
    ...rx.push(p(1000, 1, true, 0), 0),
    ...rx.push(p(1000, 2, false, 400), 50),
    ...rx.push(p(2200, 3, true, 0), 150), // end packets of the first were lost
    ...rx.push(p(2200, 4, false, 800, true), 250),
  ];
  assert.deepEqual(ev.map((e) => [e.type, e.timestamp, e.type === 'end' ? e.reason : '']), [
    ['start', 1000, ''], ['end', 1000, 'superseded'], ['start', 2200, ''], ['end', 2200, 'end'],
  ]);
});

test('non-DTMF events and short payloads are counted and ignored', () => {
  const rx = new DtmfReceiver();
  const ev = [
    ...rx.push({ payload: buildTelephoneEvent({ event: 32, end: false, volume: 0, duration: 0 }), timestamp: 0, sequenceNumber: 0, marker: true }, 0),
    ...rx.push({ payload: Uint8Array.from([1, 2]), timestamp: 0, sequenceNumber: 1, marker: false }, 1),
  ];
  assert.equal(ev.length, 0);
  const s = rx.getStats();
  assert.equal(s.ignored, 1);
  assert.equal(s.malformed, 1);
  assert.equal(rx.nextDueMs, undefined);
});
