import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dlsrToMs,
  msToDlsr,
  ntpFromUnixMs,
  ntpMiddle32,
  ntpMiddle32FromUnixMs,
  ntpToUnixMs,
  NTP_UNIX_OFFSET_SECONDS,
  rttFromReport,
} from './ntp.ts';

test('Unix ms ↔ NTP seconds/fraction', () => {
  assert.deepEqual(ntpFromUnixMs(0), { seconds: NTP_UNIX_OFFSET_SECONDS, fraction: 0 });
  assert.deepEqual(ntpFromUnixMs(1500), { seconds: NTP_UNIX_OFFSET_SECONDS + 1, fraction: 0x80000000 });
  const t = Date.UTC(2024, 5, 1, 12, 0, 0, 250);
  const n = ntpFromUnixMs(t);
  assert.equal(n.fraction, 0x40000000);
  assert.equal(ntpToUnixMs(n.seconds, n.fraction), t);
  // After 2036 the seconds wrap (era 1) and still read back.
  const t2 = Date.UTC(2040, 0, 1, 0, 0, 0, 0);
  const n2 = ntpFromUnixMs(t2);
  assert.ok(n2.seconds < 0x80000000);
  assert.equal(ntpToUnixMs(n2.seconds, n2.fraction), t2);
  // Filling a caller object.
  const out = { seconds: 0, fraction: 0 };
  assert.equal(ntpFromUnixMs(1500, out), out);
});

test('middle 32 bits', () => {
  assert.equal(ntpMiddle32(0x12345678, 0x9abcdef0), 0x56789abc);
  const t = 1_700_000_000_500;
  const n = ntpFromUnixMs(t);
  assert.equal(ntpMiddle32FromUnixMs(t), ntpMiddle32(n.seconds, n.fraction));
});

test('DLSR units and round-trip time from a report block', () => {
  assert.equal(msToDlsr(1000), 65536);
  assert.equal(msToDlsr(-5), 0);
  assert.equal(dlsrToMs(32768), 500);
  // We sent an SR at t=10 000 ms; the peer held it 250 ms; its RR reached us at t=10 330 ms.
  const lsr = ntpMiddle32FromUnixMs(1_700_000_010_000);
  const arrival = ntpMiddle32FromUnixMs(1_700_000_010_330);
  const rtt = rttFromReport(arrival, lsr, msToDlsr(250))!;
  assert.ok(Math.abs(rtt - 80) < 0.05, `rtt ${rtt}`);
  // Across the 16-bit seconds wrap of the middle word.
  const lsrWrap = 0xffff_f000;
  const rttWrap = rttFromReport((lsrWrap + 0x2000) >>> 0, lsrWrap, 0x1000)!;
  assert.equal(rttWrap, dlsrToMs(0x1000));
  assert.equal(rttFromReport(arrival, 0, 0), null);
  assert.equal(rttFromReport(lsr, arrival, 0), null);
});
