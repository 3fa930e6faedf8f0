/** parseMessage and serializeMessage: framing, folding, names, limits, round trips. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError, parseMessage, serializeMessage, getHeader, type SipMessage } from './index.ts';

const crlf = (lines: string[]): string => lines.join('\r\n');

const INVITE_HEAD = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Content-Type: application/sdp',
];
const SDP = 'v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n';

function invite(extra: string[] = [], body = SDP, cl: string | null = String(Buffer.byteLength(body))): Buffer {
  const head = [...INVITE_HEAD, ...extra, ...(cl === null ? [] : [`Content-Length: ${cl}`])];
  return Buffer.from(crlf([...head, '', '']) + body);
}

function rejects(buf: Buffer | string, code: number, re?: RegExp, opts?: Parameters<typeof parseMessage>[1]): void {
  const b = typeof buf === 'string' ? Buffer.from(buf) : buf;
  assert.throws(
    () => parseMessage(b, opts),
    (e: unknown) => e instanceof SipParseError && e.code === code && (!re || re.test(e.message)),
  );
}

test('parses a request: start line, headers in order, body by Content-Length', () => {
  const m = parseMessage(invite());
  assert.equal(m.kind, 'request');
  if (m.kind !== 'request') return;
  assert.equal(m.method, 'INVITE');
  assert.equal(m.uri, 'sip:bob@biloxi.example.com');
  assert.equal(m.version, 'SIP/2.0');
  assert.deepEqual(
    m.headers.map((h) => h.name),
    ['Via', 'Max-Forwards', 'To', 'From', 'Call-ID', 'CSeq', 'Contact', 'Content-Type', 'Content-Length'],
  );
  assert.equal(m.body.toString(), SDP);
});

test('parses a response with and without a reason phrase', () => {
  const base = ['Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'To: <sip:a@b>;tag=2', 'From: <sip:c@d>;tag=1', 'Call-ID: x', 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''];
  const ok = parseMessage(Buffer.from(crlf(['SIP/2.0 180 Ringing', ...base])));
  assert.equal(ok.kind === 'response' && `${ok.status} ${ok.reason}`, '180 Ringing');
  const long = parseMessage(Buffer.from(crlf(['SIP/2.0 486 Busy Here Right Now', ...base])));
  assert.equal(long.kind === 'response' && long.reason, 'Busy Here Right Now');
  const none = parseMessage(Buffer.from(crlf(['SIP/2.0 200', ...base])));
  assert.equal(none.kind === 'response' && none.reason, '');
  rejects(crlf(['SIP/2.0 2000 OK', ...base]), 400, /status/);
  rejects(crlf(['SIP/2.0 099 Low', ...base]), 400, /range/);
  rejects(crlf(['SIP/2.0 20x OK', ...base]), 400, /status/);
  rejects(crlf(['SIP/3.0 200 OK', ...base]), 505);
});

test('body length is counted in bytes, not characters', () => {
  const body = 'é€😀\r\n';
  const m = parseMessage(invite([], body));
  assert.equal(m.body.length, Buffer.byteLength(body));
  assert.equal(m.body.toString('utf8'), body);
});

test('UDP framing: missing Content-Length = rest of datagram; larger → 400; smaller truncates', () => {
  const rest = parseMessage(invite([], SDP, null));
  assert.equal(rest.body.toString(), SDP);
  rejects(invite([], SDP, String(SDP.length + 1)), 400, /larger than/);
  const cut = parseMessage(invite([], SDP + 'TRAILING GARBAGE', String(SDP.length)));
  assert.equal(cut.body.toString(), SDP);
  const zero = parseMessage(invite([], 'junk', '0'));
  assert.equal(zero.body.length, 0);
});

test('stream framing requires Content-Length', () => {
  rejects(invite([], SDP, null), 400, /required/, { framing: 'stream' });
  assert.equal(parseMessage(invite(), { framing: 'stream' }).body.toString(), SDP);
});

test('folding, LWS before the colon, empty values, leading CRLFs, bare LF line ends', () => {
  const m = parseMessage(
    Buffer.from(
      '\r\n\r\n' +
        crlf([
          'OPTIONS sip:x@y SIP/2.0',
          'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
          'To: <sip:a@b>',
          'From: <sip:c@d>;tag=1',
          'Call-ID: abc',
          'CSeq  :  7 OPTIONS',
          'Subject:',
          'X-Folded: one',
          ' two',
          '\t  three  ',
          'Content-Length: 0',
          '',
          '',
        ]),
    ),
  );
  assert.equal(getHeader(m, 'CSeq'), '7 OPTIONS');
  assert.equal(getHeader(m, 'Subject'), '');
  assert.equal(getHeader(m, 'X-Folded'), 'one two three');
  const lf = parseMessage(Buffer.from('OPTIONS sip:x@y SIP/2.0\nVia: SIP/2.0/UDP h\nTo: <sip:a@b>\nFrom: <sip:c@d>;tag=1\nCall-ID: a\nCSeq: 1 OPTIONS\nContent-Length: 2\n\nhi'));
  assert.equal(lf.body.toString(), 'hi');
});

test('compact forms expand and well-known names are canonical', () => {
  const m = parseMessage(
    Buffer.from(
      crlf([
        'MESSAGE sip:x@y SIP/2.0',
        'v: SIP/2.0/UDP h;branch=z9hG4bK1',
        't: <sip:a@b>',
        'F: <sip:c@d>;tag=1',
        'I: abc',
        'cseq: 1 MESSAGE',
        'MAX-FORWARDS: 70',
        'www-authenticate: Digest realm="r"',
        'c: text/plain',
        'k: 100rel',
        'o: presence',
        'u: dialog',
        'r: <sip:r@x>',
        'b: <sip:b@x>',
        'x: 1800',
        'e: gzip',
        's: hi',
        'm: <sip:c@h>',
        'a: *;audio',
        'j: *;video',
        'd: proxy',
        'y: abc',
        'n: <https://x/c>;alg=rsa-sha1',
        'X-Custom-Thing: kept as sent',
        'l: 2',
        '',
        'ok',
      ]),
    ),
  );
  assert.deepEqual(
    m.headers.map((h) => h.name),
    [
      'Via', 'To', 'From', 'Call-ID', 'CSeq', 'Max-Forwards', 'WWW-Authenticate', 'Content-Type', 'Supported', 'Event',
      'Allow-Events', 'Refer-To', 'Referred-By', 'Session-Expires', 'Content-Encoding', 'Subject', 'Contact',
      'Accept-Contact', 'Reject-Contact', 'Request-Disposition', 'Identity', 'Identity-Info', 'X-Custom-Thing',
      'Content-Length',
    ],
  );
});

test('header-section limits: size and count → 513, body over limit → 413', () => {
  rejects(invite([`X-Big: ${'a'.repeat(40_000)}`]), 513, /header section/);
  rejects(invite(Array.from({ length: 300 }, (_, i) => `X-H${i}: v`)), 513, /headers/);
  rejects(invite([], SDP), 413, /exceeds/, { maxBodySize: 10 });
  rejects(Buffer.alloc(70_000, 0x41), 513, /exceeds/);
  assert.equal(parseMessage(invite([`X-Big: ${'a'.repeat(40_000)}`]), { maxHeaderBytes: 65536, maxMessageSize: 1 << 20 }).body.toString(), SDP);
});

test('rejects malformed start lines and header lines with 400', () => {
  const tail = ['Via: SIP/2.0/UDP h', 'To: <sip:a@b>', 'From: <sip:c@d>;tag=1', 'Call-ID: a', 'CSeq: 1 OPTIONS', '', ''];
  for (const first of ['OPTIONS sip:x@y', 'OPTIONS  sip:x@y SIP/2.0', 'OPTIONS sip:x@y SIP/2.0 ', 'OPT(IONS sip:x@y SIP/2.0', 'OPTIONS sip:x@y\tSIP/2.0', 'OPTIONS x SIP/2.0', 'OPTIONS <sip:x@y> SIP/2.0', '']) {
    rejects(crlf([first, ...tail]), 400);
  }
  rejects(crlf(['OPTIONS sip:x@y SIP/2.1', ...tail]), 505);
  rejects(crlf(['OPTIONS sip:x@y SIP/2.0', ' folded-first: x', ...tail]), 400, /continuation/);
  rejects(crlf(['OPTIONS sip:x@y SIP/2.0', 'NoColonHere', ...tail]), 400, /colon/);
  rejects(crlf(['OPTIONS sip:x@y SIP/2.0', ': empty', ...tail]), 400, /empty header name/);
  rejects(crlf(['OPTIONS sip:x@y SIP/2.0', 'Bad Name: x', ...tail]), 400, /header name/);
  rejects(crlf(['OPTIONS sip:x@y SIP/2.0', 'X-A: a\rb', ...tail]), 400, /CR/);
  rejects(crlf(['OPTIONS sip:x@y SIP/2.0', 'X-A: a\x00b', ...tail]), 400, /control/);
  rejects('OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n', 400, /empty line/);
  rejects('', 400, /empty/);
  rejects('\r\n\r\n', 400, /empty/);
});

test('validation: the core headers are present, single and well formed', () => {
  const ok = INVITE_HEAD.slice(1);
  const without = (name: string) => ok.filter((h) => !h.startsWith(`${name}:`));
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    rejects(crlf(['INVITE sip:b@x SIP/2.0', ...without(name), 'Content-Length: 0', '', '']), 400, /missing/);
  }
  for (const dup of ['From: <sip:z@z>;tag=9', 'To: <sip:z@z>', 'Call-ID: other', 'CSeq: 2 INVITE', 'Max-Forwards: 3', 'Content-Length: 0']) {
    rejects(crlf(['INVITE sip:b@x SIP/2.0', ...ok, dup, 'Content-Length: 0', '', '']), 400, /multiple/);
  }
  rejects(crlf(['INVITE sip:b@x SIP/2.0', ...without('CSeq'), 'CSeq: 1 BYE', 'Content-Length: 0', '', '']), 400, /does not match/);
  rejects(crlf(['INVITE sip:b@x SIP/2.0', ...without('Call-ID'), 'Call-ID: a b', 'Content-Length: 0', '', '']), 400, /Call-ID/);
  rejects(crlf(['INVITE sip:b@x SIP/2.0', ...ok, 'Route: <sip:p1', 'Content-Length: 0', '', '']), 400);
  // validate: false keeps raw values for tools that must see broken messages.
  const raw = parseMessage(Buffer.from(crlf(['INVITE sip:b@x SIP/2.0', ...without('CSeq'), 'CSeq: 1 BYE', 'Content-Length: 0', '', ''])), { validate: false });
  assert.equal(getHeader(raw, 'CSeq'), '1 BYE');
});

test('serializeMessage: CRLFs, header order, Content-Length rewritten to the body length', () => {
  const m = parseMessage(invite());
  m.body = Buffer.from('v=0\r\n');
  const out = serializeMessage(m).toString();
  assert.ok(out.startsWith('INVITE sip:bob@biloxi.example.com SIP/2.0\r\nVia: SIP/2.0/UDP'));
  assert.ok(out.endsWith('Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n'));
  const noCl: SipMessage = { ...m, headers: m.headers.filter((h) => h.name !== 'Content-Length') };
  assert.ok(serializeMessage(noCl).toString().includes('Content-Length: 5\r\n\r\n'));
  const twoCl: SipMessage = { ...m, headers: [{ name: 'Content-Length', value: '99' }, ...m.headers] };
  const s2 = serializeMessage(twoCl).toString();
  assert.equal(s2.split('Content-Length').length - 1, 1);
  assert.ok(s2.startsWith('INVITE sip:bob@biloxi.example.com SIP/2.0\r\nContent-Length: 5\r\n'));
});

test('serializeMessage never lets a value inject a header', () => {
  const m = parseMessage(invite());
  m.headers.push({ name: 'Subject', value: 'hi\r\nInjected: yes' });
  const again = parseMessage(serializeMessage(m));
  assert.equal(getHeader(again, 'Injected'), undefined);
  assert.equal(getHeader(again, 'Subject'), 'hi Injected: yes');
});

test('round trip of a response with a UTF-8 reason and binary body', () => {
  const body = Buffer.from([0, 1, 2, 0x0d, 0x0a, 0x0d, 0x0a, 255, 254]);
  const head = crlf(['SIP/2.0 603 Refusé', 'Via: SIP/2.0/TCP h;branch=z9hG4bK1', 'To: <sip:a@b>;tag=2', 'From: <sip:c@d>;tag=1', 'Call-ID: x', 'CSeq: 1 INVITE', `Content-Length: ${body.length}`, '', '']);
  const m = parseMessage(Buffer.concat([Buffer.from(head), body]));
  assert.ok(m.body.equals(body));
  const again = parseMessage(serializeMessage(m));
  assert.deepEqual(again, m);
});
