/**
 * App events over a real HTTP server and socket.io-client (WebSocket and long-polling): the
 * directory credentials gate the handshake; presence and recent calls arrive on connect and on
 * change; other requests and upgrades still reach the gateway's own handlers.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { io as connect, type Socket } from 'socket.io-client';
import { attachAppEvents, type AppEvents } from './app-events.ts';
import { recentCallsOf } from './recent-calls.ts';
import type { PresencePayload, RecentCallsPayload } from './app-events-protocol.ts';
import { routeUpgrades } from '../sip/stack/index.ts';

const USERS = [
  { username: '1002', password: 'demo1002' },
  { username: '1001', password: 'demo1001', display_name: 'Alice' },
];
const cdr = (callId: string, from: string, to: string, hour: number, answered: boolean, endReason = 'normal', sipCode = 200) => ({
  callId,
  from,
  to,
  direction: 'outbound' as const,
  route: `user:${to}`,
  startTime: `2025-01-01T${String(hour).padStart(2, '0')}:00:00Z`,
  answerTime: answered ? `2025-01-01T${String(hour).padStart(2, '0')}:00:02Z` : null,
  durationSeconds: answered ? 30 : 0,
  endReason,
  sipCode,
});
/** The gateway's records; tests add to it. */
const CDRS = [cdr('a', '1001', '1002', 10, true), cdr('b', '1003', '1001', 11, false, 'busy', 486), cdr('c', '1002', '1003', 12, false)];

describe('app events (socket.io)', () => {
  let server: Server;
  let events: AppEvents;
  let url: string;
  let online: string[] = [];
  let notify: () => void = () => {};
  let callsChanged: (...users: string[]) => void = () => {};
  const clients: Socket[] = [];

  before(async () => {
    server = createServer((_req, res) => res.end('app'));
    routeUpgrades(server, () => [events.upgradeHandler]);
    events = attachAppEvents({
      server,
      users: () => USERS,
      online: () => online,
      onOnlineChange: (listener) => {
        notify = listener;
        return () => (notify = () => {});
      },
      recentCalls: (user) => recentCallsOf(user, CDRS),
      onRecentCallsChange: (listener) => {
        callsChanged = listener;
        return () => (callsChanged = () => {});
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const c of clients) c.close();
    // Let the server see every client leave, so no polling transport waits out its close timer.
    for (let i = 0; i < 40 && events.io.sockets.sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
    await events.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /** The next `event` on `socket`, with its arguments. */
  function once(socket: Socket, event: string): Promise<unknown[]> {
    return new Promise((resolve) => socket.once(event, (...args: unknown[]) => resolve(args)));
  }

  function client(auth: object, transports: Array<'websocket' | 'polling'> = ['websocket']): Socket {
    const s = connect(url, { path: '/socket.io', auth, transports, reconnection: false, forceNew: true });
    clients.push(s);
    return s;
  }

  test('wrong or missing credentials are refused with APP_EVENTS_UNAUTHORIZED', async () => {
    for (const auth of [{ username: '1001', password: 'nope' }, { username: '9999', password: 'demo1001' }, {}]) {
      const [err] = (await once(client(auth), 'connect_error')) as [Error];
      assert.equal(err.message, 'APP_EVENTS_UNAUTHORIZED');
    }
  });

  test('on connect: the roster with who is online, and the user\'s recent calls', async () => {
    online = ['1002', 'ghost'];
    const s = client({ username: '1001', password: 'demo1001' });
    const [[presence], [recent]] = (await Promise.all([once(s, 'presence'), once(s, 'recent-calls')])) as [[PresencePayload], [RecentCallsPayload]];
    assert.deepEqual(presence, { users: [{ username: '1001', displayName: 'Alice' }, { username: '1002' }], online: ['1002'] });
    assert.deepEqual(recent.calls.map((c) => [c.id, c.direction, c.peer]), [['b', 'inbound', '1003'], ['a', 'outbound', '1002']]);
  });

  test('presence is pushed when registrations change, also over long-polling', async () => {
    const s = client({ username: '1002', password: 'demo1002' }, ['polling']);
    await once(s, 'presence');
    online = ['1001', '1002'];
    const next = once(s, 'presence');
    notify();
    const [presence] = (await next) as [PresencePayload];
    assert.deepEqual(presence.online, ['1001', '1002']);
  });

  test('each socket gets its own user\'s calls only, on connect and after recentCallsChanged()', async () => {
    const a = client({ username: '1001', password: 'demo1001' });
    const b = client({ username: '1002', password: 'demo1002' }, ['polling']);
    const [[first], [bFirst]] = (await Promise.all([once(a, 'recent-calls'), once(b, 'recent-calls')])) as [[RecentCallsPayload], [RecentCallsPayload]];
    assert.deepEqual(first.calls.map((c) => c.id), ['b', 'a']);
    assert.deepEqual(bFirst.calls.map((c) => [c.id, c.direction, c.peer]), [['c', 'outbound', '1003'], ['a', 'inbound', '1001']]);
    const bGot: RecentCallsPayload[] = [];
    b.on('recent-calls', (p: RecentCallsPayload) => bGot.push(p));
    // 1001 calls 1003 (not 1002): only 1001 (and 1003, who has no socket) are told.
    CDRS.push(cdr('d', '1001', '1003', 13, true));
    const next = once(a, 'recent-calls');
    events.recentCallsChanged('1001', '1003');
    const [update] = (await next) as [RecentCallsPayload];
    assert.deepEqual(update.calls.map((c) => [c.id, c.direction, c.peer, c.answerTime !== null]), [
      ['d', 'outbound', '1003', true],
      ['b', 'inbound', '1003', false],
      ['a', 'outbound', '1002', true],
    ]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(bGot.length, 0, '1002 was not told about a call it had no part in');
  });

  test('a change announced through onRecentCallsChange reaches the callee too, with its own view', async () => {
    const a = client({ username: '1001', password: 'demo1001' });
    const b = client({ username: '1002', password: 'demo1002' });
    await Promise.all([once(a, 'recent-calls'), once(b, 'recent-calls')]);
    CDRS.push(cdr('e', '1001', '1002', 14, false, 'cancelled', 487));
    const [[forA], [forB]] = (await Promise.all([once(a, 'recent-calls'), once(b, 'recent-calls'), Promise.resolve(callsChanged('1001', '1002'))])) as [[RecentCallsPayload], [RecentCallsPayload], unknown];
    assert.deepEqual([forA.calls[0]!.id, forA.calls[0]!.direction, forA.calls[0]!.peer], ['e', 'outbound', '1002']);
    assert.deepEqual([forB.calls[0]!.id, forB.calls[0]!.direction, forB.calls[0]!.peer], ['e', 'inbound', '1001']);
    assert.ok(forB.calls.every((c) => c.id !== 'b' && c.id !== 'd'), '1002 never sees calls it was not part of');
  });

  test('other requests and upgrades are left to the gateway', async () => {
    assert.equal(await (await fetch(`${url}/health`)).text(), 'app');
    assert.equal(events.upgradeHandler({ url: '/sip' } as never, {} as never, Buffer.alloc(0)), false);
  });
});
