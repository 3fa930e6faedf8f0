/**
 * RtpLeg: one plain RTP/RTCP session toward a SIP peer — the media half of a SIP call leg. It
 * binds an even/odd port pair from the engine's `RtpPortPool`, sends to the address of the
 * negotiated SDP until symmetric latching learns where the peer really is (`./source-latch.ts`),
 * and carries one negotiated codec at payload level plus RFC 4733 telephone-event, optionally
 * protected with SDES-SRTP (media/srtp). Everything periodic — RTCP SR/RR every ~5 s, DTMF
 * packets, the DTMF end timeout, the RTP timeout — runs on the shared media clock's tick; the
 * leg has no timer of its own.
 *
 * Media surface as WebRtcLeg's (`./media-leg.ts`): `rtp` events (packet object reused), `sendRtp`
 * with the caller's timestamps (we own SSRC, sequence numbers and a random timestamp base),
 * `sendDtmf`, `dtmf`, `close`; plus `timeout` and `latched`. Hold: a direction that does not let
 * us send (recvonly, inactive) stops media but not RTCP. Per packet nothing is allocated by us
 * (send buffers come from a ring, the header is parsed into one reused object); Node allocates
 * the received datagram, and SRTP's native cipher its keystream.
 *
 * Lifecycle as a mediasoup object: `RtpLeg.create()` (async: binds), `connect()` with the remote
 * description (again on re-INVITE), `closed`, idempotent `close()` / `parentClosed()` (RTCP BYE,
 * then the ports go back to the pool; `released` resolves once they have), `getStats()`.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { MediaTick } from '../../media/clock.ts';
import { DtmfReceiver, type DtmfReceiverEvent } from '../../media/dtmf/receiver.ts';
import { createRtpHeader, parseRtcp, readRtp } from '../../media/rtp/index.ts';
import { SrtpContext, SrtpError, parseInlineKey } from '../../media/srtp/index.ts';
import { DtmfOut } from './dtmf-out.ts';
import { RtpError } from './errors.ts';
import type { MediaLeg, MediaRtpPacket, MediaSendRtpOptions } from './media-leg.ts';
import {
  checkRemote,
  resolveRtpLegOptions,
  type ResolvedRtpLegOptions,
  type RtpDirection,
  type RtpLegCodecName,
  type RtpLegOptions,
  type RtpLegRemote,
  type RtpLegSrtp,
} from './options.ts';
import type { RtpPortAllocation } from './port-pool.ts';
import { RtcpReporter } from './rtcp-reporter.ts';
import { SendRing } from './send-ring.ts';
import { LatchVerdict, SourceLatch } from './source-latch.ts';

/** Why the leg closed. */
export type RtpLegCloseReason = 'local' | 'parent';

/** One received audio packet; reused for the next one (read or copy inside the listener). */
export interface RtpLegRtpPacket extends MediaRtpPacket {
  codec: RtpLegCodecName;
  payload: Buffer;
}

export type RtpLegEvents = {
  /** An audio RTP packet of the negotiated payload type arrived from the latched peer. */
  rtp: [packet: RtpLegRtpPacket];
  /** An RFC 4733 key press ended (retransmitted end packets are reported once). */
  dtmf: [digit: string, durationMs: number];
  /** We now send to `address:port`: the first packet latched, or the peer moved (re-latch). */
  latched: [address: string, port: number];
  /**
   * Nothing arrived for `rtpTimeoutMs` (or `holdTimeoutMs` on hold); once per silence, again after
   * packets resume and stop. The leg stays open: the call decides (typically a BYE).
   */
  timeout: [silentMs: number];
  /** The leg closed. Once. */
  close: [reason: RtpLegCloseReason];
};

export interface RtpLegStats {
  id: string;
  closed: boolean;
  /** Address and ports we advertise (SDP c=/m=, RTCP port). */
  localAddress: string;
  localPort: number;
  localRtcpPort: number;
  /** Where we send RTP now (SDP address until latched) — 'ip:port'. */
  remoteAddress: string | undefined;
  latched: boolean;
  relatches: number;
  codec: RtpLegCodecName | undefined;
  payloadType: number | undefined;
  telephoneEventPt: number | undefined;
  direction: RtpDirection;
  rtcpMux: boolean;
  /** SRTP suite in use, or null for plain RTP. */
  srtp: string | null;
  ssrc: number;
  remoteSsrc: number | null;
  remoteCname: string | undefined;
  rtpPacketsSent: number;
  rtpBytesSent: number;
  /** sendRtp calls refused: not connected, on hold, or a DTMF tone playing. */
  rtpSendsDropped: number;
  rtpPacketsReceived: number;
  rtpBytesReceived: number;
  /** Datagrams that did not parse as RTP/RTCP (after SRTP). */
  malformed: number;
  rtpUnknownPayloadType: number;
  /** Valid packets from a source other than the latched one (dropped; see source-latch.ts). */
  fromOtherSource: number;
  /** Packets dropped because our direction says we do not receive. */
  rtpDroppedOnHold: number;
  srtpAuthFailures: number;
  srtpReplayed: number;
  /** RFC 3550 receiver statistics of the peer's stream. */
  packetsLost: number;
  jitterMs: number;
  /** What the peer reported about our stream in RTCP (null before its first report block). */
  remoteFractionLost: number | null;
  remotePacketsLost: number | null;
  remoteJitterMs: number | null;
  /** Round-trip time from the peer's last report block (ms), or null. */
  rttMs: number | null;
  rtcpSent: number;
  rtcpReceived: number;
  byeReceived: boolean;
  dtmfSent: number;
  dtmfReceived: number;
  timeouts: number;
  /** Sends that found the send-buffer ring full (a fresh buffer was used). */
  sendBufferFallbacks: number;
  socketErrors: number;
}

const unixNowMs = (): number => performance.timeOrigin + performance.now();

function randomU32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

export class RtpLeg extends EventEmitter<RtpLegEvents> implements MediaLeg {
  readonly #o: ResolvedRtpLegOptions;
  readonly #ports: RtpPortAllocation;
  readonly #rtpSocket: Socket;
  readonly #rtcpSocket: Socket | null;
  readonly #rtpRing: SendRing;
  readonly #rtcpRing = new SendRing(4);
  readonly #header = createRtpHeader();
  readonly #packet: RtpLegRtpPacket = {
    payloadType: 0, codec: 'PCMU', clockRate: 8000, payload: Buffer.alloc(0), timestamp: 0, sequenceNumber: 0, marker: false, ssrc: 0,
  };
  readonly #ssrc = randomU32();
  readonly #tsBase = randomU32();
  readonly #createdMs: number;
  #seq = randomU32() & 0xffff;
  #remote: RtpLegRemote | null = null;
  #direction: RtpDirection = 'sendrecv';
  #latch: SourceLatch | null = null;
  #rtcpLatch: SourceLatch | null = null;
  #srtpKeys: RtpLegSrtp | null = null;
  #srtpOut: SrtpContext | null = null;
  #srtpIn: SrtpContext | null = null;
  #reporter: RtcpReporter;
  #dtmfOut: DtmfOut | null = null;
  #dtmfIn: DtmfReceiver | null = null;
  #nextRtcpMs = Infinity;
  #lastRtpMs = 0;
  #lastAnyMs = 0;
  #timedOut = false;
  #closed = false;
  #released: Promise<void> = Promise.resolve();
  readonly #unsubscribe: () => void;
  readonly #stats = {
    rtpSendsDropped: 0,
    rtpPacketsReceived: 0,
    rtpBytesReceived: 0,
    malformed: 0,
    rtpUnknownPayloadType: 0,
    fromOtherSource: 0,
    rtpDroppedOnHold: 0,
    srtpAuthFailures: 0,
    srtpReplayed: 0,
    dtmfReceived: 0,
    timeouts: 0,
    socketErrors: 0,
  };

  /** Bind a port pair from `options.ports` and make a leg on it (not yet connected). */
  static async create(options: RtpLegOptions): Promise<RtpLeg> {
    const resolved = resolveRtpLegOptions(options);
    const ports = await resolved.ports.allocate();
    return new RtpLeg(resolved, ports);
  }

  private constructor(options: ResolvedRtpLegOptions, ports: RtpPortAllocation) {
    super();
    this.#o = options;
    this.#ports = ports;
    this.#rtpSocket = ports.rtpSocket;
    this.#rtcpSocket = ports.rtcpSocket;
    this.#rtpRing = new SendRing(options.sendBuffers);
    this.#createdMs = options.clock.nowMs();
    this.#reporter = new RtcpReporter(this.#ssrc, options.cname, 8000);
    const onError = (): void => {
      this.#stats.socketErrors++;
    };
    this.#rtpSocket.on('error', onError);
    this.#rtpSocket.on('message', this.#onRtpSocket);
    if (this.#rtcpSocket) {
      this.#rtcpSocket.on('error', onError);
      this.#rtcpSocket.on('message', this.#onRtcpSocket);
    }
    this.#unsubscribe = options.clock.subscribe(this.#onTick);
  }

  get id(): string {
    return this.#o.id;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Address to advertise in SDP (c=). */
  get localAddress(): string {
    return this.#o.advertisedAddress;
  }

  /** RTP port to advertise (m=). */
  get localPort(): number {
    return this.#ports.rtpPort;
  }

  /** RTCP port (RTP port + 1; advertise a=rtcp only if you want to be explicit). */
  get localRtcpPort(): number {
    return this.#ports.rtcpPort;
  }

  /** Our SSRC. */
  get ssrc(): number {
    return this.#ssrc;
  }

  get direction(): RtpDirection {
    return this.#direction;
  }

  /** Resolves once the ports are back in the pool after close. */
  get released(): Promise<void> {
    return this.#released;
  }

  /**
   * Apply the negotiated remote description (first answer, or a re-INVITE's). Resets latching
   * when the peer's address changed, re-keys SRTP when its keys changed. Throws RtpError
   * ('bad-options') for an unusable description, ('invalid-state') when closed.
   */
  connect(remote: RtpLegRemote): void {
    if (this.#closed) throw new RtpError('invalid-state', 'leg is closed');
    checkRemote(remote);
    const srtp = this.#srtpContexts(remote.srtp ?? null); // may throw: before anything changes
    const prev = this.#remote;
    const codec = remote.codec;
    const now = this.#o.clock.nowMs();
    if (!prev || prev.codec.clockRate !== codec.clockRate) {
      this.#reporter = new RtcpReporter(this.#ssrc, this.#o.cname, codec.clockRate);
    }
    const rtcpAddress = remote.rtcpAddress ?? remote.address;
    const rtcpPort = remote.rtcpPort ?? (remote.rtcpMux ? remote.port : remote.port + 1);
    if (!this.#latch || !prev || prev.address !== remote.address || prev.port !== remote.port) {
      this.#latch = new SourceLatch(remote.address, remote.port, this.#o.latching, this.#o.relatchPackets);
    }
    if (!this.#rtcpLatch || !prev || prev.rtcpAddress !== remote.rtcpAddress || prev.rtcpPort !== remote.rtcpPort) {
      this.#rtcpLatch = new SourceLatch(rtcpAddress, rtcpPort, this.#o.latching, Math.min(2, this.#o.relatchPackets));
    }
    if (srtp !== undefined) {
      this.#srtpKeys = remote.srtp ?? null;
      this.#srtpOut = srtp?.out ?? null;
      this.#srtpIn = srtp?.in ?? null;
    }
    const te = codec.telephoneEventPt;
    const teRate = codec.telephoneEventClockRate ?? codec.clockRate;
    if (te === undefined) {
      this.#dtmfOut?.close(new RtpError('no-telephone-event', 'telephone-event is no longer negotiated'));
      this.#dtmfOut = null;
      this.#dtmfIn = null;
    } else if (!prev || prev.codec.telephoneEventPt !== te || (prev.codec.telephoneEventClockRate ?? prev.codec.clockRate) !== teRate) {
      this.#dtmfOut?.close(new RtpError('invalid-state', 'telephone-event renegotiated'));
      this.#dtmfOut = new DtmfOut(teRate, (payload, ts, marker) => this.#write(payload, te, ts, marker, false));
      this.#dtmfIn = new DtmfReceiver({ clockRate: teRate, endTimeoutMs: this.#o.dtmfEndTimeoutMs });
    }
    this.#remote = remote;
    this.#direction = remote.direction ?? 'sendrecv';
    this.#lastRtpMs = now;
    this.#lastAnyMs = now;
    this.#timedOut = false;
    if (!prev) this.#nextRtcpMs = now + this.#rtcpInterval() / 2; // first report early (RFC 3550 §6.2)
  }

  /** Change what we may do (hold: 'recvonly' / 'inactive' stop our media; RTCP goes on). */
  setDirection(direction: RtpDirection): void {
    if (this.#closed) return;
    if (direction !== this.#direction) {
      const now = this.#o.clock.nowMs();
      this.#lastRtpMs = now;
      this.#lastAnyMs = now;
      this.#timedOut = false;
    }
    this.#direction = direction;
  }

  /**
   * Send one payload with our SSRC, the next sequence number and `timestamp` + our base. Returns
   * false (counted) when not connected, on hold, or while a DTMF tone is playing (RFC 4733 §2.5.1.2:
   * the tone replaces the audio). Throws RtpError('bad-options') for a payload type that was not
   * negotiated for audio.
   */
  sendRtp(payload: Uint8Array, options: MediaSendRtpOptions): boolean {
    const remote = this.#remote;
    if (this.#closed || !remote || !this.#canSend() || this.#dtmfOut?.busy) {
      this.#stats.rtpSendsDropped++;
      return false;
    }
    const pt = options.payloadType ?? remote.codec.payloadType;
    if (pt !== remote.codec.payloadType) throw new RtpError('bad-options', `payload type ${pt} is not the negotiated audio payload type`);
    this.#write(payload, pt, (this.#tsBase + options.timestamp) >>> 0, options.marker ?? false, true);
    return true;
  }

  /**
   * Send `digits` ('0'–'9', '*', '#', 'A'–'D', ',' pauses 2 s) as RFC 4733 events of `durationMs`
   * each (minimum 40). Resolves when the last end packet went out; rejects when the leg closes
   * first. Throws RtpError when not connected, on hold, or without telephone-event.
   */
  async sendDtmf(digits: string, durationMs = 100): Promise<void> {
    const remote = this.#remote;
    if (this.#closed || !remote) throw new RtpError('invalid-state', this.#closed ? 'leg is closed' : 'leg is not connected');
    if (!this.#canSend()) throw new RtpError('invalid-state', `cannot send DTMF while ${this.#direction}`);
    const out = this.#dtmfOut;
    if (!out || remote.codec.telephoneEventPt === undefined) throw new RtpError('no-telephone-event', 'telephone-event was not negotiated');
    const now = this.#o.clock.nowMs();
    const teRate = remote.codec.telephoneEventClockRate ?? remote.codec.clockRate;
    const sameClock = teRate === remote.codec.clockRate && this.#reporter.mediaSent;
    const wireTs = sameClock
      ? this.#reporter.wireTimestampAt(now)
      : (this.#tsBase + Math.round(((now - this.#createdMs) * teRate) / 1000)) >>> 0;
    return out.play(digits, durationMs, now, wireTs);
  }

  /** Close (idempotent): RTCP BYE, ports back to the pool. Emits `close('local')`. */
  close(): void {
    this.#teardown('local');
  }

  /** Close because the owning Call closed (idempotent). Emits `close('parent')`. */
  parentClosed(): void {
    this.#teardown('parent');
  }

  getStats(): RtpLegStats {
    const remote = this.#remote;
    const latch = this.#latch;
    const rep = this.#reporter;
    const rx = rep.receiver;
    const rr = rep.remoteReception;
    return {
      id: this.id,
      closed: this.#closed,
      localAddress: this.localAddress,
      localPort: this.localPort,
      localRtcpPort: this.localRtcpPort,
      remoteAddress: latch ? `${latch.address}:${latch.port}` : undefined,
      latched: latch?.latched ?? false,
      relatches: latch?.relatches ?? 0,
      codec: remote?.codec.codec,
      payloadType: remote?.codec.payloadType,
      telephoneEventPt: remote?.codec.telephoneEventPt,
      direction: this.#direction,
      rtcpMux: remote?.rtcpMux ?? false,
      srtp: this.#srtpKeys?.suite ?? null,
      ssrc: this.#ssrc,
      remoteSsrc: rep.remoteSsrc,
      remoteCname: rep.remoteCname,
      rtpPacketsSent: rep.packetsSent,
      rtpBytesSent: rep.octetsSent,
      ...this.#stats,
      packetsLost: rx.lost,
      jitterMs: rx.jitterMs,
      remoteFractionLost: rr?.fractionLost ?? null,
      remotePacketsLost: rr?.packetsLost ?? null,
      remoteJitterMs: rr?.jitterMs ?? null,
      rttMs: rep.rttMs,
      rtcpSent: rep.reportsSent,
      rtcpReceived: rep.reportsReceived,
      byeReceived: rep.byeReceived,
      dtmfSent: this.#dtmfOut?.digitsSent ?? 0,
      sendBufferFallbacks: this.#rtpRing.fallbacks + this.#rtcpRing.fallbacks,
    };
  }

  // --- sending ---------------------------------------------------------------------------------

  #canSend(): boolean {
    return this.#direction === 'sendrecv' || this.#direction === 'sendonly';
  }

  #receiving(): boolean {
    return this.#direction === 'sendrecv' || this.#direction === 'recvonly';
  }

  #write(payload: Uint8Array, pt: number, wireTs: number, marker: boolean, media: boolean): void {
    const latch = this.#latch!;
    const buf = this.#rtpRing.acquire();
    let len = 12 + payload.length;
    if (len + 16 > buf.length) throw new RtpError('bad-options', `RTP payload of ${payload.length} bytes is too large`);
    const seq = this.#seq;
    this.#seq = (seq + 1) & 0xffff;
    const ssrc = this.#ssrc;
    buf[0] = 0x80;
    buf[1] = (marker ? 0x80 : 0) | pt;
    buf[2] = seq >>> 8;
    buf[3] = seq & 0xff;
    buf[4] = wireTs >>> 24;
    buf[5] = (wireTs >>> 16) & 0xff;
    buf[6] = (wireTs >>> 8) & 0xff;
    buf[7] = wireTs & 0xff;
    buf[8] = ssrc >>> 24;
    buf[9] = (ssrc >>> 16) & 0xff;
    buf[10] = (ssrc >>> 8) & 0xff;
    buf[11] = ssrc & 0xff;
    buf.set(payload, 12);
    if (this.#srtpOut) len = this.#srtpOut.protectRtp(buf, len);
    this.#rtpRing.send(this.#rtpSocket, buf, len, latch.port, latch.address);
    this.#reporter.onRtpSent(wireTs, payload.length, this.#o.clock.nowMs(), media);
  }

  /** Our compound RTCP (with BYE when `bye`); `done` runs once the datagram left (or failed). */
  #sendRtcp(now: number, bye: boolean, done?: () => void): void {
    const remote = this.#remote;
    const muxed = remote?.rtcpMux || !this.#rtcpSocket;
    const latch = muxed ? this.#latch : this.#rtcpLatch;
    if (!remote || !latch) {
      done?.();
      return;
    }
    const ring = muxed ? this.#rtpRing : this.#rtcpRing;
    const socket = muxed ? this.#rtpSocket : this.#rtcpSocket!;
    const buf = ring.acquire();
    let len = this.#reporter.buildReport(buf, now, unixNowMs(), bye);
    if (this.#srtpOut) len = this.#srtpOut.protectRtcp(buf, len);
    if (!done) {
      ring.send(socket, buf, len, latch.port, latch.address);
      return;
    }
    try {
      socket.send(buf, 0, len, latch.port, latch.address, () => done());
    } catch {
      done();
    }
  }

  #rtcpInterval(): number {
    return this.#o.rtcpIntervalMs * (0.5 + Math.random());
  }

  /** SRTP contexts for `keys`: undefined when they equal the current ones (keep ROC and replay state). */
  #srtpContexts(keys: RtpLegSrtp | null): { out: SrtpContext; in: SrtpContext } | null | undefined {
    const prev = this.#srtpKeys;
    if (
      keys && prev && keys.suite === prev.suite && keys.localKey === prev.localKey && keys.remoteKey === prev.remoteKey &&
      !!keys.unencryptedSrtp === !!prev.unencryptedSrtp && !!keys.unencryptedSrtcp === !!prev.unencryptedSrtcp
    ) {
      return undefined;
    }
    if (!keys) return null;
    const common = {
      suite: keys.suite,
      replayWindow: this.#o.srtpReplayWindow,
      encryptRtp: !keys.unencryptedSrtp,
      encryptRtcp: !keys.unencryptedSrtcp,
    };
    try {
      return {
        out: new SrtpContext({ ...common, ...parseInlineKey(keys.suite, keys.localKey) }),
        in: new SrtpContext({ ...common, ...parseInlineKey(keys.suite, keys.remoteKey) }),
      };
    } catch (error) {
      throw new RtpError('bad-options', `SRTP keys: ${(error as Error).message}`, { cause: error });
    }
  }

  // --- receiving -------------------------------------------------------------------------------

  readonly #onRtpSocket = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.#closed) return;
    const b1 = msg.length >= 2 ? msg[1]! : 0;
    if (b1 >= 192 && b1 <= 223) this.#onRtcpDatagram(msg, rinfo, true); // RFC 5761 demux
    else this.#onRtpDatagram(msg, rinfo);
  };

  readonly #onRtcpSocket = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.#closed) return;
    this.#onRtcpDatagram(msg, rinfo, false);
  };

  #onRtpDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    const remote = this.#remote;
    if (!remote) return; // not negotiated yet: nothing to check it against
    let len = msg.length;
    if (this.#srtpIn) {
      len = this.#srtpIn.unprotectRtp(msg, len);
      if (len < 0) {
        this.#countSrtpFailure(len);
        return;
      }
    }
    const h = this.#header;
    if (readRtp(len === msg.length ? msg : msg.subarray(0, len), h) !== 'ok') {
      this.#stats.malformed++;
      return;
    }
    const codec = remote.codec;
    const pt = h.payloadType;
    const isEvent = pt === codec.telephoneEventPt;
    if (pt !== codec.payloadType && !isEvent) {
      this.#stats.rtpUnknownPayloadType++;
      return;
    }
    const latch = this.#latch!;
    if (!latch.latched && remote.ssrc !== undefined && h.ssrc !== remote.ssrc) {
      this.#stats.fromOtherSource++;
      return;
    }
    const verdict = latch.offer(rinfo.address, rinfo.port);
    if (verdict === LatchVerdict.IGNORED) {
      this.#stats.fromOtherSource++;
      return;
    }
    if (verdict !== LatchVerdict.CURRENT) this.emit('latched', latch.address, latch.port);
    const now = this.#o.clock.nowMs();
    this.#lastRtpMs = now;
    this.#lastAnyMs = now;
    this.#timedOut = false;
    this.#reporter.onRtpReceived(h.ssrc, h.sequenceNumber, h.timestamp, now);
    if (!this.#receiving()) {
      this.#stats.rtpDroppedOnHold++;
      return;
    }
    this.#stats.rtpPacketsReceived++;
    this.#stats.rtpBytesReceived += h.payloadLength;
    if (isEvent) {
      const rx = this.#dtmfIn;
      if (rx) this.#onDtmfEvents(rx.push(h, now));
      return;
    }
    const p = this.#packet;
    p.payloadType = pt;
    p.codec = codec.codec;
    p.clockRate = codec.clockRate;
    p.payload = h.payload as Buffer;
    p.timestamp = h.timestamp;
    p.sequenceNumber = h.sequenceNumber;
    p.marker = h.marker;
    p.ssrc = h.ssrc;
    this.emit('rtp', p);
  }

  #onRtcpDatagram(msg: Buffer, rinfo: RemoteInfo, muxed: boolean): void {
    if (!this.#remote) return;
    let len = msg.length;
    if (this.#srtpIn) {
      len = this.#srtpIn.unprotectRtcp(msg, len);
      if (len < 0) {
        this.#countSrtpFailure(len);
        return;
      }
    }
    const { packets } = parseRtcp(len === msg.length ? msg : msg.subarray(0, len));
    if (packets.length === 0) {
      this.#stats.malformed++;
      return;
    }
    if (muxed) {
      const latch = this.#latch!;
      if (latch.latched && (rinfo.port !== latch.port || rinfo.address !== latch.address)) {
        this.#stats.fromOtherSource++;
        return;
      }
    } else if (this.#rtcpLatch!.offer(rinfo.address, rinfo.port) === LatchVerdict.IGNORED) {
      this.#stats.fromOtherSource++;
      return;
    }
    const now = this.#o.clock.nowMs();
    this.#lastAnyMs = now;
    if (!this.#receiving()) this.#timedOut = false;
    this.#reporter.onRtcp(packets, now, unixNowMs());
  }

  #countSrtpFailure(code: number): void {
    if (code === SrtpError.AUTH_FAILED) this.#stats.srtpAuthFailures++;
    else if (code === SrtpError.REPLAYED) this.#stats.srtpReplayed++;
    else this.#stats.malformed++;
  }

  #onDtmfEvents(events: readonly DtmfReceiverEvent[]): void {
    for (const ev of events) {
      if (ev.type !== 'end') continue;
      this.#stats.dtmfReceived++;
      this.emit('dtmf', ev.key, ev.durationMs);
    }
  }

  // --- the media clock -------------------------------------------------------------------------

  readonly #onTick = (tick: MediaTick): void => {
    if (this.#closed || !this.#remote) return;
    const now = tick.nowMs;
    this.#dtmfOut?.pump(now);
    const rx = this.#dtmfIn;
    if (rx?.active) this.#onDtmfEvents(rx.tick(now));
    if (now >= this.#nextRtcpMs) {
      this.#nextRtcpMs = now + this.#rtcpInterval();
      this.#sendRtcp(now, false);
    }
    this.#checkTimeout(now);
  };

  #checkTimeout(now: number): void {
    if (this.#timedOut) return;
    const receiving = this.#receiving();
    const limit = receiving ? this.#o.rtpTimeoutMs : this.#o.holdTimeoutMs;
    if (limit <= 0) return;
    const silent = now - (receiving ? this.#lastRtpMs : this.#lastAnyMs);
    if (silent < limit) return;
    this.#timedOut = true;
    this.#stats.timeouts++;
    this.emit('timeout', silent);
  }

  // --- teardown --------------------------------------------------------------------------------

  #teardown(reason: RtpLegCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#dtmfOut?.close(new RtpError('invalid-state', 'leg closed'));
    this.#released = new Promise<void>((resolve) => {
      const release = (): void => {
        this.#ports.release().then(resolve, resolve);
      };
      if (this.#remote) this.#sendRtcp(this.#o.clock.nowMs(), true, release);
      else release();
    });
    this.emit('close', reason);
  }
}
