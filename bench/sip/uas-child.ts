/**
 * The UAS under test for bench/sip, run as its own process (pinned to one core by the parent):
 * a SipStack on 127.0.0.1:<port> answering every INVITE with 180 and 200 + SDP answer (no
 * media), 2xx retransmission and BYE handling included. Talks to the parent over IPC: sends
 * { ready } once listening, answers { cmd: 'cpu' } with its process.cpuUsage() in µs.
 */
import { SipStack } from '../../gateway/sip/stack/index.ts';
import { CallAnswerer } from '../../testing/sip-answerer.ts';

const port = Number(process.argv[2]);
const stack = await SipStack.start({ listen: { host: '127.0.0.1', port }, ws: false });
const answerer = new CallAnswerer(stack.ua);

process.on('message', (msg: { cmd?: string }) => {
  if (msg.cmd === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpu: user + system, counts: answerer.counts });
  } else if (msg.cmd === 'stop') {
    void stack.close().then(() => process.exit(0));
  }
});
process.send?.({ ready: true });
