/**
 * Mutation fuzzer for the message layer. Seeds are the valid RFC 4475 messages plus typical
 * call-flow messages; each case mutates one (truncation at every position, bit flips, byte
 * insert/delete, duplicated headers, 100 KB headers, hostile Content-Length values, separator
 * swaps, splices, random garbage) and checks:
 *   - parseMessage returns a message or throws SipParseError with a status it documents;
 *   - an accepted message survives serialize → parse unchanged;
 *   - the typed header parsers throw nothing but SipParseError on whatever was accepted;
 *   - StreamFramer fed random-sized chunks of several messages with CRLF keep-alives between
 *     them throws nothing but SipParseError, and returns exactly the valid messages it was given.
 * A seeded PRNG makes every run reproducible.
 *
 * `npm run fuzz -- [cases=2000000] [seed=1]` runs it from the command line; fuzz.test.ts runs
 * 100 000 cases under `npm test`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SipParseError, type SipMessage } from './types.ts';
import { parseMessage } from './parser.ts';
import { serializeMessage } from './serializer.ts';
import { StreamFramer } from './framer.ts';
import { getHeaders } from './headers.ts';
import { parseViaList } from './via.ts';
import { parseNameAddr, parseNameAddrList, parseContact } from './name-addr.ts';
import { parseCSeq, parseContentType, parseMaxForwards, parseTokenList, parseDeltaSeconds } from './fields.ts';
import { parseAuthChallenge, parseAuthorization } from './auth-header.ts';
import { parseUri } from './uri.ts';

/** mulberry32: small, fast, good enough for mutation choices. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID_TORTURE = ['wsinv', 'intmeth', 'esc01', 'escnull', 'esc02', 'lwsdisp', 'longreq', 'dblreq', 'semiuri', 'transports', 'mpart01', 'unreason', 'noreason', 'inv2543', 'unksm2', 'regescrt', 'bcast', 'regaut01'];

const FLOW = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0\r\nVia: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\nMax-Forwards: 70\r\nTo: Bob <sip:bob@biloxi.example.com>\r\nFrom: "Alice A." <sip:alice@atlanta.example.com>;tag=1928301774\r\nCall-ID: a84b4c76e66710@pc33.atlanta.example.com\r\nCSeq: 314159 INVITE\r\nContact: <sip:alice@pc33.atlanta.example.com;transport=udp>;+sip.instance="<urn:uuid:0000-1>";reg-id=1\r\nRoute: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\nSupported: replaces, timer\r\nAllow: INVITE, ACK, CANCEL, BYE\r\nContent-Type: application/sdp\r\nContent-Length: #\r\n\r\nv=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8 101\r\na=sendrecv\r\n',
  'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5060\r\nTo: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\nFrom: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\nCall-ID: a84b4c76e66710@pc33.atlanta.example.com\r\nCSeq: 314159 INVITE\r\nRecord-Route: <sip:p1.example.com;lr>\r\nContact: <sip:bob@192.0.2.4>\r\nContent-Length: 0\r\n\r\n',
  'REGISTER sip:registrar.example.com SIP/2.0\r\nVia: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKasudf\r\nMax-Forwards: 70\r\nTo: <sip:alice@example.com>\r\nFrom: <sip:alice@example.com>;tag=456248\r\nCall-ID: 843817637684230@998sdasdh09\r\nCSeq: 1826 REGISTER\r\nContact: <sip:alice@df7jal23ls0d.invalid;transport=ws;ob>;expires=600;q=0.5\r\nAuthorization: Digest username="alice", realm="example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", uri="sip:registrar.example.com", response="dfe56131d1958046689d83306477ecc", qop=auth, nc=00000001, cnonce="0a4f113b", algorithm=MD5\r\nContent-Length: 0\r\n\r\n',
  'SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnashds7\r\nTo: <sip:bob@biloxi.example.com>;tag=2493k59kd\r\nFrom: <sip:bob@biloxi.example.com>;tag=456248\r\nCall-ID: 843817637684230@998sdasdh09\r\nCSeq: 1826 REGISTER\r\nWWW-Authenticate: Digest realm="atlanta.example.com", qop="auth", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", opaque="", stale=FALSE, algorithm=MD5\r\nContent-Length: 0\r\n\r\n',
  'BYE sip:alice@pc33.atlanta.example.com SIP/2.0\r\nv: SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bKnashds10\r\nMax-Forwards: 70\r\nf: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\nt: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\ni: a84b4c76e66710\r\nCSeq: 231 BYE\r\nl: 0\r\n\r\n',
  'ACK tel:+1-201-555-0123;phone-context=example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <tel:+12015550123>;tag=x\r\nFrom: <sip:a@h>;tag=y\r\nCall-ID: z\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n',
];

/** Seeds: the accepted RFC 4475 messages and a small call flow. */
export function seedCorpus(): Buffer[] {
  const dir = fileURLToPath(new URL('./torture/', import.meta.url));
  const flow = FLOW.map((s) => {
    const at = s.indexOf('\r\n\r\n') + 4;
    return Buffer.from(s.replace('Content-Length: #', `Content-Length: ${Buffer.byteLength(s.slice(at))}`));
  });
  const seeds = [...VALID_TORTURE.map((n) => readFileSync(`${dir}${n}.sip`)), ...flow];
  for (const s of seeds) parseMessage(s); // every seed must be valid
  return seeds;
}

const ROOMY = { maxHeaders: 1024, maxHeaderBytes: 1 << 20, maxMessageSize: 1 << 21 };

/** Status codes parseMessage documents. */
const CODES = new Set([400, 413, 505, 513]);
const INTERESTING = [0x0d, 0x0a, 0x00, 0x20, 0x09, 0x3a, 0x3b, 0x2c, 0x22, 0x3c, 0x3e, 0x5c, 0x25, 0x3d, 0x40, 0x5b, 0x5d, 0x2f, 0x3f, 0xff, 0xc3, 0x7f];
const BAD_CL = ['-1', '70000', '99999999', '-999', '99999999999999999999', '2147483648', '9007199254740993', '', 'abc', '1e3', '0x10', ' 5 ', '00000000000000000000012', '4294967296', '+5', '5.0'];

export interface FuzzOptions {
  /** Number of cases (each is one parse, or one stream session for framer cases). */
  cases: number;
  seed?: number;
  /** Stop collecting after this many failures. Default 20. */
  maxFailures?: number;
}

export interface FuzzReport {
  cases: number;
  accepted: number;
  rejected: number;
  /** SipParseError codes seen → count. */
  codes: Record<number, number>;
  framerSessions: number;
  elapsedMs: number;
  failures: string[];
}

function lines(buf: Buffer): { head: string[]; body: Buffer } {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return { head: buf.toString('latin1').split('\r\n'), body: Buffer.alloc(0) };
  return { head: buf.toString('latin1', 0, end).split('\r\n'), body: buf.subarray(end + 4) };
}

function join(head: string[], body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1'), body]);
}

type Mutator = (b: Buffer, r: () => number, seeds: Buffer[]) => Buffer;

const int = (r: () => number, n: number): number => Math.floor(r() * n);

const MUTATORS: Array<[name: string, weight: number, f: Mutator]> = [
  ['truncate', 10, (b, r) => b.subarray(0, int(r, b.length + 1))],
  ['bitflip', 14, (b, r) => {
    const c = Buffer.from(b);
    for (let k = 1 + int(r, 8); k > 0; k--) {
      const i = int(r, c.length);
      c[i] = c[i]! ^ (1 << int(r, 8));
    }
    return c;
  }],
  ['insert', 12, (b, r) => {
    const i = int(r, b.length + 1);
    const n = 1 + int(r, 4);
    const ins = Buffer.alloc(n);
    for (let k = 0; k < n; k++) ins[k] = r() < 0.7 ? INTERESTING[int(r, INTERESTING.length)]! : int(r, 256);
    return Buffer.concat([b.subarray(0, i), ins, b.subarray(i)]);
  }],
  ['delete', 10, (b, r) => {
    const i = int(r, b.length);
    return Buffer.concat([b.subarray(0, i), b.subarray(i + 1 + int(r, 8))]);
  }],
  ['dup-header', 8, (b, r) => {
    const { head, body } = lines(b);
    if (head.length < 2) return b;
    const i = 1 + int(r, head.length - 1);
    const copies = r() < 0.9 ? 1 : 1 + int(r, 400);
    head.splice(i, 0, ...Array<string>(copies).fill(head[i]!));
    return join(head, body);
  }],
  ['huge-header', 2, (b, r) => {
    const { head, body } = lines(b);
    const big = (r() < 0.5 ? 'a' : ';x=y,"q"').repeat(Math.ceil(100_000 / 8)).slice(0, 100_000);
    if (r() < 0.5) head.splice(1, 0, `X-Huge: ${big}`);
    else {
      const i = 1 + int(r, Math.max(1, head.length - 1));
      head[i] = `${head[i] ?? 'X'}${big}`;
    }
    return join(head, body);
  }],
  ['content-length', 8, (b, r) => {
    const { head, body } = lines(b);
    const v = r() < 0.7 ? BAD_CL[int(r, BAD_CL.length)]! : String(int(r, body.length * 2 + 3));
    const i = head.findIndex((h) => /^(content-length|l)\s*:/i.test(h));
    if (i >= 0 && r() < 0.8) head[i] = `Content-Length: ${v}`;
    else head.splice(1 + int(r, head.length - 1 || 1), 0, `Content-Length: ${v}`);
    return join(head, body);
  }],
  ['swap-separator', 10, (b, r) => {
    const seps = [0x3a, 0x3b, 0x2c, 0x3c, 0x3e, 0x22, 0x20, 0x2f, 0x3d, 0x40, 0x5c];
    const c = Buffer.from(b);
    for (let k = 1 + int(r, 3); k > 0; k--) {
      const i = int(r, c.length);
      if (seps.includes(c[i]!)) c[i] = seps[int(r, seps.length)]!;
      else c[i] = seps[int(r, seps.length)]!;
    }
    return c;
  }],
  ['splice', 6, (b, r, seeds) => {
    const o = seeds[int(r, seeds.length)]!;
    return Buffer.concat([b.subarray(0, int(r, b.length)), o.subarray(int(r, o.length))]);
  }],
  ['fold', 6, (b, r) => {
    const { head, body } = lines(b);
    const i = 1 + int(r, Math.max(1, head.length - 1));
    const h = head[i] ?? '';
    const at = int(r, h.length + 1);
    head[i] = `${h.slice(0, at)}\r\n${r() < 0.5 ? ' ' : '\t'}${h.slice(at)}`;
    return join(head, body);
  }],
  ['garbage', 4, (_b, r) => {
    const n = int(r, 2000);
    const g = Buffer.alloc(n);
    const printable = r() < 0.6;
    for (let k = 0; k < n; k++) g[k] = printable ? (r() < 0.05 ? 0x0d : r() < 0.05 ? 0x0a : 0x20 + int(r, 95)) : int(r, 256);
    return g;
  }],
];
const TOTAL_WEIGHT = MUTATORS.reduce((a, [, w]) => a + w, 0);

function pick(r: () => number): [string, Mutator] {
  let x = r() * TOTAL_WEIGHT;
  for (const [name, w, f] of MUTATORS) {
    if ((x -= w) < 0) return [name, f];
  }
  return [MUTATORS[0]![0], MUTATORS[0]![2]];
}

/** Runs a typed parser; anything thrown other than SipParseError is a failure. */
function typed(msg: SipMessage): void {
  const tryIt = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
    }
  };
  if (msg.kind === 'request') tryIt(() => parseUri(msg.uri));
  for (const v of getHeaders(msg, 'Via')) tryIt(() => parseViaList(v));
  for (const n of ['From', 'To', 'Refer-To', 'Referred-By', 'P-Asserted-Identity']) {
    for (const v of getHeaders(msg, n)) tryIt(() => parseUri(parseNameAddr(v).uri));
  }
  for (const v of getHeaders(msg, 'Contact')) tryIt(() => parseContact(v).forEach((c) => c.star || parseUri(c.uri)));
  for (const n of ['Route', 'Record-Route', 'Path']) for (const v of getHeaders(msg, n)) tryIt(() => parseNameAddrList(v));
  for (const v of getHeaders(msg, 'CSeq')) tryIt(() => parseCSeq(v));
  for (const v of getHeaders(msg, 'Max-Forwards')) tryIt(() => parseMaxForwards(v));
  for (const v of getHeaders(msg, 'Content-Type')) tryIt(() => parseContentType(v));
  for (const v of getHeaders(msg, 'Expires')) tryIt(() => parseDeltaSeconds(v));
  for (const n of ['Supported', 'Require', 'Allow', 'Proxy-Require']) for (const v of getHeaders(msg, n)) tryIt(() => parseTokenList(v));
  for (const n of ['WWW-Authenticate', 'Proxy-Authenticate']) for (const v of getHeaders(msg, n)) tryIt(() => parseAuthChallenge(v));
  for (const n of ['Authorization', 'Proxy-Authorization']) for (const v of getHeaders(msg, n)) tryIt(() => parseAuthorization(v));
}

function sameMessage(a: SipMessage, b: SipMessage): string | null {
  if (a.kind !== b.kind) return 'kind';
  if (a.kind === 'request' && b.kind === 'request' && (a.method !== b.method || a.uri !== b.uri)) return 'request line';
  if (a.kind === 'response' && b.kind === 'response' && (a.status !== b.status || a.reason !== b.reason)) return 'status line';
  const ha = a.headers.filter((h) => h.name !== 'Content-Length');
  const hb = b.headers.filter((h) => h.name !== 'Content-Length');
  if (ha.length !== hb.length) return 'header count';
  for (let i = 0; i < ha.length; i++) if (ha[i]!.name !== hb[i]!.name || ha[i]!.value !== hb[i]!.value) return `header ${ha[i]!.name}`;
  if (!a.body.equals(b.body)) return 'body';
  return null;
}

function describe(kind: string, input: Buffer, what: string): string {
  const shown = input.length > 300 ? `${input.subarray(0, 300).toString('base64')}...(${input.length} bytes)` : input.toString('base64');
  return `${kind}: ${what} — input (base64): ${shown}`;
}

/** Checks one datagram-style input; returns a failure description or null. */
function checkOne(input: Buffer, kind: string, report: FuzzReport): string | null {
  let msg: SipMessage;
  try {
    msg = parseMessage(input);
  } catch (e) {
    if (!(e instanceof SipParseError)) return describe(kind, input, `threw ${String(e)}`);
    if (!CODES.has(e.code)) return describe(kind, input, `undocumented code ${e.code}`);
    report.rejected++;
    report.codes[e.code] = (report.codes[e.code] ?? 0) + 1;
    return null;
  }
  report.accepted++;
  try {
    // Serializing canonicalizes (compact names expanded, Content-Length added), so the canonical
    // form of a message right at a size limit may be a little over it: re-parse with room.
    const again = parseMessage(serializeMessage(msg), ROOMY);
    const diff = sameMessage(msg, again);
    if (diff) return describe(kind, input, `round trip changed ${diff}`);
    typed(msg);
  } catch (e) {
    return describe(kind, input, `accepted message failed later: ${String(e)}`);
  }
  return null;
}

/** One stream session: valid and mutated messages, keep-alives, random chunking. */
function checkStream(r: () => number, seeds: Buffer[], report: FuzzReport): string | null {
  const parts: Buffer[] = [];
  const expected: Buffer[] = [];
  const n = 1 + int(r, 4);
  let clean = true;
  for (let k = 0; k < n; k++) {
    const ka = int(r, 3);
    if (ka) parts.push(Buffer.from(ka === 1 ? '\r\n' : '\r\n\r\n'));
    let m = seeds[int(r, seeds.length)]!;
    // Streams need Content-Length: use the serialized form of a parsed seed.
    m = serializeMessage(parseMessage(m));
    if (r() < 0.3) {
      m = pick(r)[1](m, r, seeds);
      clean = false;
    } else {
      expected.push(m);
    }
    parts.push(m);
  }
  const all = Buffer.concat(parts);
  const f = new StreamFramer({ maxMessageSize: 1 << 20 });
  let fatal = false;
  f.onError((e, info) => {
    if (!(e instanceof SipParseError)) throw e;
    if (info.fatal) fatal = true;
  });
  const got: SipMessage[] = [];
  try {
    for (let i = 0; i < all.length; ) {
      const len = 1 + int(r, r() < 0.2 ? 8 : 700);
      got.push(...f.push(all.subarray(i, i + len)));
      i += len;
    }
  } catch (e) {
    return describe('stream', all, `framer threw ${String(e)}`);
  }
  report.framerSessions++;
  if (clean && !fatal) {
    if (got.length !== expected.length) return describe('stream', all, `framer returned ${got.length} of ${expected.length} messages`);
    for (let i = 0; i < got.length; i++) {
      const diff = sameMessage(got[i]!, parseMessage(expected[i]!));
      if (diff) return describe('stream', all, `framer changed ${diff}`);
    }
  }
  return null;
}

/** Runs the fuzzer; failures are collected, never thrown. */
export function runFuzz(opts: FuzzOptions): FuzzReport {
  const r = prng(opts.seed ?? 1);
  const maxFailures = opts.maxFailures ?? 20;
  const seeds = seedCorpus();
  const report: FuzzReport = { cases: 0, accepted: 0, rejected: 0, codes: {}, framerSessions: 0, elapsedMs: 0, failures: [] };
  const started = performance.now();
  const fail = (f: string | null) => {
    if (f && report.failures.length < maxFailures) report.failures.push(f);
  };
  // Truncation at every position of every seed (once per run).
  for (const s of seeds) {
    for (let i = 0; i <= s.length && report.cases < opts.cases; i++, report.cases++) fail(checkOne(s.subarray(0, i), 'truncate-all', report));
  }
  while (report.cases < opts.cases) {
    report.cases++;
    if (r() < 0.04) {
      fail(checkStream(r, seeds, report));
      continue;
    }
    const base = seeds[int(r, seeds.length)]!;
    const [name, mutate] = pick(r);
    let input = mutate(base, r, seeds);
    if (r() < 0.25) input = pick(r)[1](input, r, seeds); // stacked mutations
    fail(checkOne(input, name, report));
  }
  report.elapsedMs = performance.now() - started;
  return report;
}

function main(): void {
  const cases = Number(process.argv[2] ?? 2_000_000);
  const seed = Number(process.argv[3] ?? 1);
  if (!Number.isFinite(cases) || cases <= 0) {
    console.error('usage: fuzz.ts [cases] [seed]');
    process.exit(2);
  }
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  const rep = runFuzz({ cases, seed });
  gc();
  const after = process.memoryUsage().heapUsed;
  const rate = Math.round(rep.cases / (rep.elapsedMs / 1000));
  console.log(
    `fuzz: ${rep.cases} cases (seed ${seed}) in ${(rep.elapsedMs / 1000).toFixed(1)} s = ${rate}/s; ` +
      `accepted ${rep.accepted}, rejected ${rep.rejected} ${JSON.stringify(rep.codes)}, ` +
      `framer sessions ${rep.framerSessions}; heap ${(before / 1e6).toFixed(1)} → ${(after / 1e6).toFixed(1)} MB`,
  );
  for (const f of rep.failures) console.log(`FAIL ${f}`);
  process.exit(rep.failures.length ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
