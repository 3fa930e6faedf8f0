/**
 * CPU per WebRTC leg for a relayed audio stream: N pairs of WebRtcLegs on loopback (werift ⇄
 * werift, DTLS-SRTP), one shared 20 ms clock making each offerer send a 160-byte payload
 * (PCMU-sized, 50 pkt/s), each answerer echoing every packet back through `sendRtp` — so every
 * leg receives and sends 50 pkt/s, as a leg of a passthrough call does. Prints process CPU over
 * the measured window per leg and per packet. Figures only; nothing passes or fails on time.
 *
 *   npx tsx bench/webrtc/index.ts [pairs=10] [seconds=10]
 */
import { WebRtcLeg } from '../../gateway/webrtc/index.ts';

const pairs = Number(process.argv[2] ?? 10);
const seconds = Number(process.argv[3] ?? 10);
const WARMUP_S = 2;

async function connectPair(): Promise<[WebRtcLeg, WebRtcLeg]> {
  const a = new WebRtcLeg({ codecs: ['PCMU'] });
  const b = new WebRtcLeg({ codecs: ['PCMU'] });
  const up = Promise.all([new Promise<void>((r) => a.once('connected', () => r())), new Promise<void>((r) => b.once('connected', () => r()))]);
  await a.applyAnswer(await b.answer(await a.createOffer()));
  await up;
  b.on('rtp', (p) => b.sendRtp(p.payload, { payloadType: p.payloadType, timestamp: p.timestamp, marker: p.marker }));
  return [a, b];
}

const legs: [WebRtcLeg, WebRtcLeg][] = [];
for (let i = 0; i < pairs; i++) legs.push(await connectPair());

let echoed = 0;
for (const [a] of legs) a.on('rtp', () => echoed++);

const payload = Buffer.alloc(160, 0xff);
let ts = 0;
let sent = 0;
const clock = setInterval(() => {
  ts += 160;
  for (const [a] of legs) if (a.sendRtp(payload, { timestamp: ts })) sent++;
}, 20);

await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
const echoedBefore = echoed;
const sentBefore = sent;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - t0;
const echoedDuring = echoed - echoedBefore;
const sentDuring = sent - sentBefore;
clearInterval(clock);

const cpuMs = (cpu.user + cpu.system) / 1000;
const legCount = pairs * 2;
const corePct = (100 * cpuMs) / wallMs;
const perLegPct = corePct / legCount;
// Each echoed packet crossed 2 legs' send and 2 legs' receive paths.
const packetsHandled = echoedDuring * 4;
console.log(`webrtc legs: ${pairs} pairs (${legCount} legs), each leg 50 pkt/s in + 50 pkt/s out, ${seconds} s measured`);
console.log(`  packets sent by offerers ${sentDuring} (${((sentDuring / (pairs * seconds * 50)) * 100).toFixed(1)} % of the nominal 50 pkt/s; the shared timer slips under load)`);
console.log(`  echoes back            ${echoedDuring} (${((echoedDuring / sentDuring) * 100).toFixed(1)} % of sent)`);
console.log(`  process CPU            ${cpuMs.toFixed(0)} ms over ${wallMs.toFixed(0)} ms = ${corePct.toFixed(1)} % of a core`);
console.log(`  per leg                ${perLegPct.toFixed(2)} % of a core  → ≈${Math.floor(100 / perLegPct)} legs per core`);
console.log(`  per packet (send+recv) ${((cpuMs * 1000) / packetsHandled).toFixed(1)} µs`);

for (const [a, b] of legs) {
  a.close();
  b.close();
}
await Promise.all(legs.flat().map((l) => l.released));
