/**
 * e2e harness: a small SIP phone built on gateway/sip — registered to the gateway as a demo user
 * (the stack's trunk registration), answering calls with PCMU, sending a sine and recording what
 * it receives with arrival marks. It can hold and resume (re-INVITE sendonly / sendrecv) and
 * follows the gateway's re-INVITEs; while either side holds it sends nothing. It exists for the
 * hold spec: baresip 1.0 loses its recording filter on the first hold re-INVITE, so it cannot
 * show audio coming back, and this phone can.
 */
import { createSocket, type Socket } from 'node:dgram';
import { ulawDecode, ulawEncode } from '../../media/codecs/g711.ts';
import { ToneGenerator } from '../../media/tone.ts';
import { goertzelPower } from '../../media/testing/signal.ts';
import type { Dialog } from '../../gateway/sip/index.ts';
import { SipStack } from '../../gateway/sip/stack/index.ts';

type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const direction = (sdp: string): Direction => (/^a=(sendrecv|sendonly|recvonly|inactive)\r?$/m.exec(sdp)?.[1] as Direction | undefined) ?? 'sendrecv';
const answerTo = (d: Direction): Direction => (d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d);

export class RtpPhone {
  readonly stack: SipStack;
  readonly #socket: Socket;
  readonly #tone: ToneGenerator;
  readonly #pcm = new Int16Array(160);
  readonly #packet = new Uint8Array(172);
  readonly #received: Int16Array[] = [];
  #receivedSamples = 0;
  #dialog: Dialog | undefined;
  #remote: { host: string; port: number } | undefined;
  #localDir: Direction = 'sendrecv';
  #sending = false;
  #timer: NodeJS.Timeout | undefined;
  #seq = 1000;
  #ts = 0;
  #version = 1;
  /** The phone's user name at the gateway. */
  readonly user: string;

  private constructor(stack: SipStack, socket: Socket, user: string, sineHz: number) {
    this.stack = stack;
    this.#socket = socket;
    this.user = user;
    this.#tone = new ToneGenerator({ frequency: sineHz, sampleRate: 8000, dbfs: -10 });
    this.#packet[0] = 0x80;
    new DataView(this.#packet.buffer).setUint32(8, 0x5eed1234);
    socket.on('message', (msg) => {
      if (msg.length < 12 || (msg[1]! & 0x7f) !== 0) return;
      const pcm = new Int16Array(msg.length - 12);
      ulawDecode(msg.subarray(12), pcm);
      this.#received.push(pcm);
      this.#receivedSamples += pcm.length;
    });
    stack.ua.on('invite', (invite) => {
      this.#remote = remoteOf(invite.sdp ?? '');
      this.#localDir = 'sendrecv';
      invite.accept(this.#sdp(answerTo(direction(invite.sdp ?? '')))).then(
        (dialog) => this.#bind(dialog, direction(invite.sdp ?? '')),
        () => undefined,
      );
    });
  }

  /** Starts the phone and registers it as `user` at the gateway's SIP port. */
  static async start(o: { user: string; password: string; gatewaySipPort: number; sineHz: number }): Promise<RtpPhone> {
    const stack = await SipStack.start({
      ws: false,
      trunks: [{ name: 'gateway', username: o.user, password: o.password, host: `127.0.0.1:${o.gatewaySipPort}`, transport: 'udp', expires: 600 }],
    });
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    const phone = new RtpPhone(stack, socket, o.user, o.sineHz);
    const deadline = Date.now() + 10_000;
    while (stack.registeredTrunks < 1) {
      if (Date.now() > deadline) throw new Error(`RtpPhone ${o.user} did not register: ${JSON.stringify(stack.trunks.statuses())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return phone;
  }

  get inCall(): boolean {
    return Boolean(this.#dialog && !this.#dialog.terminated);
  }

  /** Samples received so far (a mark for `heardSince`). */
  mark(): number {
    return this.#receivedSamples;
  }

  /** Level (dB re full scale) at `hz` of what arrived after `mark`, and how much arrived. */
  heardSince(mark: number, hz: number): { seconds: number; dbfs: number } {
    const all = new Int16Array(this.#receivedSamples);
    let at = 0;
    for (const c of this.#received) {
      all.set(c, at);
      at += c.length;
    }
    const part = all.subarray(Math.min(mark, all.length));
    const dbfs = part.length ? 10 * Math.log10(goertzelPower(part, 8000, hz) + 1e-9) - 20 * Math.log10(32768) : -Infinity;
    return { seconds: part.length / 8000, dbfs };
  }

  /** Puts the call on hold (re-INVITE a=sendonly); resolves with the gateway's answered direction. */
  async hold(): Promise<Direction> {
    return this.#reinvite('sendonly');
  }

  async resume(): Promise<Direction> {
    return this.#reinvite('sendrecv');
  }

  async hangup(): Promise<void> {
    await this.#dialog?.bye().catch(() => undefined);
  }

  async #reinvite(dir: Direction): Promise<Direction> {
    const dialog = this.#dialog;
    if (!dialog) throw new Error('RtpPhone: no call');
    this.#localDir = dir;
    this.#setSending(false);
    const response = await dialog.reinvite(this.#sdp(dir));
    if (response.status !== 200) throw new Error(`RtpPhone re-INVITE: ${response.status} ${response.reason}`);
    const answered = direction(response.body.toString('utf8'));
    // No music on hold: while we hold we send nothing.
    this.#setSending(dir === 'sendrecv' && (answered === 'sendrecv' || answered === 'recvonly'));
    return answered;
  }

  #bind(dialog: Dialog, offered: Direction): void {
    this.#dialog = dialog;
    this.#setSending(offered === 'sendrecv' || offered === 'recvonly');
    dialog.on('reinvite', (offer) => {
      const d = direction(offer.sdp ?? '');
      if (offer.sdp) this.#remote = remoteOf(offer.sdp);
      const answer = this.#localDir === 'sendonly' ? (d === 'sendrecv' || d === 'recvonly' ? 'sendonly' : 'inactive') : answerTo(d);
      offer.accept(this.#sdp(answer));
      this.#setSending(answer === 'sendrecv' || answer === 'sendonly');
    });
    dialog.on('terminated', () => this.#setSending(false));
  }

  #sdp(dir: Direction): string {
    const port = this.#socket.address().port;
    return ['v=0', `o=rtpphone 1 ${this.#version++} IN IP4 127.0.0.1`, 's=rtpphone', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=ptime:20', `a=${dir}`, ''].join('\r\n');
  }

  #setSending(on: boolean): void {
    this.#sending = on;
    if (on && !this.#timer) this.#timer = setInterval(() => this.#send(), 20);
    if (!on && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #send(): void {
    if (!this.#sending || !this.#remote) return;
    this.#tone.fill(this.#pcm);
    ulawEncode(this.#pcm, this.#packet.subarray(12));
    const view = new DataView(this.#packet.buffer);
    view.setUint16(2, (this.#seq = (this.#seq + 1) & 0xffff));
    view.setUint32(4, (this.#ts = (this.#ts + 160) >>> 0));
    this.#socket.send(this.#packet, this.#remote.port, this.#remote.host);
  }

  async stop(): Promise<void> {
    this.#setSending(false);
    await this.hangup();
    this.#socket.close();
    await this.stack.close();
  }
}

function remoteOf(sdp: string): { host: string; port: number } {
  const host = /^c=IN IP4 (\S+)/m.exec(sdp)?.[1] ?? '127.0.0.1';
  const port = Number(/^m=audio (\d+)/m.exec(sdp)?.[1] ?? 0);
  return { host, port };
}
