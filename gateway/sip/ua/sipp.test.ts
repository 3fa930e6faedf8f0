/**
 * Interop with real sipp (Debian sip-tester) over UDP on 127.0.0.1: our UAC calls sipp's built-in
 * `uas` scenario 20 times (INVITE/180/200/ACK/BYE) and 100 times with sipp losing 5 % of its
 * messages (`-lost 5`); sipp's `uac` calls our auto-answering UAS 20 times, and 200 times with
 * `-lost 5`. With loss at least 99.5 % of the calls must complete — our retransmissions (timers
 * A and E, the 2xx until ACK, answers to retransmitted requests) have to make up for it.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TransactionLayer } from '../transaction/index.ts';
import { TransportLayer } from '../transport/index.ts';
import { freePort } from '../../../testing/free-port.ts';
import { runSipp } from '../../../testing/sipp.ts';
import { UserAgent } from './user-agent.ts';

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7078 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

const closers: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

async function agent(port: number) {
  const transport = new TransportLayer();
  await transport.listen({ udp: { host: '127.0.0.1', port } });
  const transactions = new TransactionLayer(transport);
  const ua = new UserAgent({ transactions, transport, contact: { user: 'patchbay' } });
  closers.push(async () => {
    ua.close();
    transactions.close();
    await transport.close();
  });
  return ua;
}

/** Our UAS: answer every call with 200 + SDP; BYE is handled by the dialog. */
function autoAnswer(ua: UserAgent): { answered: () => number; ended: () => number } {
  let answered = 0;
  let ended = 0;
  ua.on('invite', (call) => {
    call.progress(180);
    call.accept(SDP).then(
      (dialog) => {
        answered++;
        dialog.once('terminated', () => ended++);
      },
      () => undefined, // the ACK was lost and sipp's BYE came first: the dialog still ended cleanly
    );
  });
  return { answered: () => answered, ended: () => ended };
}

describe('sipp interop over UDP', () => {
  it('our UAC → sipp uas: 20 calls complete', { timeout: 120_000 }, async () => {
    const [ourPort, sippPort] = [await freePort(), await freePort()];
    const ua = await agent(ourPort);
    const sipp = runSipp({ scenario: 'uas', localPort: sippPort, args: ['-m', '20'], timeoutMs: 100_000 });
    let completed = 0;
    for (let i = 0; i < 20; i++) {
      const call = ua.invite({ target: `sip:service@127.0.0.1:${sippPort}`, from: `sip:patchbay@127.0.0.1:${ourPort}`, sdp: SDP });
      const dialog = await call.result();
      assert.match(dialog.remoteSdp ?? '', /m=audio/);
      const bye = await dialog.bye();
      assert.equal(bye?.status, 200);
      completed++;
    }
    const result = await sipp;
    assert.equal(completed, 20);
    assert.equal(result.successful, 20, result.output);
    assert.equal(result.failed, 0, result.output);
    assert.equal(result.exitCode, 0, result.output);
  });

  it('our UAC → sipp uas with -lost 5: at least 99.5 % of 100 calls complete', { timeout: 240_000 }, async () => {
    const [ourPort, sippPort] = [await freePort(), await freePort()];
    const ua = await agent(ourPort);
    const calls = 100;
    const sipp = runSipp({ scenario: 'uas', localPort: sippPort, args: ['-m', String(calls), '-lost', '5'], timeoutMs: 220_000 });
    let completed = 0;
    const one = async () => {
      try {
        const dialog = await ua.invite({ target: `sip:service@127.0.0.1:${sippPort}`, sdp: SDP }).result();
        if ((await dialog.bye())?.status === 200) completed++;
      } catch {
        /* counted as not completed */
      }
    };
    for (let i = 0; i < calls; i += 10) await Promise.all(Array.from({ length: 10 }, one));
    const result = await sipp;
    assert.ok(completed / calls >= 0.995, `we completed ${completed}/${calls}`);
    assert.ok(result.successful / calls >= 0.995, `sipp completed ${result.successful}/${calls}\n${result.output}`);
  });

  it('sipp uac → our UAS: 20 calls complete', { timeout: 120_000 }, async () => {
    const [ourPort, sippPort] = [await freePort(), await freePort()];
    const ua = await agent(ourPort);
    const counts = autoAnswer(ua);
    const result = await runSipp({ scenario: 'uac', remote: `127.0.0.1:${ourPort}`, localPort: sippPort, args: ['-m', '20', '-r', '20'], timeoutMs: 100_000 });
    assert.equal(result.successful, 20, result.output);
    assert.equal(result.failed, 0, result.output);
    assert.equal(result.exitCode, 0, result.output);
    assert.equal(counts.answered(), 20);
    assert.equal(counts.ended(), 20);
  });

  it('sipp uac with -lost 5 → our UAS: at least 99.5 % of 200 calls complete', { timeout: 240_000 }, async () => {
    const [ourPort, sippPort] = [await freePort(), await freePort()];
    const ua = await agent(ourPort);
    autoAnswer(ua);
    const calls = 200;
    const result = await runSipp({
      scenario: 'uac',
      remote: `127.0.0.1:${ourPort}`,
      localPort: sippPort,
      args: ['-m', String(calls), '-r', '50', '-lost', '5'],
      timeoutMs: 220_000,
    });
    const rate = result.successful / calls;
    assert.ok(rate >= 0.995, `completed ${result.successful}/${calls} (failed ${result.failed})\n${result.output}`);
  });
});
