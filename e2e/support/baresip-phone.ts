/**
 * e2e harness: baresip (testing/baresip.ts) registered to the gateway as a demo user, sending a
 * sine and recording what it receives (`*-dec.wav` via sndfile). The recording grows while the
 * call runs, so `mark()` notes how far it got and `heardSince(mark)` reads only what came after —
 * that is how a test tells "audio while held" from "audio after resume". Audio is judged by
 * frequency with Goertzel on the WAV samples.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readWav } from '../../media/wav.ts';
import { downmixToMono } from '../../media/wav.ts';
import { goertzelPower, rmsDbfs, toneCorrelation } from '../../media/testing/signal.ts';
import { BaresipPeer, type BaresipEvent } from '../../testing/baresip.ts';

export interface BaresipPhoneOptions {
  /** Demo user to register as (e.g. '1002'). */
  user: string;
  password: string;
  /** The gateway's SIP port on 127.0.0.1 (or the port of `domain`). */
  gatewaySipPort: number;
  /** Host of the account's AOR (its registrar/proxy), when not the gateway on 127.0.0.1 — e.g. a PBX on 127.0.0.2. Default '127.0.0.1'. */
  domain?: string;
  /** Sine the phone sends. Default 440 Hz. */
  sineHz?: number;
  /** 'auto' answers incoming calls at once (default); 'manual' waits for `accept`. */
  answer?: 'auto' | 'manual';
  codecs?: Array<'g711' | 'g722' | 'opus' | 'l16'>;
  /** Register to the gateway (default true). false: an unregistered SIP peer that only dials (a trunk-host peer by IP). */
  register?: boolean;
  /** Mandatory SDES-SRTP (`module srtp.so`, account `;mediaenc=srtp-mand`): offers and accepts only RTP/SAVP with a=crypto. Default false. */
  srtp?: boolean;
}

/** A position in the recording: bytes of the file when it was taken. */
export interface RecordingMark {
  file?: string;
  bytes: number;
}

/** Tone measurements of a stretch of received audio. */
export interface ToneReading {
  /** Samples analysed (mono). */
  samples: number;
  sampleRate: number;
  /** Overall level, dBFS. */
  rmsDbfs: number;
  /** Level of the component at each asked frequency (Goertzel), dBFS. */
  levels: Record<number, number>;
  /** Share of the RMS amplitude in the first asked frequency (≈1 for a clean tone). */
  share: number;
}

export class BaresipPhone {
  readonly peer: BaresipPeer;
  readonly user: string;

  private constructor(peer: BaresipPeer, user: string) {
    this.peer = peer;
    this.user = user;
  }

  /** Starts baresip and waits until its REGISTER succeeded (unless `register: false`). */
  static async start(o: BaresipPhoneOptions): Promise<BaresipPhone> {
    const answer = o.answer ?? 'auto';
    const register = o.register ?? true;
    const auth = register ? `;auth_pass=${o.password}` : '';
    const srtp = o.srtp ? ';mediaenc=srtp-mand' : '';
    const account = `<sip:${o.user}@${o.domain ?? '127.0.0.1'}:${o.gatewaySipPort};transport=udp>${auth};answermode=${answer === 'auto' ? 'auto' : 'manual'};regint=${register ? 600 : 0}${srtp}`;
    const peer = await BaresipPeer.start({ account, sineHz: o.sineHz ?? 440, codecs: o.codecs, sipTrace: true, extraConfig: o.srtp ? ['module srtp.so'] : [] });
    const phone = new BaresipPhone(peer, o.user);
    if (!register) return phone;
    try {
      await phone.#waitRegistered(10_000);
    } catch (err) {
      await phone.stop();
      throw err;
    }
    return phone;
  }

  /** baresip registers as soon as it starts, often before our ctrl connection is up and can see
   * REGISTER_OK — so watch its console line `1002@127.0.0.1: {0/UDP/v4} 200 OK` as well. */
  async #waitRegistered(timeoutMs: number): Promise<void> {
    const line = new RegExp(`${this.user}@127\\.0\\.0\\.1: \\{\\d+/\\w+/v4\\} 200 `);
    const deadline = Date.now() + timeoutMs;
    while (!line.test(this.peer.output) && !this.peer.events.some((e) => e.type === 'REGISTER_OK')) {
      if (Date.now() > deadline) throw new Error(`baresip ${this.user} did not register within ${timeoutMs} ms:\n${this.peer.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Index to pass as `since` so waitEvent only sees events after now. */
  get eventCount(): number {
    return this.peer.events.length;
  }

  waitEvent(type: string, timeoutMs = 15_000, since = 0): Promise<BaresipEvent> {
    return this.peer.waitEvent(type, timeoutMs, since);
  }

  /** Sends a ctrl_tcp command and throws when baresip refuses it. */
  async command(command: string, params?: string): Promise<string> {
    const r = await this.peer.command(command, params);
    if (!r.ok) throw new Error(`baresip ${command} ${params ?? ''} failed: ${r.data}`);
    return r.data;
  }

  dial(uri: string): Promise<string> {
    return this.command('dial', uri);
  }

  /** The newest received-audio recording, if any. */
  recordingFile(): string | undefined {
    const dir = this.peer.recordDir;
    if (!existsSync(dir)) return undefined;
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('-dec.wav'))
      .map((f) => join(dir, f))
      .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
    return files.at(-1);
  }

  mark(): RecordingMark {
    const file = this.recordingFile();
    return { file, bytes: file ? statSync(file).size : 0 };
  }

  /** Mono samples received after `mark` (everything when `mark` is omitted). */
  received(mark?: RecordingMark): { sampleRate: number; samples: Int16Array } {
    const file = this.recordingFile();
    if (!file) return { sampleRate: 8000, samples: new Int16Array(0) };
    const buf = new Uint8Array(readFileSync(file));
    // sndfile writes the data size on close: while the call runs, let readWav clamp to the file.
    const data = Buffer.from(buf).indexOf('data', 12);
    if (data > 0) new DataView(buf.buffer, buf.byteOffset).setUint32(data + 4, 0xffffffff, true);
    const wav = readWav(buf);
    const mono = wav.channels === 1 ? wav.samples : downmixToMono(wav.samples, wav.channels);
    const headerBytes = data > 0 ? data + 8 : 44;
    const skipFrames = mark && mark.file === file ? Math.max(0, Math.floor((mark.bytes - headerBytes) / (2 * wav.channels))) : 0;
    return { sampleRate: wav.sampleRate, samples: mono.subarray(Math.min(skipFrames, mono.length)) };
  }

  /** Tone levels in what was received after `mark` (last `lastMs` only, when given). */
  heardSince(mark: RecordingMark | undefined, freqs: number[], lastMs?: number): ToneReading {
    const { sampleRate, samples: all } = this.received(mark);
    const samples = lastMs ? all.subarray(Math.max(0, all.length - Math.round((sampleRate * lastMs) / 1000))) : all;
    const levels: Record<number, number> = {};
    for (const f of freqs) levels[f] = 10 * Math.log10(goertzelPower(samples, sampleRate, f) + 1e-9) - 20 * Math.log10(32768);
    return {
      samples: samples.length,
      sampleRate,
      rmsDbfs: samples.length ? rmsDbfs(samples) : -Infinity,
      levels,
      share: samples.length ? toneCorrelation(samples, sampleRate, freqs[0]!) : 0,
    };
  }

  /** The tail of baresip's console — its SIP trace (`-s`) and call events — without the audio status lines. */
  consoleTail(chars = 3000): string {
    return this.peer.output.replace(/\s*\[\d+:\d+:\d+\] audio=[^\n]*?\(bit\/s\)/g, '').replace(/\x1b\[[\d;]*m/g, '').slice(-chars);
  }

  async stop(): Promise<void> {
    await this.peer.stop();
    this.peer.cleanup();
  }
}
