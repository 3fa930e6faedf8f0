/**
 * recentCallsOf / recentCallUsers: whose calls a record is, which way it went from each side,
 * who the other party was, order and limit; a trunk or REST API caller putting a user's number in
 * From does not land in that user's list, and a number routed to a user (DID) does.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recentCallUsers, recentCallsOf, type CallRecordLike } from './recent-calls.ts';

let n = 0;
function record(o: Partial<CallRecordLike> & Pick<CallRecordLike, 'from' | 'to'>): CallRecordLike {
  n++;
  return {
    callId: `call-${n}`,
    direction: 'outbound',
    route: `user:${o.to}`,
    startTime: new Date(Date.UTC(2025, 0, 1, 10, n)).toISOString(),
    answerTime: null,
    durationSeconds: 0,
    endReason: 'cancelled',
    sipCode: 487,
    ...o,
  };
}

describe('recentCallsOf', () => {
  test('a user-to-user call: outbound for the caller, inbound for the callee, each with the other as peer', () => {
    const r = record({ from: '1001', to: '1002', answerTime: '2025-01-01T10:00:03.000Z', durationSeconds: 42, endReason: 'normal', sipCode: 200 });
    assert.deepEqual(recentCallsOf('1001', [r]), [
      { id: r.callId, direction: 'outbound', peer: '1002', startTime: r.startTime, answerTime: r.answerTime, durationSeconds: 42, endReason: 'normal', sipCode: 200 },
    ]);
    assert.deepEqual(recentCallsOf('1002', [r]).map((c) => [c.direction, c.peer]), [['inbound', '1001']]);
    assert.deepEqual(recentCallsOf('1003', [r]), []);
    assert.deepEqual(recentCallUsers(r), ['1001', '1002']);
  });

  test('calls to extensions and trunks are the caller\'s only; the peer is what was dialled', () => {
    const echo = record({ from: '1001', to: 'echo', route: 'extension:echo' });
    const out = record({ from: '1001', to: '+15551234567', route: 'trunk:carrier' });
    assert.deepEqual(recentCallsOf('1001', [echo, out]).map((c) => [c.direction, c.peer]), [['outbound', '+15551234567'], ['outbound', 'echo']]);
    assert.deepEqual(recentCallsOf('echo', [echo]), []);
    assert.deepEqual(recentCallUsers(echo), ['1001']);
  });

  test('inbound from a trunk: the routed-to user sees it (even under a DID); a From naming a user proves nothing', () => {
    const did = record({ from: '+15550001111', to: '+15559990000', direction: 'inbound', route: 'user:1002' });
    const spoof = record({ from: '1001', to: '1002', direction: 'inbound', route: 'user:1002' });
    assert.deepEqual(recentCallsOf('1002', [did]).map((c) => [c.direction, c.peer]), [['inbound', '+15550001111']]);
    assert.deepEqual(recentCallsOf('1001', [spoof]), [], 'not listed as a call 1001 made');
    assert.deepEqual(recentCallsOf('1002', [spoof]).map((c) => [c.direction, c.peer]), [['inbound', '1001']]);
    assert.deepEqual(recentCallUsers(did), ['1002']);
    assert.deepEqual(recentCallUsers(spoof), ['1002']);
  });

  test('a call placed through the REST API is nobody\'s outgoing call, whatever its From says', () => {
    const api = record({ from: '1001', to: '+15551234567', route: 'api:trunk' });
    assert.deepEqual(recentCallsOf('1001', [api]), []);
    assert.deepEqual(recentCallUsers(api), []);
    const apiToUser = record({ from: '1001', to: '1002', route: 'user:1002' });
    assert.deepEqual(recentCallsOf('1002', [apiToUser]).map((c) => c.peer), ['1001'], 'but a user it rings still sees it');
  });

  test('a call rerouted away from the dialled user is not that user\'s; without a route, `to` decides', () => {
    const forwarded = record({ from: '1001', to: '1002', route: 'trunk:carrier' });
    assert.deepEqual(recentCallsOf('1002', [forwarded]), []);
    const legacy = record({ from: '1001', to: '1002', route: null });
    assert.deepEqual(recentCallsOf('1002', [legacy]).map((c) => c.direction), ['inbound']);
  });

  test('a call to oneself is listed once, as outbound', () => {
    const self = record({ from: '1001', to: '1001' });
    assert.deepEqual(recentCallsOf('1001', [self]).map((c) => c.direction), ['outbound']);
    assert.deepEqual(recentCallUsers(self), ['1001']);
  });

  test('newest first by start time whatever the input order, bounded by the limit (default 50)', () => {
    const many = Array.from({ length: 60 }, () => record({ from: '1001', to: '1002' }));
    const shuffled = [...many.slice(30), ...many.slice(0, 30).reverse()];
    const list = recentCallsOf('1001', shuffled);
    assert.equal(list.length, 50);
    assert.deepEqual(list.map((c) => c.id), many.slice(10).reverse().map((r) => r.callId));
    assert.deepEqual(recentCallsOf('1001', many, 3).map((c) => c.id), many.slice(-3).reverse().map((r) => r.callId));
    assert.deepEqual(recentCallsOf('1001', many, 0), []);
  });
});
