/**
 * The werift (0.25.2) internals the leg reaches past the public API for, typed in one place so an
 * upgrade has one file to check:
 * - RTCRtpSender's RTCP sender-report counters, which only werift's own `sendRtp` updates; our RTP
 *   goes straight to the DTLS transport (the sender would rewrite the payload type), so we keep
 *   the counters and start the RTCP loop ourselves.
 * - The error a DTLS transport's `start()` fails with (werift only logs it), so `failed` can say
 *   "fingerprint mismatch" rather than just "failed".
 * - The host sockets' datagram handler, to drop datagrams from sources we would not pair with.
 * - The ICE UDP sockets, so `released` can wait for them to be really closed (werift's close()
 *   calls `socket.close()` without waiting for it).
 */
import dgram from 'node:dgram';
import type { RTCDtlsTransport, RTCPeerConnection, RTCRtpSender } from 'werift';

interface SenderReportCounters {
  ntpTimestamp: bigint;
  rtpTimestamp: number;
  octetCount: number;
  packetCount: number;
  headerBytesSent: number;
}

/**
 * Count one sent RTP packet into the sender's RTCP SR, as werift's own send path does. `ntp`, when
 * given, is the send time matching `rtpTimestamp`; the SR's NTP/RTP pair is updated only then.
 */
export function countSentRtp(sender: RTCRtpSender, rtpTimestamp: number, payloadBytes: number, headerBytes: number, ntp: bigint | undefined): void {
  const s = sender as unknown as SenderReportCounters;
  if (ntp !== undefined) {
    s.ntpTimestamp = ntp;
    s.rtpTimestamp = rtpTimestamp;
  }
  s.octetCount += payloadBytes;
  s.packetCount = (s.packetCount + 1) >>> 0;
  s.headerBytesSent += headerBytes;
}

/** Start the sender's RTCP SR loop (idempotent in werift). */
export function startSenderReports(sender: RTCRtpSender): void {
  void sender.runRtcp();
}

const watched = new WeakSet<RTCDtlsTransport>();

/** Call `onError` with the error `start()` of this transport rejects with (once per transport). */
export function watchDtlsStart(transport: RTCDtlsTransport, onError: (error: unknown) => void): void {
  if (watched.has(transport)) return;
  watched.add(transport);
  const start = transport.start.bind(transport);
  transport.start = async () => {
    try {
      await start();
    } catch (error) {
      onError(error);
      throw error;
    }
  };
}

interface ProtocolInternals {
  transport?: { socket?: unknown };
}

/** The UDP sockets werift opened for this peer connection's ICE (host, and TURN client ones). */
export function udpSocketsOf(pc: RTCPeerConnection): dgram.Socket[] {
  const sockets = new Set<dgram.Socket>();
  for (const t of pc.iceTransports) {
    for (const p of (t.connection as unknown as { protocols: ProtocolInternals[] }).protocols) {
      const s = p.transport?.socket;
      if (s instanceof dgram.Socket) sockets.add(s);
    }
  }
  return [...sockets];
}

interface HostProtocolInternals {
  localCandidate?: { host: string; type: string };
  transport?: { socket?: unknown; onData?: (data: Buffer, addr: [string, number]) => void };
}

/**
 * Drop every datagram arriving on this peer connection's host sockets from a source `allow`
 * refuses, before werift parses it — so no STUN response, DTLS or RTP ever goes back to it (a
 * browser pairs all its interfaces with our candidates; Linux delivers 192.0.2.x → 127.0.0.1).
 * Call once gathering is complete and before the remote side knows our candidates.
 */
export function filterHostIngress(pc: RTCPeerConnection, allow: (local: string, remote: string) => boolean): void {
  for (const t of pc.iceTransports) {
    for (const p of (t.connection as unknown as { protocols: HostProtocolInternals[] }).protocols) {
      const transport = p.transport;
      const local = p.localCandidate?.host;
      if (!transport || !(transport.socket instanceof dgram.Socket) || local === undefined || p.localCandidate?.type !== 'host') continue;
      const inner = transport.onData;
      if (!inner || (inner as { filtered?: boolean }).filtered) continue;
      const filtered = (data: Buffer, addr: [string, number]) => {
        if (allow(local, addr[0])) inner(data, addr);
      };
      (filtered as { filtered?: boolean }).filtered = true;
      transport.onData = filtered;
    }
  }
}

interface CountingProtocol {
  onRequestReceived?: { subscribe(fn: () => void): unknown };
  onDataReceived?: { subscribe(fn: () => void): unknown };
}

/** Call `heard` for every STUN request and every DTLS/SRTP datagram any ICE protocol (host or TURN) receives. */
export function countIngress(pc: RTCPeerConnection, heard: () => void): void {
  for (const t of pc.iceTransports) {
    for (const p of (t.connection as unknown as { protocols: CountingProtocol[] }).protocols) {
      p.onRequestReceived?.subscribe(heard);
      p.onDataReceived?.subscribe(heard);
    }
  }
}
