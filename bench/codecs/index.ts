/**
 * Codec benchmark (`npm run bench`): × realtime per core of every codec direction and the
 * resampler on the speech fixtures in 20 ms frames, our Opus beside the system's C libopus, and
 * the codec-bound transcoded calls per core that follow. Prints figures; never fails on time.
 */
import { cpus } from 'node:os';
import { loadNativeOpusAddon } from '../../media/codecs/opus-native.ts';
import { opusBackendInfo, type OpusBackend, type OpusSampleRate } from '../../media/codecs/opus.ts';
import { initResampler } from '../../media/resampler.ts';
import type { SpeechRate } from '../../media/testing/speech.ts';
import { g722PcmuCall, opusPcmuCall, type CallScenario } from './calls.ts';
import { loadLibopusC } from './libopus-c.ts';
import { formatTable, num, type Cell } from './table.ts';
import { BENCH_SPEECH_SECONDS, OPUS_BENCH_BITRATE, benchSpeech, g711Rows, g722Rows, opusRows, resamplerRows, type ThroughputRow } from './throughput.ts';

const started = Date.now();
await initResampler();

const OPUS_RATES: (OpusSampleRate & SpeechRate)[] = [8000, 16000, 48000];
/** Native and C: 1 (cheapest useful), 5 (our default), 9 (libopus's default); WASM: our default only. */
const COMPLEXITIES = [5, 1, 9];
const WASM_COMPLEXITIES = [5];
const backends: OpusBackend[] = ['wasm'];
try {
  loadNativeOpusAddon();
  backends.unshift('native');
} catch {
  // WASM only on this platform; the table says so through the backend column
}

const info = opusBackendInfo();
console.log(`Codec benchmark — first ${BENCH_SPEECH_SECONDS} s of the speech fixtures (espeak-ng), mono, 20 ms frames`);
console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}`);
console.log(`Opus: @evan/opus, backend in use: ${info.backend} (${info.reason}); ${OPUS_BENCH_BITRATE / 1000} kbit/s VBR, application voip`);
console.log('× realtime = seconds of audio per CPU second of one core (process.cpuUsage: user + system, all threads);');
console.log('fastest of 5 rounds after warm-up (other load only slows rounds down); wall figures show how busy the machine was\n');

const rows: ThroughputRow[] = [...g711Rows(), ...g722Rows()];
for (const backend of backends) {
  for (const rate of OPUS_RATES) rows.push(...opusRows(rate, backend === 'wasm' ? WASM_COMPLEXITIES : COMPLEXITIES, backend));
}
rows.push(
  ...resamplerRows([
    [48000, 8000],
    [8000, 48000],
    [16000, 8000],
    [8000, 16000],
    [48000, 16000],
    [16000, 48000],
  ]),
);

// The same Opus loops in C on the system libopus.
const c = loadLibopusC();
const cFigures = new Map<string, number>();
if ('skipped' in c) {
  console.log(`C libopus comparison skipped: ${c.skipped}\n`);
} else {
  for (const rate of OPUS_RATES) {
    for (const complexity of COMPLEXITIES) {
      const r = c.run(benchSpeech(rate), rate, complexity, OPUS_BENCH_BITRATE);
      cFigures.set(`encode ${rate} ${complexity}`, r.encode);
      if (complexity === COMPLEXITIES[0]) cFigures.set(`decode ${rate}`, r.decode);
    }
  }
  c.dispose();
}

function cFigure(row: ThroughputRow): number | null {
  if (!row.what.startsWith('Opus')) return null;
  if (row.what === 'Opus decode') return cFigures.get(`decode ${row.rate}`) ?? null;
  const complexity = Number(/cx (\d+)/.exec(row.setting)?.[1]);
  return cFigures.get(`encode ${row.rate} ${complexity}`) ?? null;
}

const cLabel = 'skipped' in c ? 'C libopus' : `C ${c.version}`;
const table: Cell[][] = rows.map((r) => {
  const cx = cFigure(r);
  return [r.what, `${r.rate / 1000}k`, r.setting, r.timing.xRealtimeCpu, r.timing.xRealtimeWall, r.timing.usPer20ms, cx, cx ? `${(r.timing.xRealtimeCpu / cx).toFixed(2)}` : null];
});
console.log(formatTable(['codec / direction', 'rate', 'setting', '×rt cpu', '×rt wall', 'µs/20ms', `${cLabel} ×rt`, 'ours ÷ C'], table, [3, 4, 5, 6, 7]));

// Transcoded calls per core, codec-bound.
const scenarios: CallScenario[] = [];
for (const backend of backends) {
  for (const complexity of backend === 'wasm' ? WASM_COMPLEXITIES : COMPLEXITIES) {
    scenarios.push(opusPcmuCall(48000, complexity, backend), opusPcmuCall(8000, complexity, backend));
  }
}
scenarios.push(g722PcmuCall());

const byKey = new Map(rows.map((r) => [`${r.what}|${r.rate}|${r.setting}`, r]));
const callTable: Cell[][] = scenarios.map((s) => {
  const parts = s.parts.map((p) => byKey.get(`${p.what}|${p.rate}|${p.setting}`));
  const sum = parts.every(Boolean) ? parts.reduce((acc, r) => acc + r!.timing.usPer20ms, 0) : null;
  return [s.name, s.timing.usPer20ms, s.timing.xRealtimeCpu, sum, sum ? 20000 / sum : null];
});
console.log('\nTranscoded calls per core, codec-bound (per call every 20 ms: both directions decode → resample → encode; no RTP/SRTP/IO)');
console.log(formatTable(['scenario', 'µs/call/20ms', 'calls/core', 'sum of parts µs', 'calls/core (parts)'], callTable, [1, 2, 3, 4]));
console.log(`\nbench/codecs done in ${num((Date.now() - started) / 1000)} s`);
