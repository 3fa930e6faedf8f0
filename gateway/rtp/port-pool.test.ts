/**
 * RtpPortPool on 127.0.0.1: even/odd pairs, rotation, exhaustion, ports held by another socket,
 * release and reuse, OS-assigned mode, and no leaked sockets after 1000 allocate/release rounds.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { RtpError } from './errors.ts';
import { RtpPortPool } from './port-pool.ts';

/** A free stretch of `n` ports starting at an even port (probed by binding). */
async function freeRange(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 40000 + 2 * Math.floor(Math.random() * 10000);
    const pool = new RtpPortPool({ minPort: base, maxPort: base + n - 1 });
    try {
      const all = [];
      for (let i = 0; i < n / 2; i++) all.push(await pool.allocate());
      await pool.close();
      return base;
    } catch {
      await pool.close();
    }
  }
  throw new Error('no free port range');
}

/** Open UDP handles, after letting the loop's close phase free the ones already closed. */
async function udpSockets(): Promise<number> {
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
}

describe('RtpPortPool', () => {
  it('hands out even RTP ports with RTCP on the next odd port, in rotation', async () => {
    const base = await freeRange(6);
    const pool = new RtpPortPool({ minPort: base, maxPort: base + 5 });
    const a = await pool.allocate();
    const b = await pool.allocate();
    assert.equal(a.rtpPort, base);
    assert.equal(a.rtcpPort, base + 1);
    assert.equal(a.rtcpSocket!.address().port, base + 1);
    assert.equal(b.rtpPort, base + 2);
    await a.release();
    const c = await pool.allocate();
    assert.equal(c.rtpPort, base + 4, 'rotation: a just-released port is not reused first');
    const d = await pool.allocate();
    assert.equal(d.rtpPort, base, 'wraps round to the released pair');
    assert.deepEqual(
      { capacity: pool.getStats().capacity, allocated: pool.getStats().allocated, free: pool.getStats().free },
      { capacity: 3, allocated: 3, free: 0 },
    );
    await pool.close();
  });

  it('exhausting a tiny range gives a clear error; a release makes the pair usable again', async () => {
    const base = await freeRange(4);
    const pool = new RtpPortPool({ minPort: base, maxPort: base + 3 });
    const a = await pool.allocate();
    await pool.allocate();
    await assert.rejects(pool.allocate(), (e: unknown) => e instanceof RtpError && e.code === 'ports-exhausted' && /no free RTP port pair/.test(e.message));
    assert.equal(pool.getStats().exhausted, 1);
    await a.release();
    await a.release(); // idempotent
    const again = await pool.allocate();
    assert.equal(again.rtpPort, a.rtpPort);
    await pool.close();
  });

  it('skips ports another socket holds (EADDRINUSE), RTP or RTCP side', async () => {
    const base = await freeRange(6);
    const squatter = createSocket('udp4');
    await new Promise<void>((r) => squatter.bind(base + 1, '127.0.0.1', () => r())); // RTCP of the first pair
    const pool = new RtpPortPool({ minPort: base, maxPort: base + 5 });
    const a = await pool.allocate();
    assert.equal(a.rtpPort, base + 2);
    assert.equal(pool.getStats().inUseSkips, 1);
    await pool.close();
    await new Promise<void>((r) => squatter.close(() => r()));
  });

  it('allocates without RTCP when asked, and with an odd minimum starts at the next even port', async () => {
    const base = await freeRange(4);
    const pool = new RtpPortPool({ minPort: base + 1, maxPort: base + 3 });
    const a = await pool.allocate({ rtcp: false });
    assert.equal(a.rtpPort, base + 2);
    assert.equal(a.rtcpSocket, null);
    await pool.close();
  });

  it('OS-assigned mode (0/0) still gives an even/odd pair', async () => {
    const pool = new RtpPortPool();
    const a = await pool.allocate();
    assert.equal(a.rtpPort % 2, 0);
    assert.equal(a.rtcpSocket!.address().port, a.rtpPort + 1);
    assert.equal(pool.getStats().mode, 'os');
    await pool.close();
  });

  it('rejects a bad range', () => {
    assert.throws(() => new RtpPortPool({ minPort: 20000, maxPort: 10000 }), (e: unknown) => e instanceof RtpError && e.code === 'bad-options');
    assert.throws(() => new RtpPortPool({ minPort: 20001, maxPort: 20001 }), (e: unknown) => e instanceof RtpError && e.code === 'bad-options');
    assert.throws(() => new RtpPortPool({ bindAddress: 'localhost' }), (e: unknown) => e instanceof RtpError);
  });

  it('1000 allocate/release rounds leak no socket and no port', async () => {
    const base = await freeRange(8);
    const before = await udpSockets();
    const pool = new RtpPortPool({ minPort: base, maxPort: base + 7 });
    for (let i = 0; i < 1000; i++) {
      const a = await pool.allocate();
      const b = await pool.allocate();
      await Promise.all([a.release(), b.release()]);
    }
    const stats = pool.getStats();
    assert.equal(stats.allocated, 0);
    assert.equal(stats.free, 4);
    assert.equal(stats.allocations, 2000);
    assert.equal(await udpSockets(), before);
    // and every port of the range binds again
    const all = await Promise.all([pool.allocate(), pool.allocate(), pool.allocate(), pool.allocate()]);
    assert.deepEqual(all.map((a) => a.rtpPort).sort(), [base, base + 2, base + 4, base + 6]);
    await pool.close();
    assert.equal(await udpSockets(), before);
  });
});
