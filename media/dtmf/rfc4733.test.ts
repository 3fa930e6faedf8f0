import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DTMF_DIGITS,
  FLASH_EVENT,
  TelephoneEventError,
  buildTelephoneEvent,
  digitToEvent,
  eventToDigit,
  isDtmfKey,
  parseTelephoneEvent,
  writeTelephoneEvent,
} from './rfc4733.ts';

// Hand-computed from the RFC 4733 §2.3 layout: byte 0 event, byte 1 E|R|volume(6), bytes 2–3 duration (BE).
const examples: { name: string; ev: { event: number; end: boolean; volume: number; duration: number }; bytes: number[] }[] = [
  // '5', ongoing, -10 dBm0, 800 units (100 ms at 8 kHz): 05 | 0|0|001010 = 0x0a | 0x0320
  { name: "digit '5' at 100 ms", ev: { event: 5, end: false, volume: 10, duration: 800 }, bytes: [0x05, 0x0a, 0x03, 0x20] },
  // '#', end, -10 dBm0, 1600 units: 0x0b | 1|0|001010 = 0x8a | 0x0640
  { name: "digit '#' end", ev: { event: 11, end: true, volume: 10, duration: 1600 }, bytes: [0x0b, 0x8a, 0x06, 0x40] },
  // '*', start packet, -7 dBm0, duration 0
  { name: "digit '*' start", ev: { event: 10, end: false, volume: 7, duration: 0 }, bytes: [0x0a, 0x07, 0x00, 0x00] },
  // 'D', end, -63 dBm0, 65535: 0x0f | 1|0|111111 = 0xbf | 0xffff
  { name: "digit 'D' at the limits", ev: { event: 15, end: true, volume: 63, duration: 65535 }, bytes: [0x0f, 0xbf, 0xff, 0xff] },
  // flash, end, 0 dBm0, 4000 units (500 ms): 0x10 | 0x80 | 0x0fa0
  { name: 'flash 500 ms end', ev: { event: 16, end: true, volume: 0, duration: 4000 }, bytes: [0x10, 0x80, 0x0f, 0xa0] },
  // '0' at 48 kHz after 50 ms (2400 units): 0x00 | 0x0a | 0x0960
  { name: "digit '0' at 48 kHz", ev: { event: 0, end: false, volume: 10, duration: 2400 }, bytes: [0x00, 0x0a, 0x09, 0x60] },
];

test('build produces the hand-computed bytes', () => {
  for (const { name, ev, bytes } of examples) {
    assert.deepEqual([...buildTelephoneEvent(ev)], bytes, name);
  }
});

test('parse recovers every field of the hand-computed bytes', () => {
  for (const { name, ev, bytes } of examples) {
    assert.deepEqual(parseTelephoneEvent(Uint8Array.from(bytes)), { ...ev, reserved: false }, name);
  }
});

test('write goes into the caller buffer at an offset and leaves the rest alone', () => {
  const buf = new Uint8Array(10).fill(0xee);
  const n = writeTelephoneEvent({ event: 9, end: true, volume: 20, duration: 0x1234 }, buf, 3);
  assert.equal(n, 4);
  assert.deepEqual([...buf], [0xee, 0xee, 0xee, 0x09, 0x94, 0x12, 0x34, 0xee, 0xee, 0xee]);
  const out = { event: -1, end: false, reserved: true, volume: -1, duration: -1 };
  const got = parseTelephoneEvent(buf, 3, out);
  assert.equal(got, out, 'fills the given object');
  assert.deepEqual(out, { event: 9, end: true, reserved: false, volume: 20, duration: 0x1234 });
});

test('the R bit is never sent and is reported but otherwise ignored on parse', () => {
  // 0xc5 = E=1, R=1, volume 5
  assert.deepEqual(parseTelephoneEvent(Uint8Array.from([0x03, 0xc5, 0x00, 0xa0])), {
    event: 3, end: true, reserved: true, volume: 5, duration: 160,
  });
  assert.equal(buildTelephoneEvent({ event: 3, end: true, volume: 63, duration: 0 })[1]! & 0x40, 0);
});

test('errors carry codes', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof TelephoneEventError);
      return e.code;
    }
    assert.fail('did not throw');
  };
  assert.equal(code(() => parseTelephoneEvent(Uint8Array.from([1, 2, 3]))), 'payload-too-short');
  assert.equal(code(() => parseTelephoneEvent(new Uint8Array(6), 3)), 'payload-too-short');
  assert.equal(code(() => writeTelephoneEvent({ event: 1, end: false, volume: 0, duration: 0 }, new Uint8Array(5), 2)), 'buffer-too-small');
  assert.equal(code(() => buildTelephoneEvent({ event: 256, end: false, volume: 0, duration: 0 })), 'event-out-of-range');
  assert.equal(code(() => buildTelephoneEvent({ event: 1, end: false, volume: 64, duration: 0 })), 'volume-out-of-range');
  assert.equal(code(() => buildTelephoneEvent({ event: 1, end: false, volume: 0, duration: 65536 })), 'duration-out-of-range');
  assert.equal(code(() => buildTelephoneEvent({ event: 1, end: false, volume: 0, duration: 1.5 })), 'duration-out-of-range');
  assert.equal(code(() => digitToEvent('E')), 'unknown-digit');
  assert.equal(code(() => digitToEvent('12')), 'unknown-digit');
});

test('digit and event codes map both ways (RFC 4733 §3.2 table)', () => {
  const expected: [string, number][] = [
    ['0', 0], ['1', 1], ['2', 2], ['3', 3], ['4', 4], ['5', 5], ['6', 6], ['7', 7], ['8', 8], ['9', 9],
    ['*', 10], ['#', 11], ['A', 12], ['B', 13], ['C', 14], ['D', 15], ['flash', 16],
  ];
  for (const [key, event] of expected) {
    assert.equal(digitToEvent(key), event, key);
    assert.equal(eventToDigit(event), key, String(event));
    assert.ok(isDtmfKey(key));
  }
  assert.equal(digitToEvent('c'), 14);
  assert.equal(eventToDigit(17), undefined);
  assert.equal(eventToDigit(-1), undefined);
  assert.equal(DTMF_DIGITS.length, 16);
  assert.equal(FLASH_EVENT, 16);
  assert.ok(!isDtmfKey('c'));
});
