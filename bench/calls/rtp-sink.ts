/**
 * The SIP side of the benchmark: a lean UAS (gateway/sip's SipStack on UDP) that answers every
 * INVITE with PCMU and, per call, one UDP socket that sends a 1 kHz PCMU frame (a reused 172-byte
 * packet, header rewritten in place) on each tick it is given and counts what arrives. It is the
 * "far end" a trunk or PBX would be, kept as cheap as possible.
 */
import { createSocket, type Socket } from 'node:dgram';
import sdpTransform from 'sdp-transform';
import { ulawEncode } from '../../media/codecs/g711.ts';
import { ToneGenerator } from '../../media/tone.ts';
import { SipStack } from '../../gateway/sip/stack/index.ts';
import type { IncomingInvite } from '../../gateway/sip/ua/index.ts';

const FRAME = new Uint8Array(160);
{
  const pcm = new Int16Array(160);
  new ToneGenerator({ frequency: 1000, sampleRate: 8000, dbfs: -10 }).fill(pcm);
  ulawEncode(pcm, FRAME);
}

/** One answered call's media. */
class SinkCall {
  readonly socket: Socket;
  readonly #packet = new Uint8Array(172);
  readonly #view = new DataView(this.#packet.buffer);
  #remotePort = 0;
  #remoteHost = '127.0.0.1';
  #seq = Math.floor(Math.random() * 65535);
  #ts = Math.floor(Math.random() * 2 ** 31);
  sent = 0;
  received = 0;
  closed = false;

  constructor(socket: Socket, ssrc: number) {
    this.socket = socket;
    this.#packet[0] = 0x80;
    this.#packet[1] = 0; // PCMU
    this.#view.setUint32(8, ssrc);
    this.#packet.set(FRAME, 12);
    socket.on('message', () => this.received++);
  }

  setRemote(host: string, port: number): void {
    this.#remoteHost = host;
    this.#remotePort = port;
  }

  tick(): void {
    if (this.closed || !this.#remotePort) return;
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#ts = (this.#ts + 160) >>> 0;
    this.#view.setUint16(2, this.#seq);
    this.#view.setUint32(4, this.#ts);
    this.socket.send(this.#packet, this.#remotePort, this.#remoteHost);
    this.sent++;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}

export class RtpSink {
  readonly stack: SipStack;
  readonly calls = new Set<SinkCall>();
  /** Totals of calls already closed. */
  closedSent = 0;
  closedReceived = 0;

  private constructor(stack: SipStack) {
    this.stack = stack;
    stack.ua.on('invite', (invite) => void this.#answer(invite));
  }

  static async start(): Promise<RtpSink> {
    const stack = await SipStack.start({ listen: { host: '127.0.0.1', port: 0 }, ws: false });
    return new RtpSink(stack);
  }

  get port(): number {
    return this.stack.transport.listeningEndpoint('udp')!.port;
  }

  async #answer(invite: IncomingInvite): Promise<void> {
    const offer = sdpTransform.parse(invite.sdp ?? '');
    const audio = offer.media.find((m) => m.type === 'audio');
    if (!audio || !audio.rtp.some((r) => r.payload === 0)) {
      invite.reject(488);
      return;
    }
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const call = new SinkCall(socket, (Math.random() * 2 ** 32) >>> 0);
    call.setRemote(audio.connection?.ip ?? offer.connection?.ip ?? '127.0.0.1', audio.port);
    this.calls.add(call);
    const port = socket.address().port;
    const te = audio.rtp.find((r) => r.codec.toLowerCase() === 'telephone-event' && r.rate === 8000);
    const answer = [
      'v=0',
      `o=sink ${Date.now()} 1 IN IP4 127.0.0.1`,
      's=sink',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${port} RTP/AVP 0${te ? ` ${te.payload}` : ''}`,
      'a=rtpmap:0 PCMU/8000',
      ...(te ? [`a=rtpmap:${te.payload} telephone-event/8000`, `a=fmtp:${te.payload} 0-15`] : []),
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
    const end = () => {
      if (call.closed) return;
      this.closedSent += call.sent;
      this.closedReceived += call.received;
      call.close();
      this.calls.delete(call);
    };
    try {
      const dialog = await invite.accept(answer);
      dialog.on('terminated', end);
    } catch {
      end();
    }
  }

  /** Sends one frame on every open call. */
  tick(): void {
    for (const c of this.calls) c.tick();
  }

  totals(): { sent: number; received: number; calls: number } {
    let sent = this.closedSent;
    let received = this.closedReceived;
    for (const c of this.calls) {
      sent += c.sent;
      received += c.received;
    }
    return { sent, received, calls: this.calls.size };
  }

  async close(): Promise<void> {
    for (const c of this.calls) c.close();
    await this.stack.close();
  }
}
