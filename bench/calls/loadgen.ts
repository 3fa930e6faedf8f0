/**
 * The benchmark's load generator, a child process of bench/calls/index.ts (so its CPU is counted
 * apart from the gateway's): N werift WebRTC clients (gateway/webrtc's WebRtcLeg as the offerer,
 * signalling over SIP-over-WebSocket with the lean WsSipUser) calling `sink<i>` through the
 * gateway, and the RtpSink answering on the SIP side. One media clock sends a 20 ms frame per
 * call each way: pre-encoded Opus (1 kHz tone; transcode runs) or PCMU (passthrough runs).
 * Driven over IPC: ready → connect → resize(n) … → counters → stop.
 */
import { MediaClock } from '../../media/clock.ts';
import { OpusEncoder } from '../../media/codecs/opus.ts';
import { ulawEncode } from '../../media/codecs/g711.ts';
import { ToneGenerator } from '../../media/tone.ts';
import { WebRtcLeg } from '../../gateway/webrtc/index.ts';
import { RtpSink } from './rtp-sink.ts';
import { WsSipUser, type WsCall } from './ws-uac.ts';
import { benchUser, type LoadgenReply, type LoadgenRequest, type Mode } from './protocol.ts';

interface ClientCall {
  leg: WebRtcLeg;
  user: WsSipUser;
  call: WsCall;
  timestamp: number;
}

const send = (m: LoadgenReply) => process.send!(m);

/** One second of payloads to loop: Opus at 48 kHz or PCMU at 8 kHz, 20 ms each. */
function payloads(mode: Mode): Uint8Array[] {
  const rate = mode === 'transcode' ? 48000 : 8000;
  const tone = new ToneGenerator({ frequency: 1000, sampleRate: rate, dbfs: -10 });
  const pcm = new Int16Array(rate / 50);
  const encoder = mode === 'transcode' ? new OpusEncoder({ sampleRate: 48000 }) : undefined;
  const out: Uint8Array[] = [];
  for (let i = 0; i < 50; i++) {
    tone.fill(pcm);
    const buf = new Uint8Array(1500);
    const n = encoder ? encoder.encode(pcm, buf) : ulawEncode(pcm, buf);
    out.push(buf.slice(0, n));
  }
  encoder?.close();
  return out;
}

const sink = await RtpSink.start();
const calls: ClientCall[] = [];
const clock = new MediaClock();
let frames: Uint8Array[] = [];
let frameIndex = 0;
let clientSent = 0;
let clientReceived = 0;
let failed = 0;
const errors: string[] = [];
let wsUrl = '';
let mode: Mode = 'transcode';

clock.subscribe(() => {
  const payload = frames[frameIndex++ % frames.length]!;
  const step = mode === 'transcode' ? 960 : 160;
  const codec = mode === 'transcode' ? 'opus' : 'PCMU';
  for (const c of calls) {
    c.timestamp = (c.timestamp + step) >>> 0;
    if (c.leg.sendRtp(payload, { codec, timestamp: c.timestamp })) clientSent++;
  }
  sink.tick();
});

async function placeCall(i: number): Promise<void> {
  const { username, password } = benchUser(i);
  const user = await WsSipUser.connect(wsUrl, username, password);
  const leg = new WebRtcLeg({ codecs: [mode === 'transcode' ? 'opus' : 'PCMU'], silenceTimeoutMs: 0, connectTimeoutMs: 10_000 });
  try {
    await user.register();
    const connected = new Promise<void>((resolve, reject) => {
      leg.once('connected', () => resolve());
      leg.once('failed', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
    });
    const call = await user.invite(`sink${i}`, await leg.createOffer());
    await leg.applyAnswer(call.answer);
    await connected;
    leg.on('rtp', () => clientReceived++);
    calls.push({ leg, user, call, timestamp: (Math.random() * 2 ** 31) >>> 0 });
  } catch (err) {
    leg.close();
    user.close();
    throw err;
  }
}

let nextIndex = 0;

/** Places calls until `n` are up (a few at a time, like users arriving); gives up after 10 failures. */
async function grow(n: number, concurrency = 8): Promise<void> {
  let inFlight = 0;
  let failures = 0;
  const worker = async () => {
    while (calls.length + inFlight < n && failures < 10) {
      inFlight++;
      try {
        await placeCall(nextIndex++);
      } catch (err) {
        failures++;
        failed++;
        if (errors.length < 5) errors.push((err as Error).message);
      } finally {
        inFlight--;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Hangs up the newest calls until `n` are left. */
async function shrink(n: number): Promise<void> {
  const gone = calls.splice(n);
  await Promise.all(gone.map((c) => c.call.bye().catch(() => undefined)));
  for (const c of gone) {
    c.leg.close();
    c.user.close();
  }
}

async function stop(): Promise<void> {
  clock.stop();
  await Promise.all(calls.map((c) => c.call.bye().catch(() => undefined)));
  for (const c of calls) {
    c.leg.close();
    c.user.close();
  }
  await sink.close();
}

process.on('message', (m: LoadgenRequest) => {
  void (async () => {
    switch (m.type) {
      case 'connect':
        wsUrl = m.wsUrl;
        mode = m.mode;
        frames = payloads(mode);
        clock.start();
        send({ type: 'connected' });
        break;
      case 'resize':
        if (m.calls > calls.length) await grow(m.calls);
        else await shrink(m.calls);
        send({ type: 'resized', calls: calls.length, failed, errors: errors.splice(0) });
        break;
      case 'counters':
        send({ type: 'counters', clientSent, clientReceived, sink: sink.totals(), lateness: clock.getStats().lateness.p99Ms, calls: calls.length });
        break;
      case 'stop':
        await stop();
        send({ type: 'stopped' });
        process.exit(0);
    }
  })().catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
});

send({ type: 'ready', sinkPort: sink.port });
