/**
 * The SipStack against real sipp (Debian sip-tester) on loopback, without loss: sipp's built-in
 * uac calling our UAS over UDP (200 calls at 50 cps) and TCP (100 calls), our UAC calling sipp's
 * built-in uas (100 calls), OPTIONS from sipp answered, DTMF in INFO from sipp seen as 'dtmf'
 * events, and our OPTIONS keepalive toward a sipp responder going up, then down when it stops.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, freePorts } from '../../../testing/free-port.ts';
import { CallAnswerer } from '../../../testing/sip-answerer.ts';
import { placeCalls } from '../../../testing/sip-caller.ts';
import { runSipp } from '../../../testing/sipp.ts';
import { infoDtmfCallXml, optionsPingXml, optionsResponderXml } from '../../../testing/sipp-scenarios.ts';
import { SipStack } from './sip-stack.ts';

let stack: SipStack;
let answerer: CallAnswerer;
let port = 0;

before(async () => {
  port = await freePort();
  stack = await SipStack.start({ listen: { host: '127.0.0.1', port } });
  answerer = new CallAnswerer(stack.ua);
});

after(async () => {
  await stack.close();
});

describe('sipp ⇄ SipStack', () => {
  it('sipp uac → our UAS over UDP: 200 calls at 50 cps, none failed', async () => {
    const before = { ...answerer.counts };
    const r = await runSipp({ scenario: 'uac', remote: `127.0.0.1:${port}`, localPort: await freePort(), args: ['-s', '1001', '-m', '200', '-r', '50', '-l', '100', '-d', '200'] });
    console.log(`sipp uac → our UAS (UDP): ${r.successful} successful, ${r.failed} failed`);
    assert.equal(r.failed, 0, r.output.slice(-2000));
    assert.equal(r.successful, 200);
    assert.equal(r.exitCode, 0);
    assert.equal(answerer.counts.answered - before.answered, 200);
    assert.equal(answerer.counts.byes - before.byes, 200);
  });

  it('sipp uac → our UAS over TCP (-t t1): 100 calls, none failed', async () => {
    const r = await runSipp({ scenario: 'uac', remote: `127.0.0.1:${port}`, localPort: await freePort(), args: ['-t', 't1', '-s', '1001', '-m', '100', '-r', '50', '-d', '100'] });
    console.log(`sipp uac → our UAS (TCP): ${r.successful} successful, ${r.failed} failed`);
    assert.equal(r.failed, 0, r.output.slice(-2000));
    assert.equal(r.successful, 100);
  });

  it('our UAC → sipp uas: 100 calls with BYE, all complete on both sides', async () => {
    const uasPort = await freePort();
    const uas = runSipp({ scenario: 'uas', localPort: uasPort, args: ['-m', '100'] });
    await new Promise((r) => setTimeout(r, 200));
    const ours = await placeCalls(stack.ua, { target: `sip:service@127.0.0.1:${uasPort}`, count: 100, rate: 50 });
    const theirs = await uas;
    console.log(`our UAC → sipp uas: ${ours.completed} completed, ${ours.failed} failed; sipp uas: ${theirs.successful} successful, ${theirs.failed} failed`);
    assert.deepEqual(ours, { completed: 100, failed: 0, unfinished: 0, statuses: {}, incomplete: [] });
    assert.equal(theirs.successful, 100);
    assert.equal(theirs.failed, 0);
  });

  it('answers OPTIONS from sipp with 200', async () => {
    const r = await runSipp({ scenarioXml: optionsPingXml(), remote: `127.0.0.1:${port}`, localPort: await freePort(), args: ['-s', 'ping', '-m', '3'] });
    assert.equal(r.successful, 3, r.output.slice(-2000));
    assert.equal(r.failed, 0);
  });

  it('reports DTMF sent by sipp in INFO (application/dtmf-relay) as dtmf events', async () => {
    const digits: string[] = [];
    const onDtmf = (_d: unknown, e: { digit: string }) => digits.push(e.digit);
    answerer.on('dtmf', onDtmf);
    const r = await runSipp({ scenarioXml: infoDtmfCallXml('15#*'), remote: `127.0.0.1:${port}`, localPort: await freePort(), args: ['-s', '1001', '-m', '1'] });
    answerer.off('dtmf', onDtmf);
    assert.equal(r.successful, 1, r.output.slice(-2000));
    assert.deepEqual(digits, ['1', '5', '#', '*']);
  });

  it('keeps a sipp peer alive with OPTIONS: up while it answers, down once it is gone', async () => {
    const [peerPort] = await freePorts(1);
    let stopPeer = () => {};
    const peer = runSipp({ scenarioXml: optionsResponderXml(), localPort: peerPort!, onSpawn: (kill) => (stopPeer = kill) });
    await new Promise((r) => setTimeout(r, 200));
    const pinger = await SipStack.start({ peers: [{ name: 'sipp', host: '127.0.0.1', port: peerPort }], keepaliveIntervalMs: 200, timers: { t1: 50 } });
    try {
      const states: string[] = [];
      const seen = (state: string) =>
        new Promise<void>((resolve) => {
          const check = () => {
            if (states.includes(state)) {
              pinger.off('peer', onPeer);
              resolve();
            }
          };
          const onPeer = (s: { state: string }) => {
            states.push(s.state);
            check();
          };
          pinger.on('peer', onPeer);
          check();
        });
      await seen('up');
      stopPeer();
      const result = await peer;
      await seen('down');
      assert.deepEqual(states, ['up', 'down']);
      assert.ok(result.successful >= 1, 'sipp answered at least one OPTIONS');
    } finally {
      await pinger.close();
    }
  });
});
