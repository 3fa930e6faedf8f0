/**
 * Test helper: sipp XML scenarios beyond sipp's built-in ones, for runSipp({ scenarioXml }) —
 * an OPTIONS ping (client), an OPTIONS responder (server), a call that sends DTMF in INFO
 * (client), a registrar that answers 503 once, then demands Digest MD5 and verifies it with
 * sipp's `verifyauth` before granting a short registration and its refresh (server), an inbound
 * call that takes whatever final answer comes (client, for accept/reject decisions), and a
 * trunk-host peer that answers calls and every in-dialog request a gateway sends (server).
 */

const head = (name: string) => `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<!DOCTYPE scenario SYSTEM "sipp.dtd">\n<scenario name="${name}">\n`;

const SDP = `v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000`;

const dialogHeaders = (cseq: string) => `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: ${cseq}
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70`;

/** A 200 OK without a body to the request just received (BYE, INFO, NOTIFY…). */
const EMPTY_200 = `SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0`;

/**
 * An SDP body: PCMU with RFC 4733 telephone-event, 20 ms — what a phone or carrier offers or
 * answers. `origin` names the o=/s= lines; `direction` adds an a= attribute when given.
 */
export function pcmuDtmfSdp(origin: string, direction?: string, indent = '      '): string {
  const lines = [
    'v=0',
    `o=${origin} 1 [clock_tick] IN IP[local_ip_type] [local_ip]`,
    `s=${origin}`,
    'c=IN IP[media_ip_type] [media_ip]',
    't=0 0',
    'm=audio [media_port] RTP/AVP 0 101',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=ptime:20',
    ...(direction ? [`a=${direction}`] : []),
  ];
  return lines.join(`\n${indent}`);
}

/** Our initial INVITE to sip:[service]@remote carrying `sdp` (sipp fills the brackets). */
const invite = (sdp: string) => `INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      ${dialogHeaders('1 INVITE')}
      Content-Type: application/sdp
      Content-Length: [len]

      ${sdp}`;

/** Client: one OPTIONS to sip:[service]@remote, expecting 200. */
export function optionsPingXml(): string {
  return `${head('OPTIONS ping')}  <send retrans="500">
    <![CDATA[
      OPTIONS sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Max-Forwards: 70
      Accept: application/sdp
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>
</scenario>
`;
}

/** Server: answers each OPTIONS with 200 (run without -m and stop it with its kill function). */
export function optionsResponderXml(): string {
  return `${head('OPTIONS responder')}  <recv request="OPTIONS"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Allow: INVITE, ACK, BYE, CANCEL, OPTIONS
      Content-Length: 0
    ]]>
  </send>
</scenario>
`;
}

/** Client: a call (INVITE/200/ACK) that sends each digit as INFO application/dtmf-relay, then BYE. */
export function infoDtmfCallXml(digits: string): string {
  let cseq = 1;
  const infos = [...digits]
    .map((digit) => {
      cseq++;
      return `  <send retrans="500">
    <![CDATA[
      INFO sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      ${dialogHeaders(`${cseq} INFO`)}
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal=${digit}
      Duration=160
    ]]>
  </send>
  <recv response="200"/>
`;
    })
    .join('');
  return `${head('INFO DTMF call')}  <send retrans="500">
    <![CDATA[
      ${invite(SDP)}
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      ${dialogHeaders('1 ACK')}
      Content-Length: 0
    ]]>
  </send>
${infos}  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      ${dialogHeaders(`${cseq + 1} BYE`)}
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>
</scenario>
`;
}

export interface RegistrarScenarioOptions {
  username: string;
  password: string;
  realm: string;
  /** Expiry granted to the first registration (short, to see a refresh). */
  firstExpires: number;
  /** Expiry granted to the refresh. */
  refreshExpires: number;
}

const okResponse = (expires: number) => `  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      [last_Contact:];expires=${expires}
      Content-Length: 0
    ]]>
  </send>
`;

/** A check that sends 403 and then fails the sipp call (a recv that times out) when `variable` is false. */
const requireAuth = (variable: string, label: string) => `  <nop hide="true" test="${variable}" next="${label}"/>
  <send>
    <![CDATA[
      SIP/2.0 403 Forbidden
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <recv request="NEVER" timeout="200"/>
  <label id="${label}"/>
`;

/**
 * Server: REGISTER → 503 (Retry-After: 1) → REGISTER → 401 Digest MD5 → REGISTER with valid
 * credentials → 200 (firstExpires) → refresh with valid credentials → 200 (refreshExpires) →
 * REGISTER Expires: 0 → 200. Wrong credentials make the sipp call fail.
 */
export function digestRegistrarXml(o: RegistrarScenarioOptions): string {
  const verify = (variable: string) => `<action><verifyauth assign_to="${variable}" username="${o.username}" password="${o.password}"/></action>`;
  return `${head('registrar with digest')}  <recv request="REGISTER"/>
  <send>
    <![CDATA[
      SIP/2.0 503 Service Unavailable
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Retry-After: 1
      Content-Length: 0
    ]]>
  </send>
  <recv request="REGISTER"/>
  <send>
    <![CDATA[
      SIP/2.0 401 Unauthorized
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      WWW-Authenticate: Digest realm="${o.realm}", nonce="sipp[pid]n[call_number]", algorithm=MD5, qop="auth"
      Content-Length: 0
    ]]>
  </send>
  <recv request="REGISTER">${verify('first')}</recv>
${requireAuth('first', 'first_ok')}${okResponse(o.firstExpires)}  <recv request="REGISTER">${verify('refresh')}</recv>
${requireAuth('refresh', 'refresh_ok')}${okResponse(o.refreshExpires)}  <recv request="REGISTER">${verify('unregister')}</recv>
${requireAuth('unregister', 'unregister_ok')}${okResponse(0)}</scenario>
`;
}

/** Final statuses `inboundCallXml` accepts besides 200 (read which one came from the message trace). */
export const INBOUND_CALL_FAILURES = [400, 403, 404, 408, 480, 486, 487, 488, 500, 503, 603] as const;

export interface InboundCallOptions {
  /** How long to stay up once answered before sending BYE (the far side may hang up first). */
  holdMs: number;
}

/**
 * Client: INVITE (PCMU + telephone-event offer) that takes any final answer in
 * INBOUND_CALL_FAILURES (→ ACK, done) or 200 (→ ACK, stay up `holdMs`, then BYE — or answer the
 * far side's BYE if it comes first). Run with `-m 1`; parse `-trace_msg` for what came back.
 */
export function inboundCallXml(o: InboundCallOptions): string {
  const failures = INBOUND_CALL_FAILURES.map((code) => `  <recv response="${code}" optional="true" next="rejected"/>\n`).join('');
  return `${head('inbound call')}  <send retrans="500">
    <![CDATA[
      ${invite(pcmuDtmfSdp('user1'))}
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
${failures}  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      ${dialogHeaders('1 ACK')}
      Content-Length: 0
    ]]>
  </send>
  <recv request="BYE" timeout="${o.holdMs}" ontimeout="hangup"/>
  <send>
    <![CDATA[
      ${EMPTY_200}
    ]]>
  </send>
  <nop next="done"/>
  <label id="hangup"/>
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      ${dialogHeaders('2 BYE')}
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>
  <nop next="done"/>
  <label id="rejected"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <label id="done"/>
</scenario>
`;
}

const uasSdp = (direction: string) => `Content-Type: application/sdp
      Content-Length: [len]

      ${pcmuDtmfSdp('peer', direction)}`;

const inDialogOk = (next: string, extra = '') => `  <send next="${next}">
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:peer@[local_ip]:[local_port];transport=[transport]>
      ${extra || 'Content-Length: 0'}
    ]]>
  </send>
`;

/**
 * Server: a trunk-host peer for outbound calls. Answers OPTIONS pings (200) and each INVITE (100,
 * 180, 200 with PCMU + telephone-event), then, until BYE, answers every in-dialog request a gateway
 * may send:
 * re-INVITE (200 with recvonly to a sendonly offer, inactive to inactive, else sendrecv), REFER
 * (202), INFO, NOTIFY, OPTIONS and UPDATE (200). Run without -m and stop it with its kill
 * function; add `-rtp_echo` so the call has media. (Every send jumps straight back to a recv: a
 * request arriving while sipp sits on a <nop> would be "unexpected".)
 */
export function peerUasXml(): string {
  return `${head('trunk-host peer')}  <recv request="OPTIONS" optional="true" next="ping"/>
  <recv request="INVITE" crlf="true"/>
  <send>
    <![CDATA[
      SIP/2.0 100 Trying
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <send>
    <![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:peer@[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0
    ]]>
  </send>
  <pause milliseconds="200"/>
  <send retrans="500">
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:peer@[local_ip]:[local_port];transport=[transport]>
      ${uasSdp('sendrecv')}
    ]]>
  </send>
  <recv request="ACK" rtd="true" crlf="true"/>
  <label id="loop"/>
  <recv request="INVITE" optional="true" next="reinvite">
    <action>
      <assignstr assign_to="dir" value="sendrecv"/>
      <ereg regexp="a=(sendonly|inactive)" search_in="body" check_it="false" assign_to="m,dir"/>
      <strcmp assign_to="r1" variable="dir" value="sendonly"/>
      <test assign_to="held" variable="r1" compare="equal" value="0"/>
      <strcmp assign_to="r2" variable="dir" value="inactive"/>
      <test assign_to="inactive" variable="r2" compare="equal" value="0"/>
    </action>
  </recv>
  <recv request="REFER" optional="true" next="refer"/>
  <recv request="INFO" optional="true" next="ok"/>
  <recv request="NOTIFY" optional="true" next="ok"/>
  <recv request="OPTIONS" optional="true" next="ok"/>
  <recv request="UPDATE" optional="true" next="ok"/>
  <recv request="BYE" next="bye"/>

  <label id="reinvite"/>
  <nop test="inactive" next="reinvite_inactive"/>
  <nop test="held" next="reinvite_held"/>
${inDialogOk('reinvite_ack', uasSdp('sendrecv'))}  <label id="reinvite_held"/>
${inDialogOk('reinvite_ack', uasSdp('recvonly'))}  <label id="reinvite_inactive"/>
${inDialogOk('reinvite_ack', uasSdp('inactive'))}  <label id="reinvite_ack"/>
  <recv request="ACK" next="loop"/>

  <label id="refer"/>
  <send next="loop">
    <![CDATA[
      SIP/2.0 202 Accepted
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:peer@[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0
    ]]>
  </send>

  <label id="ok"/>
${inDialogOk('loop')}
  <label id="bye"/>
  <send next="done">
    <![CDATA[
      ${EMPTY_200}
    ]]>
  </send>

  <label id="ping"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag02[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REFER, NOTIFY, UPDATE
      Content-Length: 0
    ]]>
  </send>
  <label id="done"/>
  <Reference variables="m"/>
</scenario>
`;
}
