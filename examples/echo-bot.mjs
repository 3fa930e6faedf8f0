// Echo bot: answers every call for a bot, echoes the caller's audio back, hangs up on '#'.
// GATEWAY=http://127.0.0.1:8080 API_KEY=secret PORT=3000 node echo-bot.mjs   (gateway webhook.url: http://127.0.0.1:3000)
import { createServer } from 'node:http';
import WebSocket from 'ws';

const { GATEWAY = 'http://127.0.0.1:8080', API_KEY = '', HOST = '127.0.0.1', PORT = '3000' } = process.env;
const headers = { Authorization: `Bearer ${API_KEY}` };

createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    if (!req.url.endsWith('/incoming')) return res.end(); // lifecycle events (call.answered, call.dtmf, call.ended…): 200
    const { call_id } = JSON.parse(body);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ action: 'accept', stream: true }));
    const ws = new WebSocket(`${GATEWAY.replace(/^http/, 'ws')}/ws/${call_id}?mode=native&sample_rate=16000`, { headers });
    ws.on('error', (err) => console.error(`call ${call_id}: ${err.message}`));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.send(data); // native mode: one frame of the caller's audio; sent back as is = echo
      const msg = JSON.parse(data); // connected, start, dtmf, mark, error, stop
      if (msg.event === 'dtmf' && msg.dtmf.digit === '#') fetch(`${GATEWAY}/v1/calls/${call_id}`, { method: 'DELETE', headers });
    });
  });
}).listen(Number(PORT), HOST);
