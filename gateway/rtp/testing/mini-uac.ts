/**
 * Test helper: the least SIP that gets a real peer (baresip with answermode=auto) to exchange
 * RTP with an RtpLeg before the gateway's SIP UA exists at this layer — one INVITE over UDP on
 * 127.0.0.1 (retransmitted like timer A), its final response, the ACK, and a BYE. No auth, no
 * forking, no re-INVITE. Not a SIP stack: gateway/sip is.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

export interface MiniCall {
  /** Status of the final response to the INVITE. */
  status: number;
  /** SDP body of the 200 OK. */
  answerSdp: string;
  /** Send BYE and wait for its response. */
  hangup(): Promise<number>;
  /** Close the socket (after hangup). */
  close(): void;
}

interface Response {
  status: number;
  headers: Map<string, string>;
  body: string;
  raw: string;
}

function parseResponse(text: string): Response | null {
  const [head, ...rest] = text.split('\r\n\r\n');
  const lines = head!.split('\r\n');
  const m = /^SIP\/2\.0 (\d{3})/.exec(lines[0]!);
  if (!m) return null;
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  return { status: Number(m[1]), headers, body: rest.join('\r\n\r\n'), raw: text };
}

const token = () => randomBytes(6).toString('hex');

/** INVITE `sip:user@127.0.0.1:port` with `offerSdp`; resolves once the final response is in and ACKed. */
export async function miniInvite(user: string, port: number, offerSdp: string): Promise<MiniCall> {
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const lp = sock.address().port;
  const callId = `${token()}@127.0.0.1`;
  const fromTag = token();
  const target = `sip:${user}@127.0.0.1:${port}`;
  const body = offerSdp.replace(/\r?\n/g, '\r\n');
  const request = (method: string, cseq: number, uri: string, toTag: string | undefined, sdp?: string, branch = `z9hG4bK${token()}`) =>
    [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:patchbay@127.0.0.1:${lp}>;tag=${fromTag}`,
      `To: <${target}>${toTag ? `;tag=${toTag}` : ''}`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:patchbay@127.0.0.1:${lp}>`,
      ...(sdp ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${sdp ? Buffer.byteLength(sdp) : 0}`,
      '',
      sdp ?? '',
    ].join('\r\n');

  const responses: Response[] = [];
  let wake: (() => void) | undefined;
  sock.on('message', (m) => {
    const r = parseResponse(m.toString());
    if (r) {
      responses.push(r);
      wake?.();
    }
  });
  const next = async (cseqMethod: string, ms: number, resend: () => void): Promise<Response> => {
    const deadline = performance.now() + ms;
    let interval = 500;
    let resendAt = performance.now() + interval;
    for (;;) {
      const i = responses.findIndex((r) => r.status >= 200 && (r.headers.get('cseq') ?? '').endsWith(cseqMethod));
      if (i >= 0) return responses.splice(i, 1)[0]!;
      if (performance.now() > deadline) throw new Error(`no final response to ${cseqMethod}; got ${responses.map((r) => r.status).join(',')}`);
      if (performance.now() >= resendAt && !responses.some((r) => r.status < 200)) {
        resend();
        interval *= 2;
        resendAt = performance.now() + interval;
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
  };
  const send = (text: string) => sock.send(text, port, '127.0.0.1');

  const inviteBranch = `z9hG4bK${token()}`;
  const invite = request('INVITE', 1, target, undefined, body, inviteBranch);
  send(invite);
  const final = await next('INVITE', 15_000, () => send(invite));
  const toTag = /;tag=([^;>\s]+)/.exec(final.headers.get('to') ?? '')?.[1];
  const contact = /<([^>]+)>/.exec(final.headers.get('contact') ?? '')?.[1] ?? target;
  if (final.status >= 300) {
    send(request('ACK', 1, target, toTag, undefined, inviteBranch));
  } else {
    send(request('ACK', 1, contact, toTag));
  }
  return {
    status: final.status,
    answerSdp: final.body,
    async hangup() {
      const bye = request('BYE', 2, contact, toTag);
      send(bye);
      return (await next('BYE', 10_000, () => send(bye))).status;
    },
    close() {
      sock.close();
    },
  };
}
