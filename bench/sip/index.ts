/**
 * SIP benchmark (`npm run bench -- sip`): sipp's built-in uac places calls (INVITE, 180, 200,
 * ACK, BYE, 200; no pause, no media) at increasing rates against (a) sipp's own uas and (b) our
 * UAS — a SipStack answering in a child process — each UAS pinned to one core with `taskset -c 1`
 * (the uac on core 0) when available. Each step runs ~2 s of calls. A rate is sustained when
 * every call succeeded (0 failed) and the calls completed at ≥ 90 % of the asked rate (a UAS
 * that answers late makes sipp's uac fall behind and retransmit); a target's climb stops at the
 * first rate it does not sustain in two tries (one retry absorbs a noisy neighbour on a shared
 * machine). Prints per step (with sipp's retransmissions and our CPU), then the highest rate
 * each sustained and the ratio. Never fails on time.
 * `SIP_BENCH_STEP_SECONDS` changes the step length; `SIP_BENCH_RATES` the rates (comma list).
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../testing/free-port.ts';
import { runSipp } from '../../testing/sipp.ts';

const STEP_SECONDS = Number(process.env.SIP_BENCH_STEP_SECONDS ?? 2);
const RATES = (process.env.SIP_BENCH_RATES ?? '100,200,300,400,600,800,1000,1200,1600,2000,2500,3000,4000,5000,6000').split(',').map(Number);
/** Share of the asked rate the calls must complete at for a step to count as sustained. */
const PACE = 0.9;
/** Stop climbing for a target once it has used this much wall time. */
const TARGET_BUDGET_MS = 50_000;

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
if (!has('sipp')) {
  console.log('sipp not installed (apt-get install sip-tester): SIP benchmark skipped');
  process.exit(0);
}
const pin = has('taskset') && cpus().length > 1;

interface Step {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  retransmissions: number;
  seconds: number;
  sustained: boolean;
  /** Our UAS's CPU over the step, % of one core (target b only). */
  cpu?: number;
}

interface Target {
  name: string;
  port: number;
  /** CPU µs used so far, when measurable. */
  cpu?: () => Promise<number>;
  stop: () => Promise<void>;
}

async function sippUas(port: number): Promise<Target> {
  let stop = () => {};
  const done = runSipp({ scenario: 'uas', localPort: port, wrap: pin ? ['taskset', '-c', '1'] : undefined, timeoutMs: 600_000, onSpawn: (kill) => (stop = kill) });
  await new Promise((r) => setTimeout(r, 300));
  return {
    name: "sipp's own uas",
    port,
    stop: async () => {
      stop();
      await done;
    },
  };
}

async function ourUas(port: number): Promise<Target> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./uas-child.ts', import.meta.url)), [String(port)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`our UAS exited with ${code}`)));
  });
  if (pin && child.pid) spawnSync('taskset', ['-a', '-p', '-c', '1', String(child.pid)], { stdio: 'ignore' });
  const ask = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m: { cpu: number }) => resolve(m.cpu));
      child.send({ cmd: 'cpu' });
    });
  return {
    name: 'our UAS (SipStack)',
    port,
    cpu: ask,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ cmd: 'stop' });
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** 300 calls at 100 cps, unmeasured, so JIT warm-up does not colour the first step. */
async function warmUp(target: Target): Promise<void> {
  const [uacPort] = (await freePorts(1)) as [number];
  await runSipp({ scenario: 'uac', remote: `127.0.0.1:${target.port}`, localPort: uacPort, args: ['-s', 'bench', '-m', '300', '-r', '100', '-d', '0', '-timeout', '15s'], timeoutMs: 20_000 });
}

/** One step: `rate` cps for STEP_SECONDS; prints a line. */
async function step(target: Target, rate: number, retry: boolean): Promise<Step> {
  const calls = Math.round(rate * STEP_SECONDS);
  const [uacPort] = (await freePorts(1)) as [number];
  const cpuBefore = await target.cpu?.();
  const t0 = process.hrtime.bigint();
  const uacArgs = ['-s', 'bench', '-m', String(calls), '-r', String(rate), '-l', String(Math.max(rate * 4, 200)), '-d', '0', '-timeout', `${STEP_SECONDS + 8}s`, '-fd', '1'];
  const r = await runSipp({ scenario: 'uac', remote: `127.0.0.1:${target.port}`, localPort: uacPort, args: uacArgs, timeoutMs: (STEP_SECONDS + 12) * 1000, wrap: pin ? ['taskset', '-c', '0'] : undefined });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpuAfter = await target.cpu?.();
  const done = r.successful / seconds;
  const sustained = r.failed === 0 && r.successful === calls && done >= PACE * rate;
  const result: Step = { rate, calls, successful: r.successful, failed: r.failed, retransmissions: r.retransmissions, seconds, sustained };
  if (cpuBefore !== undefined && cpuAfter !== undefined) result.cpu = ((cpuAfter - cpuBefore) / 1e6 / seconds) * 100;
  const verdict = sustained ? '' : r.failed > 0 || r.successful < calls ? '  ← failed calls' : '  ← fell behind';
  console.log(
    `  ${String(rate).padStart(5)} cps${retry ? ' (again)' : '        '}  ${`${r.successful}/${calls}`.padStart(11)} ok  ${String(r.failed).padStart(4)} failed  ` +
      `${String(r.retransmissions).padStart(6)} retrans  ${seconds.toFixed(1).padStart(5)} s  ≈${done.toFixed(0).padStart(5)} calls/s` +
      (result.cpu !== undefined ? `  CPU ${result.cpu.toFixed(0).padStart(3)} % of a core` : '') +
      verdict,
  );
  return result;
}

/** Climbs the rates until one is not sustained twice in a row (one retry absorbs a noisy neighbour on a shared machine). */
async function climb(target: Target): Promise<Step[]> {
  const steps: Step[] = [];
  await warmUp(target);
  const started = Date.now();
  for (const rate of RATES) {
    if (Date.now() - started > TARGET_BUDGET_MS) {
      console.log(`  (time budget used; stopping before ${rate} cps)`);
      break;
    }
    let result = await step(target, rate, false);
    if (!result.sustained && Date.now() - started <= TARGET_BUDGET_MS) result = await step(target, rate, true);
    steps.push(result);
    if (!result.sustained) break;
  }
  return steps;
}

const best = (steps: Step[]) => steps.filter((s) => s.sustained).reduce((m, s) => Math.max(m, s.rate), 0);
/** '≥ ' when the target sustained the top rate asked (its real ceiling is higher). */
const atLeast = (rate: number) => (rate === RATES[RATES.length - 1] ? `≥ ${rate}` : String(rate));

console.log('SIP benchmark — sipp uac (built-in scenario, -d 0) → UAS on 127.0.0.1, UDP');
console.log(`sustained = 0 failed calls and completed at ≥ ${PACE * 100} % of the asked rate`);
console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`${pin ? 'UAS pinned to core 1 and uac to core 0 (taskset)' : 'no pinning (taskset missing or one core)'}; ${STEP_SECONDS} s per step; rates ${RATES.join(', ')} cps\n`);

const [sippPort, ourPort] = (await freePorts(2)) as [number, number];
const results: Array<{ name: string; steps: Step[] }> = [];
for (const make of [() => sippUas(sippPort), () => ourUas(ourPort)]) {
  const target = await make();
  console.log(`${target.name}:`);
  try {
    results.push({ name: target.name, steps: await climb(target) });
  } finally {
    await target.stop();
  }
  console.log('');
}

const [theirs, ours] = results as [{ name: string; steps: Step[] }, { name: string; steps: Step[] }];
const a = best(theirs.steps);
const b = best(ours.steps);
const ourBest = ours.steps.find((s) => s.rate === b);
console.log(`highest rate sustained with 0 failed calls: ${theirs.name} ${atLeast(a)} cps, ${ours.name} ${atLeast(b)} cps`);
console.log(`ratio ours / sipp uas: ${a > 0 ? `${a === RATES[RATES.length - 1] ? '≤ ' : ''}${(b / a).toFixed(2)}` : 'n/a'}  (load average now ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
if (ourBest?.cpu !== undefined) {
  console.log(`our UAS at ${b} cps used ${ourBest.cpu.toFixed(0)} % of a core (≈${((ourBest.cpu / 100 / b) * 1e6).toFixed(0)} µs CPU per call)`);
}
