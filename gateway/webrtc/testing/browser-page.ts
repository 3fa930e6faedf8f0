/**
 * Test helper: the browser side of a WebRTC call, as page script. One RTCPeerConnection with
 * `iceServers: []`, the fake microphone (a WAV file via Chromium flags), non-trickle SDP exchange
 * (wait for gathering, like JsSIP), and a WebAudio AnalyserNode on the remote track to measure
 * what the browser hears. Exposed on `window.pb`; the Node side drives it with `page.evaluate`.
 */

/** The page served to Chromium. */
export const BROWSER_PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>patchbay webrtc test</title></head>
<body><script>
'use strict';
const pb = (window.pb = {});
let pc, ctx, analyser, sender, audioEl;
const toneEvents = [];

function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => pc.addEventListener('icegatheringstatechange', () => {
    if (pc.iceGatheringState === 'complete') resolve();
  }));
}

pb.setup = async () => {
  if (pc) pc.close();
  pc = new RTCPeerConnection({ iceServers: [] });
  const mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  sender = pc.addTrack(mic.getAudioTracks()[0], mic);
  ctx = ctx || new AudioContext({ sampleRate: 48000 });
  await ctx.resume();
  pc.ontrack = (ev) => {
    const stream = ev.streams[0] || new MediaStream([ev.track]);
    // Chrome only pulls remote WebRTC audio into WebAudio when the stream also plays in an element.
    audioEl = new Audio();
    audioEl.muted = true;
    audioEl.srcObject = stream;
    audioEl.play().catch(() => {});
    const src = ctx.createMediaStreamSource(stream);
    analyser = ctx.createAnalyser();
    analyser.fftSize = 8192;
    analyser.smoothingTimeConstant = 0;
    src.connect(analyser);
  };
  pc.onconnectionstatechange = () => { pb.connectionState = pc.connectionState; };
  return ctx.state;
};

pb.offer = async () => {
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  return pc.localDescription.sdp;
};

pb.acceptAnswer = async (sdp) => { await pc.setRemoteDescription({ type: 'answer', sdp }); };

pb.answer = async (sdp) => {
  await pc.setRemoteDescription({ type: 'offer', sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  return pc.localDescription.sdp;
};

/** Re-offer with our transceiver's direction set to dir (hold: 'sendonly'). */
pb.reoffer = async (dir) => {
  pc.getTransceivers()[0].direction = dir;
  return pb.offer();
};

pb.waitConnected = () => new Promise((resolve, reject) => {
  const check = () => {
    if (pc.connectionState === 'connected') resolve('connected');
    else if (pc.connectionState === 'failed') reject(new Error('browser pc failed'));
  };
  pc.addEventListener('connectionstatechange', check);
  check();
});

pb.insertDtmf = (tones, duration, gap) => {
  sender.dtmf.ontonechange = (e) => toneEvents.push(e.tone);
  sender.dtmf.insertDTMF(tones, duration, gap);
};
pb.dtmfDone = () => new Promise((resolve) => {
  const check = () => (sender.dtmf.toneBuffer === '' ? resolve(toneEvents.slice()) : setTimeout(check, 50));
  check();
});

/**
 * Listen for ms: average the analyser's power spectrum and report, per asked frequency, its level
 * in dB above the median bin (noise floor), plus the strongest frequency heard.
 */
pb.listen = async (ms, freqs) => {
  if (!analyser) throw new Error('no remote track yet');
  const bins = analyser.frequencyBinCount;
  const sum = new Float64Array(bins);
  const frame = new Float32Array(bins);
  let frames = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    analyser.getFloatFrequencyData(frame);
    for (let i = 0; i < bins; i++) sum[i] += Math.pow(10, frame[i] / 10);
    frames++;
  }
  const db = Array.from(sum, (p) => 10 * Math.log10(p / frames + 1e-30));
  const hz = ctx.sampleRate / analyser.fftSize;
  const sorted = db.slice(0, Math.floor(4000 / hz)).sort((a, b) => a - b);
  const floor = sorted[Math.floor(sorted.length / 2)];
  const at = (f) => { const i = Math.round(f / hz); return Math.max(db[i - 1], db[i], db[i + 1]) - floor; };
  let peak = 1;
  for (let i = 1; i < Math.floor(4000 / hz); i++) if (db[i] > db[peak]) peak = i;
  return { levels: freqs.map(at), peakHz: peak * hz, peakDb: db[peak] - floor, floorDb: floor };
};

pb.stats = async () => {
  const out = {};
  (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' || s.type === 'outbound-rtp') out[s.type] = s; });
  return out;
};

pb.close = () => { pc.close(); return pc.connectionState; };
</script></body></html>`;
