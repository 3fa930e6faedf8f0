/**
 * Test helper: runs a real headless baresip (Debian `baresip-core`) as a SIP peer on loopback and
 * drives it over its ctrl_tcp socket (netstring JSON). Audio source is a sine (`ausine`), received
 * and sent audio is dumped to WAV by `sndfile` (`*-dec.wav` / `*-enc.wav` in `recordDir`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { freePorts } from './free-port.ts';

export interface BaresipOptions {
  /** Account AOR + params, e.g. `<sip:1002@127.0.0.1:5060>;auth_pass=x;answermode=auto;regint=60`. */
  account: string;
  /** Sine frequency of the audio source (Hz); default 440. */
  sineHz?: number;
  /** Codec modules to load; default g711 only (PCMU/PCMA). */
  codecs?: Array<'g711' | 'g722' | 'opus' | 'l16'>;
  /** Extra config lines. */
  extraConfig?: string[];
  /** Print every SIP message sent and received (`baresip -s`) into `output`. Default false. */
  sipTrace?: boolean;
}

export interface BaresipEvent {
  type: string;
  class?: string;
  param?: string;
  peeruri?: string;
  id?: string;
  [key: string]: unknown;
}

/** One running baresip process. */
export class BaresipPeer extends EventEmitter {
  readonly sipPort: number;
  readonly ctrlPort: number;
  readonly dir: string;
  readonly recordDir: string;
  readonly events: BaresipEvent[] = [];
  #child?: ChildProcess;
  #ctrl?: Socket;
  #buf = '';
  #output = '';
  #pending = new Map<string, (r: { ok: boolean; data: string }) => void>();
  #token = 0;

  private constructor(sipPort: number, ctrlPort: number, dir: string) {
    super();
    this.sipPort = sipPort;
    this.ctrlPort = ctrlPort;
    this.dir = dir;
    this.recordDir = join(dir, 'rec');
  }

  /** Everything baresip printed so far (stdout + stderr). */
  get output(): string {
    return this.#output;
  }

  static async start(options: BaresipOptions): Promise<BaresipPeer> {
    const [sipPort, ctrlPort, consPort, rtpBase] = await freePorts(4);
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-baresip-'));
    const peer = new BaresipPeer(sipPort!, ctrlPort!, dir);
    mkdirSync(peer.recordDir, { recursive: true });
    const codecs = options.codecs ?? ['g711'];
    const rtpMin = 30000 + (rtpBase! % 20000);
    const config = [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      'call_local_timeout 120',
      'call_max_calls 4',
      `audio_player aubridge,sink${sipPort}`,
      `audio_alert aubridge,sink${sipPort}`,
      `audio_source ausine,${options.sineHz ?? 440}`,
      'ausrc_srate 48000',
      'auplay_srate 48000',
      'ausrc_channels 2',
      'auplay_channels 2',
      'audio_level no',
      'audio_buffer 20-160',
      'rtcp_mux no',
      'jitter_buffer_delay 5-10',
      'rtp_stats yes',
      `rtp_ports ${rtpMin}-${rtpMin + 99}`,
      'net_interface 127.0.0.1',
      'module_path /usr/lib/baresip/modules',
      ...codecs.map((c) => `module ${c}.so`),
      'module ausine.so',
      'module aubridge.so',
      'module sndfile.so',
      'module cons.so',
      'module ctrl_tcp.so',
      'module_tmp uuid.so',
      'module_tmp account.so',
      'module_app menu.so',
      `snd_path ${peer.recordDir}`,
      `cons_listen 127.0.0.1:${consPort}`,
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      ...(options.extraConfig ?? []),
    ];
    writeFileSync(join(dir, 'config'), config.join('\n') + '\n');
    writeFileSync(join(dir, 'accounts'), options.account + '\n');
    writeFileSync(join(dir, 'contacts'), '');
    const child = spawn('baresip', ['-f', dir, ...(options.sipTrace ? ['-s'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    peer.#child = child;
    child.stdout!.on('data', (d: Buffer) => (peer.#output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (peer.#output += d.toString()));
    child.on('exit', () => peer.emit('exit'));
    await peer.#connectCtrl();
    return peer;
  }

  async #connectCtrl(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        this.#ctrl = await new Promise<Socket>((resolve, reject) => {
          const s = connect(this.ctrlPort, '127.0.0.1');
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        break;
      } catch (err) {
        if (Date.now() > deadline || this.#child?.exitCode !== null) {
          throw new Error(`baresip did not start: ${(err as Error).message}\n${this.#output}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.#ctrl.on('data', (d) => this.#onData(d.toString()));
    this.#ctrl.on('error', () => undefined);
  }

  #onData(text: string): void {
    this.#buf += text;
    for (;;) {
      const colon = this.#buf.indexOf(':');
      if (colon < 0) return;
      const n = Number(this.#buf.slice(0, colon));
      if (this.#buf.length < colon + 1 + n + 1) return;
      const msg = JSON.parse(this.#buf.slice(colon + 1, colon + 1 + n)) as Record<string, unknown>;
      this.#buf = this.#buf.slice(colon + n + 2);
      if (msg.event) {
        const ev = msg as unknown as BaresipEvent;
        this.events.push(ev);
        this.emit('event', ev);
      } else if (msg.response && typeof msg.token === 'string') {
        this.#pending.get(msg.token)?.({ ok: Boolean(msg.ok), data: String(msg.data ?? '') });
        this.#pending.delete(msg.token);
      }
    }
  }

  /** Sends a ctrl_tcp command (`dial`, `accept`, `hangup`, `hold`, `resume`, `sndcode`, `transfer`…). */
  command(command: string, params?: string): Promise<{ ok: boolean; data: string }> {
    const token = String(++this.#token);
    const json = JSON.stringify({ command, params, token });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(token);
        reject(new Error(`baresip command ${command} timed out`));
      }, 5000);
      this.#pending.set(token, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.#ctrl!.write(`${Buffer.byteLength(json)}:${json},`);
    });
  }

  /** Resolves with the first event (past or future) matching `type` (e.g. REGISTER_OK, CALL_ESTABLISHED). */
  waitEvent(type: string, timeoutMs = 10_000, since = 0): Promise<BaresipEvent> {
    const past = this.events.slice(since).find((e) => e.type === type);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('event', onEvent);
        reject(new Error(`baresip: no ${type} within ${timeoutMs} ms; events: ${this.events.map((e) => e.type).join(',')}\n${this.#output.slice(-3000)}`));
      }, timeoutMs);
      const onEvent = (e: BaresipEvent) => {
        if (e.type !== type) return;
        clearTimeout(timer);
        this.off('event', onEvent);
        resolve(e);
      };
      this.on('event', onEvent);
    });
  }

  async stop(): Promise<void> {
    this.#ctrl?.destroy();
    const child = this.#child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
  }

  /** Removes the temp directory (recordings included). */
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
