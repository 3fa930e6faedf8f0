/**
 * SendRing: why it exists (dgram.send does not copy — a buffer rewritten at once goes out with
 * the new bytes) and that datagrams written through the ring leave with their own contents, also
 * when more are in flight than the ring holds (fresh buffers, counted).
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { describe, it } from 'node:test';
import { SendRing } from './send-ring.ts';

function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((r) => s.bind(0, '127.0.0.1', () => r(s)));
}

/** First bytes of the first `n` datagrams a fresh socket receives after `send(itsPort)`. */
async function collect(n: number, send: (port: number) => void): Promise<number[]> {
  const b = await bound();
  const got: number[] = [];
  const done = new Promise<void>((r) => b.on('message', (m) => got.push(m[0]!) === n && r()));
  send(b.address().port);
  await done;
  b.close();
  return got;
}

describe('SendRing', () => {
  it('a buffer reused at once would be sent with the new contents (the reason for the ring)', async () => {
    const [a, b] = [await bound(), await bound()];
    const got: number[] = [];
    const done = new Promise<void>((r) => b.on('message', (m) => got.push(m[0]!) === 3 && r()));
    const buf = Buffer.alloc(8);
    for (let i = 0; i < 3; i++) {
      buf[0] = i;
      a.send(buf, 0, 8, b.address().port, '127.0.0.1');
    }
    await done;
    assert.deepEqual(got, [2, 2, 2]);
    a.close();
    b.close();
  });

  it('sends each datagram with its own bytes, falling back to fresh buffers when full', async () => {
    const ring = new SendRing(4, 64);
    const a = await bound();
    const got = await collect(10, (port) => {
      for (let i = 0; i < 10; i++) {
        const buf = ring.acquire();
        buf[0] = i;
        ring.send(a, buf, 8, port, '127.0.0.1');
      }
    });
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(ring.fallbacks, 6);
    assert.equal(ring.inFlight, 0);
    a.close();
  });
});
