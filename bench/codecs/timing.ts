/**
 * Timing for codec benchmarks: runs a pass over the audio after a warm-up, in rounds long enough
 * to swamp timer noise, and reports CPU (process.cpuUsage, user + system, all threads — so GC
 * counts) and wall time as "× realtime": seconds of audio handled per second of one core.
 * The fastest of several short rounds is reported: on a shared machine other processes only ever
 * slow a round down, so the fastest is the most repeatable estimate of the code's own cost.
 */

export interface Timing {
  /** Audio seconds processed per CPU second. */
  xRealtimeCpu: number;
  /** Audio seconds processed per wall-clock second. */
  xRealtimeWall: number;
  /** CPU microseconds per 20 ms of audio. */
  usPer20ms: number;
}

export interface TimingOptions {
  /** Warm-up wall time before measuring (s). Default 0.1. */
  warmupSeconds?: number;
  /** Minimum CPU time of one round (s). Default 0.06. */
  roundSeconds?: number;
  /** Rounds measured; the fastest is reported. Default 5. */
  rounds?: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function wallSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}


/** Times `pass`, which processes `audioSeconds` of audio each call. */
export function timePass(audioSeconds: number, pass: () => void, options: TimingOptions = {}): Timing {
  const warmup = options.warmupSeconds ?? 0.1;
  const roundSeconds = options.roundSeconds ?? 0.06;
  const rounds = options.rounds ?? 5;

  let passes = 0;
  const w0 = wallSeconds();
  const c0 = cpuSeconds();
  do {
    pass();
    passes++;
  } while (wallSeconds() - w0 < warmup);
  const perPass = Math.max(1e-6, (cpuSeconds() - c0) / passes);
  const passesPerRound = Math.max(1, Math.ceil(roundSeconds / perPass));

  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ws = wallSeconds();
    const cs = cpuSeconds();
    for (let p = 0; p < passesPerRound; p++) pass();
    cpu.push((cpuSeconds() - cs) / passesPerRound);
    wall.push((wallSeconds() - ws) / passesPerRound);
  }
  const cpuPerPass = Math.min(...cpu);
  return {
    xRealtimeCpu: audioSeconds / cpuPerPass,
    xRealtimeWall: audioSeconds / Math.min(...wall),
    usPer20ms: (cpuPerPass / (audioSeconds / 0.02)) * 1e6,
  };
}

/** Splits `pcm` into whole frames of `samples` (views made once, so passes allocate nothing). */
export function framesOf(pcm: Int16Array, samples: number): Int16Array[] {
  const frames: Int16Array[] = [];
  for (let off = 0; off + samples <= pcm.length; off += samples) frames.push(pcm.subarray(off, off + samples));
  return frames;
}
