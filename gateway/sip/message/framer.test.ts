/** StreamFramer: partial and coalesced messages, keep-alives, errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamFramer, SipParseError, getHeader, type SipMessage } from './index.ts';

function msg(n: number, body = ''): string {
  return [
    `MESSAGE sip:bob@example.com SIP/2.0`,
    `Via: SIP/2.0/TCP h;branch=z9hG4bK${n}`,
    'To: <sip:bob@example.com>',
    'From: <sip:alice@example.com>;tag=1',
    `Call-ID: c${n}`,
    `CSeq: ${n} MESSAGE`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

test('one message in one chunk, several coalesced, one split byte by byte', () => {
  const f = new StreamFramer();
  assert.equal(f.push(Buffer.from(msg(1, 'hello')))[0]!.body.toString(), 'hello');
  const three = f.push(Buffer.from(msg(2, 'a') + msg(3, '') + msg(4, 'ünïcode')));
  assert.deepEqual(three.map((m) => getHeader(m, 'Call-ID')), ['c2', 'c3', 'c4']);
  assert.equal(three[2]!.body.toString(), 'ünïcode');
  const bytes = Buffer.from(msg(5, 'body\r\n\r\nwith blank lines'));
  const got: SipMessage[] = [];
  for (let i = 0; i < bytes.length; i++) got.push(...f.push(bytes.subarray(i, i + 1)));
  assert.equal(got.length, 1);
  assert.equal(got[0]!.body.toString(), 'body\r\n\r\nwith blank lines');
  assert.equal(f.buffered, 0);
});

test('messages own their bytes (the framer reuses its buffer)', () => {
  const f = new StreamFramer();
  const [a] = f.push(Buffer.from(msg(1, 'first-body')));
  f.push(Buffer.from(msg(2, 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX')));
  assert.equal(a!.body.toString(), 'first-body');
});

test('RFC 5626 keep-alives: CRLFCRLF is a ping, CRLF a pong, also split and around messages', () => {
  const f = new StreamFramer();
  const ka: string[] = [];
  f.onKeepalive((k) => ka.push(k));
  assert.deepEqual(f.push(Buffer.from('\r\n\r\n')), []);
  assert.deepEqual(ka, ['ping']);
  f.push(Buffer.from('\r\n'));
  assert.deepEqual(ka, ['ping', 'pong']);
  f.push(Buffer.from('\r\n')); // the second half of a ping split across reads
  assert.deepEqual(ka, ['ping', 'pong', 'ping']);
  const out = f.push(Buffer.from(`\r\n\r\n${msg(1)}\r\n${msg(2)}\r\n\r\n`));
  assert.equal(out.length, 2);
  assert.deepEqual(ka, ['ping', 'pong', 'ping', 'ping', 'pong', 'ping']);
  f.push(Buffer.from('\r'));
  f.push(Buffer.from('\n\r'));
  f.push(Buffer.from('\n'));
  assert.deepEqual(ka.slice(6), ['pong', 'ping']);
});

test('missing Content-Length is fatal: onError, framer stops', () => {
  const f = new StreamFramer();
  const errors: Array<[number, boolean]> = [];
  f.onError((e, info) => errors.push([e.code, info.fatal]));
  const noCl = msg(1).replace('Content-Length: 0\r\n', '');
  assert.deepEqual(f.push(Buffer.from(noCl + msg(2))), []);
  assert.deepEqual(errors, [[400, true]]);
  assert.equal(f.failed, true);
  assert.deepEqual(f.push(Buffer.from(msg(3))), []);
  f.reset();
  assert.equal(f.push(Buffer.from(msg(3))).length, 1);
});

test('bad or oversized Content-Length and endless headers are fatal', () => {
  for (const [input, code] of [
    [msg(1).replace('Content-Length: 0', 'Content-Length: -5'), 400],
    [msg(1).replace('Content-Length: 0', 'Content-Length: 99999999'), 413],
    [msg(1).replace('Content-Length: 0', 'Content-Length: 1\r\nl: 1'), 400],
    [`INVITE sip:x SIP/2.0\r\nX: ${'a'.repeat(40_000)}`, 513],
  ] as const) {
    const f = new StreamFramer();
    let err: SipParseError | undefined;
    f.onError((e, info) => {
      assert.equal(info.fatal, true);
      err = e;
    });
    f.push(Buffer.from(input));
    assert.equal(err?.code, code, input.slice(0, 60));
  }
});

test('a well-framed but invalid message is skipped (non-fatal) with its raw bytes', () => {
  const f = new StreamFramer();
  const seen: Array<{ fatal: boolean; raw?: Buffer }> = [];
  f.onError((_e, info) => seen.push(info));
  const broken = msg(1).replace('CSeq: 1 MESSAGE', 'CSeq: 1 INVITE');
  const out = f.push(Buffer.from(broken + msg(2)));
  assert.equal(out.length, 1);
  assert.equal(getHeader(out[0]!, 'Call-ID'), 'c2');
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.fatal, false);
  assert.equal(seen[0]!.raw!.toString(), broken);
});

test('without an onError handler push throws the SipParseError', () => {
  const f = new StreamFramer();
  assert.throws(() => f.push(Buffer.from(msg(1).replace('Content-Length: 0\r\n', ''))), SipParseError);
  assert.equal(f.failed, true);
});

test('onMessage sees each message; partial input waits', () => {
  const f = new StreamFramer({ maxMessageSize: 4096 });
  const ids: string[] = [];
  f.onMessage((m) => ids.push(getHeader(m, 'Call-ID')!));
  const whole = Buffer.from(msg(1, 'x'.repeat(100)));
  f.push(whole.subarray(0, 150));
  assert.deepEqual(ids, []);
  assert.equal(f.buffered, 150);
  f.push(whole.subarray(150));
  assert.deepEqual(ids, ['c1']);
});
