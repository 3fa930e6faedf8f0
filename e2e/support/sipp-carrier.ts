/**
 * e2e harness: sipp as a SIP carrier that demands digest auth. One scenario serves both things a
 * trunk sends: REGISTER (→ 401, then 200 once sipp's `verifyauth` accepts the Authorization, else
 * 403) and INVITE (→ 407, ACK, INVITE with Proxy-Authorization → 100, 180, 200 with PCMU SDP →
 * ACK → BYE → 200; sipp cannot verify Proxy-Authorization, so `verifyDigest` recomputes it from
 * the trace). RTP sent to the carrier is echoed back (`-rtp_echo`), so the caller hears its own
 * tone through the trunk. Every message is traced.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { freePorts } from '../../testing/free-port.ts';
import { runSipp, type SippResult } from '../../testing/sipp.ts';
import { pcmuDtmfSdp } from '../../testing/sipp-scenarios.ts';

export interface CarrierCredentials {
  username: string;
  password: string;
  realm: string;
}

const reply = (status: string, extra = '', to = '[last_To:];tag=[pid]SIPpTag01[call_number]') => `<![CDATA[
SIP/2.0 ${status}
[last_Via:]
[last_From:]
${to}
[last_Call-ID:]
[last_CSeq:]
${extra}Content-Length: 0

]]>`;

/** The scenario text (UAS). Labels: 1 REGISTER, 4 registered, 2 INVITE, 3 INVITE with credentials, 9 end. */
export function carrierScenario(c: CarrierCredentials): string {
  const auth = `<action><verifyauth assign_to="authvalid" username="${c.username}" password="${c.password}" /></action>`;
  // sipp's verifyauth reads only Authorization:, so for the INVITE it checks that credentials came;
  // the test recomputes the digest from the trace (verifyDigest).
  const proxyAuth = `<action><ereg regexp="Proxy-Authorization: Digest " search_in="msg" check_it="true" assign_to="pa" /></action>`;
  const challenge = (header: string) => `${header}: Digest realm="${c.realm}", nonce="[pid]n[call_number]c0ffee", algorithm=MD5, qop="auth"\n`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="carrier demanding digest">
  <recv request="REGISTER" optional="true" next="1" />
  <recv request="INVITE" next="2" />

  <label id="1" />
  <send>${reply('401 Unauthorized', challenge('WWW-Authenticate'))}</send>
  <recv request="REGISTER">${auth}</recv>
  <nop test="authvalid" next="4" />
  <send>${reply('403 Forbidden')}</send>
  <nop next="9" />
  <label id="4" />
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Contact:];expires=3600
Content-Length: 0

]]></send>
  <nop next="9" />

  <label id="2" />
  <send>${reply('407 Proxy Authentication Required', challenge('Proxy-Authenticate'))}</send>
  <recv request="ACK" />
  <recv request="INVITE">${proxyAuth}</recv>

  <label id="3" />
  <send>${reply('100 Trying', '', '[last_To:]')}</send>
  <send>${reply('180 Ringing')}</send>
  <pause milliseconds="200" />
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:carrier@[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

${pcmuDtmfSdp('carrier', 'sendrecv', '')}

]]></send>
  <recv request="ACK" />
  <recv request="BYE" />
  <send>${reply('200 OK', '', '[last_To:]')}</send>

  <label id="9" />
  <Reference variables="pa" />
</scenario>
`;
}

/** A running sipp carrier. */
export class SippCarrier {
  readonly port: number;
  readonly mediaPort: number;
  readonly credentials: CarrierCredentials;
  readonly result: Promise<SippResult>;
  #stop: () => void = () => undefined;
  #dir?: string;

  private constructor(port: number, mediaPort: number, credentials: CarrierCredentials) {
    this.port = port;
    this.mediaPort = mediaPort;
    this.credentials = credentials;
    this.result = runSipp({
      scenarioXml: carrierScenario(credentials),
      localPort: port,
      args: ['-mp', String(mediaPort), '-rtp_echo', '-aa', '-trace_msg'],
      timeoutMs: 180_000,
      onSpawn: (kill) => (this.#stop = kill),
    }).then((r) => {
      this.#dir = r.dir;
      return r;
    });
  }

  static async start(credentials: CarrierCredentials = { username: 'patchbay', password: 'carrier-secret', realm: 'carrier.test' }): Promise<SippCarrier> {
    const [port, mediaPort] = (await freePorts(2)) as [number, number];
    const carrier = new SippCarrier(port, mediaPort, credentials);
    await new Promise((r) => setTimeout(r, 300)); // sipp binds its socket right after exec
    return carrier;
  }

  /** Stops sipp (SIGUSR1, then waits) and returns its result and message trace. */
  async stop(): Promise<SippResult & { trace: string }> {
    this.#stop();
    const result = await this.result;
    const trace = readTrace(result.dir);
    rmSync(result.dir, { recursive: true, force: true });
    return { ...result, trace };
  }
}

/** One message of the trace. */
export interface TracedMessage {
  direction: 'received' | 'sent';
  /** Request or status line. */
  firstLine: string;
  text: string;
}

/** Splits sipp's message trace into messages (dead-call notices are skipped). */
export function parseTrace(trace: string): TracedMessage[] {
  const out: TracedMessage[] = [];
  for (const block of trace.split(/^-{20,}.*$/m)) {
    const m = /^\s*\w+ message (received|sent) [^\n]*\n\s*\n?([^]*)$/.exec(block);
    if (!m) continue;
    const text = m[2]!.trim();
    out.push({ direction: m[1] as 'received' | 'sent', firstLine: text.split(/\r?\n/)[0]!.trim(), text });
  }
  return out;
}

/** sipp's `-trace_msg` file (every message sent and received). */
export function readTrace(dir: string): string {
  if (!existsSync(dir)) return '';
  const file = readdirSync(dir).find((f) => f.endsWith('_messages.log'));
  return file ? readFileSync(join(dir, file), 'latin1') : '';
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/**
 * Checks the digest credentials in `header` (e.g. 'Proxy-Authorization') of a traced request
 * against `password` (RFC 2617/7616 MD5, with or without qop=auth); returns the username.
 */
export function verifyDigest(request: string, header: string, password: string): { username: string; ok: boolean } {
  const lines = request.split(/\r?\n/);
  const method = lines[0]!.split(' ')[0]!;
  const line = lines.find((l) => l.toLowerCase().startsWith(`${header.toLowerCase()}:`));
  if (!line) return { username: '', ok: false };
  const p: Record<string, string> = {};
  for (const m of line.slice(header.length + 1).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)) p[m[1]!.toLowerCase()] = m[2] ?? m[3]!;
  const ha1 = md5(`${p.username}:${p.realm}:${password}`);
  const ha2 = md5(`${method}:${p.uri}`);
  const expected = p.qop ? md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`) : md5(`${ha1}:${p.nonce}:${ha2}`);
  return { username: p.username ?? '', ok: expected === p.response };
}
