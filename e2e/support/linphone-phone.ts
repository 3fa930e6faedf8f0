/**
 * e2e harness: linphonec (Debian `linphone-cli`, liblinphone 5) as a real, unregistered SIP phone on
 * loopback, driven through its stdin console. `start()` writes a linphonerc of its own into a temp
 * directory — UDP only on a free port (TCP/TLS/DTLS off), IPv4, SIP and RTP bound to 127.0.0.1, one
 * free RTP/RTCP port pair, no STUN/ICE/TURN/UPnP, no proxy or registration, no video, SRTP off,
 * auto-answer — with HOME in that directory too (liblinphone stalls without a writable
 * ~/.local/share/linphone), then switches the sound card to files (`soundcard use files`: no audio
 * device), optionally plays a generated sine into its calls (`play`) and records what it receives
 * (`record`; `received(mark)` reads it). Network: every datagram it sends goes to 127.0.0.1 (checked
 * with strace); liblinphone still connect()s a UDP socket to a public address (87.98.157.38:5060) to
 * ask the kernel which local address it would use — a route lookup, no packet leaves the host.
 * Everything linphonec prints (stdout + stderr) is kept as lines, console prompts stripped;
 * `waitLine(re, timeoutMs, since)` finds one such as "Call 1 with sip:… connected." or "Receiving
 * tone 1 from …". `command()` types a console command (`call sip:…`, `terminate`, `pause`…);
 * `callStates()` reads its `calls` table (StreamsRunning, PausedByRemote…). `stop()` quits it
 * (SIGTERM/SIGKILL if it lingers) and removes the directory. A missing linphonec fails loudly,
 * naming scripts/setup-test-deps.sh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ToneGenerator } from '../../media/tone.ts';
import { readWav, writeWav } from '../../media/wav.ts';
import { freePort } from '../../testing/free-port.ts';

export interface LinphonePhoneOptions {
  /** User part of the phone's identity (`sip:<user>@127.0.0.1`); the From of its calls. Default `lin`. */
  user?: string;
  /** Answer incoming calls at once (default true). */
  autoAnswer?: boolean;
  /**
   * What linphonec sends in calls: a sine of this frequency (an 8 kHz WAV of `sineSeconds`, given to
   * the console's `play`). Without it the files sound card has nothing to play and linphonec sends
   * no RTP at all.
   */
  sineHz?: number;
  /** Length of the sine WAV, seconds (default 60). */
  sineSeconds?: number;
  /** Record what linphonec receives in calls to `<dir>/received.wav` (the console's `record`). */
  record?: boolean;
}

/** One line linphonec printed, with its index in `lines`. */
export interface LinphoneLine {
  index: number;
  line: string;
  match: RegExpExecArray;
}

const BINARY = 'linphonec';
const PROMPT = /^(?:linphonec> )+/;

/** The executable's path on PATH, or undefined. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** An even port P with P and P + 1 free on 127.0.0.1 (RTP and RTCP; linphonec uses both). */
async function freeRtpPair(avoid: number[]): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    const even = p % 2 === 0 ? p : p - 1;
    if (avoid.includes(even) || avoid.includes(even + 1) || even < 1024) continue;
    if ((await udpFree(even)) && (await udpFree(even + 1))) return even;
  }
  throw new Error('no free RTP/RTCP port pair on 127.0.0.1');
}

/** The liblinphone configuration: loopback only, UDP only, nothing that reaches off the host. */
function linphonerc(o: { sipPort: number; rtpPort: number; user: string; autoAnswer: boolean; home: string }): string {
  // No [audio_codec_N] sections: liblinphone offers its own list (opus, speex, PCMU, PCMA…), as a user's phone does.
  return [
    '[sip]',
    `sip_port=${o.sipPort}`,
    // 0 disables a transport (-1 would mean "a random port").
    'sip_tcp_port=0',
    'sip_tls_port=0',
    'sip_dtls_port=0',
    'bind_address=127.0.0.1',
    // IPv4 only; without ipv6_migration_done liblinphone drops use_ipv6 and turns IPv6 on.
    'use_ipv6=0',
    'ipv6_migration_done=1',
    'guess_hostname=0',
    `contact=sip:${o.user}@127.0.0.1`,
    'register_only_when_network_is_up=0',
    'register_only_when_upnp_is_ok=0',
    'dns_srv_enabled=0',
    'auto_send_ringing=1',
    'media_encryption=none',
    'inc_timeout=30',
    'in_call_timeout=0',
    'delayed_timeout=4',
    '',
    '[net]',
    'firewall_policy=0',
    'stun_server=',
    'nat_policy_ref=loopback-only',
    'mtu=1300',
    'download_bw=0',
    'upload_bw=0',
    '',
    '[nat_policy_0]',
    'ref=loopback-only',
    'stun_server=',
    'protocols=',
    '',
    '[rtp]',
    `audio_rtp_port=${o.rtpPort}`,
    'bind_address=127.0.0.1',
    'audio_jitt_comp=60',
    'nortp_timeout=30',
    'rtcp_mux=0',
    '',
    '[sound]',
    'echocancellation=0',
    '',
    '[video]',
    'display=0',
    'capture=0',
    'show_local=0',
    'automatically_initiate=0',
    'automatically_accept=0',
    '',
    '[misc]',
    `enable_auto_answer=${o.autoAnswer ? 1 : 0}`,
    `user_certificates_path=${join(o.home, '.linphone-usr-crt')}`,
    '',
    '[lime]',
    'lime_server_url=',
    '',
  ].join('\n');
}

export class LinphonePhone {
  readonly sipPort: number;
  readonly rtpPort: number;
  readonly user: string;
  readonly dir: string;
  /** Every line linphonec printed (stdout and stderr), console prompts stripped. */
  readonly lines: string[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #partial = { out: '', err: '' };
  #spawnError: Error | undefined;
  #waiters: Array<() => void> = [];

  private constructor(child: ChildProcess, dir: string, sipPort: number, rtpPort: number, user: string) {
    this.#child = child;
    this.dir = dir;
    this.sipPort = sipPort;
    this.rtpPort = rtpPort;
    this.user = user;
    child.stdout!.on('data', (d: Buffer) => this.#onOutput('out', d.toString()));
    child.stderr!.on('data', (d: Buffer) => this.#onOutput('err', d.toString()));
    child.stdin!.on('error', () => undefined);
    child.on('error', (err) => {
      this.#spawnError = err;
      this.#wake();
    });
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.#flush();
        this.lines.push(`[linphonec exited: ${signal ?? code}]`);
        this.#wake();
        resolve(code);
      }),
    );
  }

  /** Starts linphonec and waits until it took `soundcard use files`. */
  static async start(o: LinphonePhoneOptions = {}): Promise<LinphonePhone> {
    if (!onPath(BINARY)) {
      throw new Error(`${BINARY} is not installed (not found on PATH): install the Debian package linphone-cli with "sudo bash scripts/setup-test-deps.sh"`);
    }
    const sipPort = await freePort();
    const rtpPort = await freeRtpPair([sipPort]);
    const user = o.user ?? 'lin';
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-linphone-'));
    const home = join(dir, 'home');
    mkdirSync(join(home, '.local', 'share', 'linphone'), { recursive: true });
    const rc = join(dir, 'linphonerc');
    writeFileSync(rc, linphonerc({ sipPort, rtpPort, user, autoAnswer: o.autoAnswer ?? true, home }));
    // Its own HOME and XDG dirs; PULSE_SERVER points nowhere so it never reaches the user's audio.
    const env = {
      ...process.env,
      HOME: home,
      XDG_DATA_HOME: join(home, '.local', 'share'),
      XDG_CONFIG_HOME: join(home, '.config'),
      PULSE_SERVER: `unix:${join(dir, 'no-pulseaudio')}`,
    };
    const child = spawn(BINARY, ['-c', rc, ...(o.autoAnswer ?? true ? ['-a'] : []), '-d', '0'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const phone = new LinphonePhone(child, dir, sipPort, rtpPort, user);
    try {
      phone.command('soundcard use files');
      await phone.waitLine(/Using wav files instead of soundcard/, 10_000);
      if (o.sineHz !== undefined) {
        const samples = new Int16Array(8000 * (o.sineSeconds ?? 60));
        new ToneGenerator({ frequency: o.sineHz, sampleRate: 8000, dbfs: -6 }).fill(samples);
        const wav = join(dir, 'sine.wav');
        writeFileSync(wav, writeWav({ sampleRate: 8000, channels: 1, samples }));
        phone.command(`play ${wav}`);
      }
      if (o.record) phone.command(`record ${phone.recordFile}`);
    } catch (err) {
      await phone.stop();
      throw err;
    }
    return phone;
  }

  #onOutput(stream: 'out' | 'err', text: string): void {
    const buf = this.#partial[stream] + text.replace(/\r/g, '');
    const parts = buf.split('\n');
    this.#partial[stream] = parts.pop()!;
    for (const p of parts) this.#push(p);
    // A bare prompt with nothing after it is not a line.
    if (PROMPT.test(this.#partial[stream]) && this.#partial[stream].replace(PROMPT, '') === '') this.#partial[stream] = '';
    this.#wake();
  }

  #push(raw: string): void {
    const line = raw.replace(PROMPT, '');
    if (line.trim() !== '') this.lines.push(line);
  }

  #flush(): void {
    for (const s of ['out', 'err'] as const) {
      if (this.#partial[s]) this.#push(this.#partial[s]);
      this.#partial[s] = '';
    }
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Where `record: true` has linphonec write what it receives. */
  get recordFile(): string {
    return join(this.dir, 'received.wav');
  }

  /** Index to pass as `since`: only lines printed after now. */
  get lineCount(): number {
    return this.lines.length;
  }

  get running(): boolean {
    return !this.#spawnError && this.#child.pid !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  #throwIfSpawnFailed(): void {
    if (this.#spawnError) throw new Error(`${BINARY} did not start: ${this.#spawnError.message} (install linphone-cli: "sudo bash scripts/setup-test-deps.sh")`);
  }

  /** Types one console command (a line on stdin). */
  command(line: string): void {
    this.#throwIfSpawnFailed();
    if (!this.running) throw new Error(`linphonec is not running; cannot send "${line}":\n${this.tail()}`);
    this.#child.stdin!.write(`${line}\n`);
  }

  /** `call <uri>`: linphonec dials. */
  call(uri: string): void {
    this.command(`call ${uri}`);
  }

  /** `terminate`: hangs up the current call. */
  terminate(): void {
    this.command('terminate');
  }

  /** The first line at index ≥ `since` matching `re` (already printed or still to come). */
  async waitLine(re: RegExp, timeoutMs = 10_000, since = 0): Promise<LinphoneLine> {
    const deadline = Date.now() + timeoutMs;
    let from = since;
    for (;;) {
      for (; from < this.lines.length; from++) {
        const match = re.exec(this.lines[from]!);
        if (match) return { index: from, line: this.lines[from]!, match };
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`linphonec printed no line matching ${re} within ${timeoutMs} ms; its output since line ${since}:\n${this.lines.slice(since).slice(-60).join('\n') || '(nothing)'}`);
      this.#throwIfSpawnFailed();
      if (!this.running) throw new Error(`linphonec exited before printing a line matching ${re}:\n${this.tail()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Lines at index ≥ `since` matching `re`. */
  linesMatching(re: RegExp, since = 0): string[] {
    return this.lines.slice(since).filter((l) => re.test(l));
  }

  /** The last `n` lines, for failure reports. */
  tail(n = 60): string {
    return this.lines.slice(-n).join('\n');
  }

  /**
   * linphonec's `calls` table: call id → state (`StreamsRunning`, `PausedByRemote`,
   * `OutgoingRinging`…); empty when it says "No active call". Types `calls` and reads the answer.
   */
  async callStates(timeoutMs = 3000): Promise<Map<string, string>> {
    const since = this.lineCount;
    this.command('calls');
    const head = await this.waitLine(/^(Call states|No active call)/, timeoutMs, since);
    const states = new Map<string, string>();
    if (head.match[1] !== 'Call states') return states;
    const row = /^(\d+)\s*\|\s*(\S+)\s*\|\s*(\S+)/;
    await this.waitLine(row, timeoutMs, head.index);
    await new Promise((r) => setTimeout(r, 50)); // the rest of the table, printed with the first row
    for (const line of this.lines.slice(head.index + 1)) {
      if (/^(Id \||-{10,})/.test(line)) continue;
      const m = row.exec(line);
      if (!m) break;
      states.set(m[1]!, m[3]!);
    }
    return states;
  }

  /** The state of linphonec's call `id` (see callStates), or 'none'. */
  async callState(id: string | number): Promise<string> {
    return (await this.callStates()).get(String(id)) ?? 'none';
  }

  /** Polls `callState(id)` until it is `state`; throws with the last state seen after `timeoutMs`. */
  async waitCallState(id: string | number, state: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      last = await this.callState(id);
      if (last === state) return;
      if (Date.now() > deadline) throw new Error(`linphonec call ${id} is ${last}, not ${state}, after ${timeoutMs} ms:\n${this.tail(30)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Bytes recorded so far (`record: true`): a mark for `received()`. */
  recordingMark(): number {
    return existsSync(this.recordFile) ? statSync(this.recordFile).size : 0;
  }

  /**
   * What linphonec recorded (decoded received audio, mono PCM16) after `mark` bytes. liblinphone's
   * recorder writes the WAV header only when a call ends (zeros until then) and appends each later
   * call to the same file behind the first call's header, so the header's data size is ignored and,
   * before a first header exists, the data is read as mono at `liveSampleRate` (the call's codec
   * rate: 8000 for G.711).
   */
  received(mark = 0, liveSampleRate = 8000): { sampleRate: number; samples: Int16Array } {
    if (!existsSync(this.recordFile)) return { sampleRate: liveSampleRate, samples: new Int16Array(0) };
    const buf = new Uint8Array(readFileSync(this.recordFile));
    const data = Buffer.from(buf).indexOf('data', 12);
    let sampleRate = liveSampleRate;
    let channels = 1;
    let offset = 44;
    let samples: Int16Array;
    if (Buffer.from(buf.subarray(0, 4)).toString('latin1') === 'RIFF' && data > 0) {
      new DataView(buf.buffer, buf.byteOffset).setUint32(data + 4, 0xffffffff, true);
      const wav = readWav(buf);
      ({ sampleRate, channels, samples } = wav);
      offset = data + 8;
    } else {
      const view = new DataView(buf.buffer, buf.byteOffset);
      samples = new Int16Array(Math.max(0, Math.floor((buf.length - offset) / 2)));
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(offset + 2 * i, true);
    }
    const mono = channels === 1 ? samples : samples.filter((_, i) => i % channels === 0);
    const skip = Math.max(0, Math.floor((mark - offset) / (2 * channels)));
    return { sampleRate, samples: mono.subarray(Math.min(skip, mono.length)) };
  }

  /** `quit`, then SIGTERM after 3 s and SIGKILL after 3 more; removes the temp directory. Idempotent. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (this.running) {
      try {
        child.stdin!.write('quit\n');
      } catch {
        // stdin already closed
      }
      const term = setTimeout(() => child.kill('SIGTERM'), 3000);
      const kill = setTimeout(() => child.kill('SIGKILL'), 6000);
      await this.#exited;
      clearTimeout(term);
      clearTimeout(kill);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
