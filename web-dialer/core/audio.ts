/**
 * Browser audio around a call: one shared AudioContext; level meters (RMS of a stream, 0..1 on a
 * −60…0 dBFS scale) for the microphone and for what the person hears; generated tones — the
 * incoming-call ring, the ringback while the far end rings, key clicks for DTMF — so no sound
 * files are fetched; and device lists for the microphone and speaker pickers.
 */

let shared: AudioContext | undefined;

/** The page's AudioContext (created on first use; resumed on each call, which a click allows). */
export function audioContext(): AudioContext {
  shared ??= new AudioContext({ latencyHint: 'interactive' });
  if (shared.state === 'suspended') void shared.resume().catch(() => {});
  return shared;
}

/** Measures the level of a MediaStream. */
export class LevelMeter {
  readonly #source: MediaStreamAudioSourceNode;
  readonly #analyser: AnalyserNode;
  readonly #buf: Float32Array<ArrayBuffer>;

  constructor(stream: MediaStream) {
    const ctx = audioContext();
    this.#source = ctx.createMediaStreamSource(stream);
    this.#analyser = ctx.createAnalyser();
    this.#analyser.fftSize = 1024;
    this.#buf = new Float32Array(this.#analyser.fftSize);
    this.#source.connect(this.#analyser);
  }

  /** 0 (silence, ≤ −60 dBFS) … 1 (full scale). */
  level(): number {
    this.#analyser.getFloatTimeDomainData(this.#buf);
    let sum = 0;
    for (const x of this.#buf) sum += x * x;
    const rms = Math.sqrt(sum / this.#buf.length);
    const db = 20 * Math.log10(rms + 1e-9);
    return Math.max(0, Math.min(1, (db + 60) / 60));
  }

  close(): void {
    this.#source.disconnect();
  }
}

const DTMF_FREQS: Record<string, [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};

/** Plays generated tones through the chosen speaker. */
export class TonePlayer {
  #stop: (() => void) | undefined;
  #sinkId = '';

  /** Output device for tones (where the browser supports AudioContext.setSinkId). */
  setSink(deviceId: string): void {
    this.#sinkId = deviceId;
  }

  /** The incoming-call ring: 440 + 480 Hz, 2 s on, 4 s off (a North American ring). */
  ring(): void {
    this.#cadence([440, 480], 2, 6, 0.15);
  }

  /** Ringback while the far end rings (no early media): the same pair, quieter. */
  ringback(): void {
    this.#cadence([440, 480], 2, 6, 0.06);
  }

  /** A short DTMF tone as feedback for a key press. */
  key(digit: string): void {
    const f = DTMF_FREQS[digit.toUpperCase()];
    if (!f) return;
    const ctx = this.#ctx();
    const gain = ctx.createGain();
    gain.gain.value = 0.05;
    gain.connect(ctx.destination);
    for (const hz of f) {
      const o = ctx.createOscillator();
      o.frequency.value = hz;
      o.connect(gain);
      o.start();
      o.stop(ctx.currentTime + 0.12);
    }
  }

  stop(): void {
    this.#stop?.();
    this.#stop = undefined;
  }

  #ctx(): AudioContext {
    const ctx = audioContext();
    const withSink = ctx as AudioContext & { setSinkId?: (id: string) => Promise<void>; sinkId?: string };
    if (withSink.setSinkId && this.#sinkId && withSink.sinkId !== this.#sinkId) void withSink.setSinkId(this.#sinkId).catch(() => {});
    return ctx;
  }

  #cadence(freqs: number[], onS: number, periodS: number, volume: number): void {
    this.stop();
    const ctx = this.#ctx();
    const gain = ctx.createGain();
    gain.gain.value = 0;
    gain.connect(ctx.destination);
    const oscs = freqs.map((hz) => {
      const o = ctx.createOscillator();
      o.frequency.value = hz;
      o.connect(gain);
      o.start();
      return o;
    });
    const schedule = () => {
      const t = ctx.currentTime;
      gain.gain.setValueAtTime(volume, t);
      gain.gain.setValueAtTime(0, t + onS);
    };
    schedule();
    const timer = setInterval(schedule, periodS * 1000);
    this.#stop = () => {
      clearInterval(timer);
      for (const o of oscs) o.stop();
      gain.disconnect();
    };
  }
}

export interface AudioDevice {
  deviceId: string;
  label: string;
}

/** Microphones and speakers (labels appear once the microphone was allowed). */
export async function listDevices(): Promise<{ microphones: AudioDevice[]; speakers: AudioDevice[] }> {
  if (!navigator.mediaDevices?.enumerateDevices) return { microphones: [], speakers: [] };
  const all = await navigator.mediaDevices.enumerateDevices();
  const pick = (kind: MediaDeviceKind, fallback: string) =>
    all.filter((d) => d.kind === kind).map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${fallback} ${i + 1}` }));
  return { microphones: pick('audioinput', 'Microphone'), speakers: pick('audiooutput', 'Speaker') };
}

/** Whether the browser can choose the speaker (HTMLMediaElement.setSinkId). */
export function canPickSpeaker(): boolean {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}

/** Audio constraints for the chosen microphone; voice processing off keeps test tones intact. */
export function microphoneConstraints(deviceId: string | undefined, voiceProcessing: boolean): MediaTrackConstraints {
  return {
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    echoCancellation: voiceProcessing,
    noiseSuppression: voiceProcessing,
    autoGainControl: voiceProcessing,
  };
}
