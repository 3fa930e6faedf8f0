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
import { attachAppEvents, recentCallsOf, type AppEvents } from './app-events.ts';
import type { PresencePayload, RecentCallsPayload } from './app-events-protocol.ts';
import { routeUpgrades } from '../sip/stack/index.ts';

const USERS = [
  { username: '1002', password: 'demo1002' },
  { username: '1001', password: 'demo1001', display_name: 'Alice' },
];
const CDRS = [
  { callId: 'a', from: '1001', to: '1002', startTime: '2025-01-01T10:00:00Z', answerTime: '2025-01-01T10:00:02Z', durationSeconds: 30, endReason: 'normal', sipCode: 200 },
  { callId: 'b', from: '1003', to: '1001', startTime: '2025-01-01T11:00:00Z', answerTime: null, durationSeconds: 0, endReason: 'busy', sipCode: 486 },
  { callId: 'c', from: '1002', to: '1003', startTime: '2025-01-01T12:00:00Z', answerTime: null, durationSeconds: 0, endReason: 'normal', sipCode: 200 },
];

describe('app events (socket.io)', () => {
  let server: Server;
  let events: AppEvents;
  let url: string;
  let online: string[] = [];
  let notify: () => void = () => {};
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

  test('recentCallsChanged() reaches only the named users', async () => {
    const a = client({ username: '1001', password: 'demo1001' });
    const b = client({ username: '1002', password: 'demo1002' });
    await Promise.all([once(a, 'recent-calls'), once(b, 'recent-calls')]);
    let bGot = 0;
    b.on('recent-calls', () => bGot++);
    const next = once(a, 'recent-calls');
    events.recentCallsChanged('1001');
    await next;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(bGot, 0);
  });

  test('other requests and upgrades are left to the gateway', async () => {
    assert.equal(await (await fetch(`${url}/health`)).text(), 'app');
    assert.equal(events.upgradeHandler({ url: '/sip' } as never, {} as never, Buffer.alloc(0)), false);
  });
});
