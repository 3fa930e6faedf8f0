/**
 * The bots of the stream capacity bench, in their own process so the gateway process measures only
 * the gateway. Driven over IPC by bench/streams/capacity.ts:
 *
 * - `{ cmd: 'connect', port, count, mode, sampleRate }`: open `count` WebSockets to
 *   ws://127.0.0.1:<port>/ws/bench-<i>; once each has its `start`, every socket sends one 20 ms
 *   frame every 20 ms (a bot streaming TTS at realtime) from one drift-free timer; replies `{ ready }`.
 * - `{ cmd: 'report' }`: replies `{ sent, received, cpuMs }`.
 * - `{ cmd: 'close' }`: drops the sockets; replies `{ closed }`. `{ cmd: 'exit' }` ends the process.
 */
import { WebSocket } from 'ws';

interface Bot {
  ws: WebSocket;
  message: string | undefined;
}

let bots: Bot[] = [];
let timer: NodeJS.Timeout | undefined;
let sent = 0;
let received = 0;

async function connect(port: number, count: number, mode: string, sampleRate: number): Promise<void> {
  const native = mode === 'native';
  const frameBytes = native || sampleRate !== 8000 ? (sampleRate / 50) * 2 : 160;
  const payload = Buffer.alloc(frameBytes, native ? 0 : 0xff).toString('base64');
  const binary = Buffer.alloc(3 + frameBytes);
  binary[0] = 1;
  binary.writeUInt16BE(frameBytes, 1);
  const opened = Array.from({ length: count }, (_, i) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/bench-${i}?mode=${mode}&sample_rate=${sampleRate}`, { perMessageDeflate: false });
    const bot: Bot = { ws, message: undefined };
    bots.push(bot);
    return new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (data, isBinary) => {
        received++;
        if (isBinary || bot.message !== undefined) return;
        const m = JSON.parse(String(data));
        if (m.event !== 'start') return;
        bot.message = JSON.stringify({ event: 'media', streamSid: m.streamSid, media: { payload } });
        resolve();
      });
    });
  });
  await Promise.all(opened);
  const t0 = performance.now();
  let n = 0;
  const pump = (): void => {
    n++;
    for (const bot of bots) {
      if (bot.ws.readyState !== WebSocket.OPEN) continue;
      if (native) bot.ws.send(binary, { binary: true });
      else bot.ws.send(bot.message!);
      sent++;
    }
    timer = setTimeout(pump, Math.max(0, t0 + (n + 1) * 20 - performance.now()));
  };
  pump();
}

process.on('message', async (msg: { cmd: string; port: number; count: number; mode: string; sampleRate: number }) => {
  switch (msg.cmd) {
    case 'connect':
      await connect(msg.port, msg.count, msg.mode, msg.sampleRate);
      process.send?.({ ready: true });
      break;
    case 'report': {
      const cpu = process.cpuUsage();
      process.send?.({ sent, received, cpuMs: (cpu.user + cpu.system) / 1000 });
      break;
    }
    case 'close':
      clearTimeout(timer);
      for (const b of bots) b.ws.terminate();
      bots = [];
      process.send?.({ closed: true });
      break;
    case 'exit':
      process.exit(0);
  }
});
process.send?.({ up: true });
