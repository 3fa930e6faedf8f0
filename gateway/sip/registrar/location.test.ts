/** Tests for the registrar's location service: expiry, replacement rules, connection-bound removal. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocationService, type Binding } from './location.ts';

let now = 1_000_000;
const clock = () => now;

function binding(over: Partial<Binding>): Binding {
  return {
    aor: '1001',
    contact: 'sip:1001@127.0.0.1:5070',
    expiresAt: now + 60_000,
    callId: 'c1',
    cseq: 1,
    q: 1,
    path: [],
    source: { protocol: 'udp', address: '127.0.0.1', port: 5070 },
    ...over,
  };
}

test('bindings expire and are pruned on lookup and sweep', () => {
  const loc = new LocationService(clock);
  loc.upsert(binding({}));
  loc.upsert(binding({ contact: 'sip:1001@127.0.0.1:5072', expiresAt: now + 10_000 }));
  assert.equal(loc.lookup('1001').length, 2);
  now += 10_001;
  assert.deepEqual(loc.lookup('1001').map((b) => b.contact), ['sip:1001@127.0.0.1:5070']);
  now += 60_000;
  assert.equal(loc.sweep(), 1);
  assert.deepEqual(loc.aors(), []);
  assert.deepEqual(loc.stats(), { aors: 0, bindings: 0 });
});

test('a refresh of the same contact replaces it; several contacts per user coexist', () => {
  const loc = new LocationService(clock);
  loc.upsert(binding({ cseq: 1 }));
  loc.upsert(binding({ cseq: 2, expiresAt: now + 120_000 }));
  loc.upsert(binding({ contact: 'sip:1001@10.0.0.1:5060', q: 0.5 }));
  const list = loc.lookup('1001');
  assert.equal(list.length, 2);
  assert.equal(list[0]!.cseq, 2, 'highest q first');
  assert.equal(list[1]!.q, 0.5);
});

test('RFC 5626 instance + reg-id replaces a binding even when the contact URI changed', () => {
  const loc = new LocationService(clock);
  const inst = '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>';
  loc.upsert(binding({ contact: 'sip:a@1.1.1.1;transport=ws', instanceId: inst, regId: 1 }));
  loc.upsert(binding({ contact: 'sip:b@1.1.1.1;transport=ws', instanceId: inst, regId: 1 }));
  assert.deepEqual(loc.lookup('1001').map((b) => b.contact), ['sip:b@1.1.1.1;transport=ws']);
  loc.upsert(binding({ contact: 'sip:c@1.1.1.1;transport=ws', instanceId: inst, regId: 2 }));
  assert.equal(loc.lookup('1001').length, 2, 'another reg-id is another flow');
  assert.ok(loc.remove('1001', 'sip:x', inst, 2));
  assert.equal(loc.lookup('1001').length, 1);
});

test('closing a connection removes exactly the bindings that arrived on it', () => {
  const loc = new LocationService(clock);
  loc.upsert(binding({ source: { protocol: 'ws', address: '127.0.0.1', port: 1, connectionId: 'ws-1' } }));
  loc.upsert(binding({ aor: '1002', contact: 'sip:1002@x', source: { protocol: 'ws', address: '127.0.0.1', port: 2, connectionId: 'ws-2' } }));
  loc.upsert(binding({ contact: 'sip:1001@udp' }));
  assert.deepEqual(loc.removeByConnection('ws-1'), ['1001']);
  assert.deepEqual(loc.lookup('1001').map((b) => b.contact), ['sip:1001@udp']);
  assert.equal(loc.lookup('1002').length, 1);
  assert.equal(loc.removeAll('1002'), 1);
  assert.equal(loc.lookup('1002').length, 0);
});
