/**
 * The yardstick for our Opus figures: the system's C libopus (Debian `libopus-dev`) running the
 * same encode/decode loops on the same PCM, compiled on the spot with `cc -O2 -lopus`. Returns
 * why it skipped when the headers or a compiler are missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HEADER = '/usr/include/opus/opus.h';

/** Encodes/decodes a raw PCM file in 20 ms frames; prints CPU seconds per pass for each round. */
const PROGRAM = String.raw`
#include <opus/opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 7) { fprintf(stderr, "usage: pcm rate complexity bitrate round_s rounds\n"); return 2; }
  int rate = atoi(argv[2]), cx = atoi(argv[3]), br = atoi(argv[4]), rounds = atoi(argv[6]);
  double round_s = atof(argv[5]);
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror("pcm"); return 1; }
  fseek(f, 0, SEEK_END); long bytes = ftell(f); rewind(f);
  short *pcm = malloc(bytes);
  if (fread(pcm, 1, bytes, f) != (size_t)bytes) { perror("read"); return 1; }
  fclose(f);
  int n = rate / 50, frames = (int)(bytes / 2 / n), err;
  unsigned char *pk = malloc((size_t)frames * 1500);
  int *len = malloc(sizeof(int) * frames);
  static short out[5760];
  OpusEncoder *enc = opus_encoder_create(rate, 1, OPUS_APPLICATION_VOIP, &err);
  if (err != OPUS_OK) { fprintf(stderr, "encoder: %s\n", opus_strerror(err)); return 1; }
  opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(cx));
  opus_encoder_ctl(enc, OPUS_SET_BITRATE(br));
  OpusDecoder *dec = opus_decoder_create(rate, 1, &err);
  for (int i = 0; i < frames; i++) len[i] = opus_encode(enc, pcm + (size_t)i * n, n, pk + (size_t)i * 1500, 1500);
  for (int i = 0; i < frames; i++) opus_decode(dec, pk + (size_t)i * 1500, len[i], out, 5760, 0);
  printf("{\"audioSecondsPerPass\":%.6f,\"encode\":[", frames * 0.02);
  for (int r = 0; r < rounds; r++) {
    double t0 = cpu(); int passes = 0;
    do {
      for (int i = 0; i < frames; i++) opus_encode(enc, pcm + (size_t)i * n, n, pk + (size_t)i * 1500, 1500);
      passes++;
    } while (cpu() - t0 < round_s);
    printf("%s%.9f", r ? "," : "", (cpu() - t0) / passes);
  }
  printf("],\"decode\":[");
  for (int r = 0; r < rounds; r++) {
    double t0 = cpu(); int passes = 0;
    do {
      for (int i = 0; i < frames; i++) opus_decode(dec, pk + (size_t)i * 1500, len[i], out, 5760, 0);
      passes++;
    } while (cpu() - t0 < round_s);
    printf("%s%.9f", r ? "," : "", (cpu() - t0) / passes);
  }
  printf("]}\n");
  return 0;
}
`;

export interface LibopusC {
  /** libopus version string (opus_get_version_string), e.g. "libopus 1.3.1". */
  version: string;
  /** × realtime (CPU) of encode and decode for one configuration. */
  run(pcm: Int16Array, rate: number, complexity: number, bitrate: number): { encode: number; decode: number };
  /** Removes the temp dir. */
  dispose(): void;
}

/** Compiles the C harness; returns it, or the reason it cannot run here. */
export function loadLibopusC(): LibopusC | { skipped: string } {
  if (!existsSync(HEADER)) return { skipped: `${HEADER} not found (install libopus-dev: scripts/setup-test-deps.sh)` };
  if (spawnSync('cc', ['--version']).status !== 0) return { skipped: 'no C compiler (`cc`) on PATH' };
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-opus-'));
  const source = join(dir, 'opus_bench.c');
  const binary = join(dir, 'opus_bench');
  writeFileSync(source, PROGRAM);
  const cc = spawnSync('cc', ['-O2', '-o', binary, source, '-lopus'], { encoding: 'utf8' });
  if (cc.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `cc -O2 -lopus failed: ${(cc.stderr || cc.error?.message || '').trim().split('\n')[0]}` };
  }
  const versionSource = join(dir, 'version.c');
  writeFileSync(versionSource, '#include <opus/opus.h>\n#include <stdio.h>\nint main(void){puts(opus_get_version_string());return 0;}\n');
  spawnSync('cc', ['-O2', '-o', join(dir, 'version'), versionSource, '-lopus']);
  const version = spawnSync(join(dir, 'version'), { encoding: 'utf8' }).stdout?.trim() || 'libopus (version unknown)';
  const pcmFiles = new Map<Int16Array, string>();
  return {
    version,
    run(pcm, rate, complexity, bitrate) {
      let file = pcmFiles.get(pcm);
      if (!file) {
        file = join(dir, `pcm-${pcmFiles.size}.raw`);
        writeFileSync(file, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength)); // little-endian host, as the C side reads
        pcmFiles.set(pcm, file);
      }
      // Same rounds as ours (timing.ts): 5 of ≥ 0.06 s CPU, fastest reported.
      const out = execFileSync(binary, [file, String(rate), String(complexity), String(bitrate), '0.06', '5'], { encoding: 'utf8' });
      const result = JSON.parse(out) as { audioSecondsPerPass: number; encode: number[]; decode: number[] };
      return { encode: result.audioSecondsPerPass / Math.min(...result.encode), decode: result.audioSecondsPerPass / Math.min(...result.decode) };
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
