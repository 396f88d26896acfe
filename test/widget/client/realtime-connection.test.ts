import t, { type Test } from 'tap';
import { ApiClient } from '../../../widget/client/api.js';
import { RealtimeConnection, type ConnectionStatus } from '../../../widget/client/realtime-connection.js';
import type { SocketLike } from '../../../widget/client/transports/websocket-transport.js';
import type { RealtimeMessage } from '../../../widget/client/types.js';
import { until } from '../../helpers/until.js';

/** A socket the test drives: it opens at once, and the test answers, sends and closes. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.(new Event('open'));
    });
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  serverSends(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }
  serverCloses(code: number) {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }
}

function setup(t: Test, offer: Record<string, unknown> = {}) {
  const sockets: FakeSocket[] = [];
  const statuses: ConnectionStatus[] = [];
  const messages: RealtimeMessage[] = [];
  let tokens = 0;
  let catchUps = 0;
  const api = new ApiClient({
    apiBase: '/api',
    baseUrl: 'https://app.test/page',
    getToken: () => `token-${++tokens}`,
    fetch: async () =>
      Response.json({
        transports: ['websocket', 'polling'],
        websocket: { url: '/api/notifications/ws' },
        pollIntervalMs: 50,
        ...offer,
      }),
  });
  const connection = new RealtimeConnection({
    api,
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    loadAbly: () => Promise.reject(new Error('chunk failed to load')),
    catchUp: async () => void catchUps++,
    onMessage: (message) => messages.push(message),
    onStatus: (status) => statuses.push(status),
    random: () => 0,
  });
  t.teardown(() => connection.stop());
  return { connection, sockets, statuses, messages, tokens: () => tokens, catchUps: () => catchUps };
}

t.test('connects to the built-in WebSocket with the token in the first frame, and catches up when ready', async (t) => {
  const { connection, sockets, statuses, messages, catchUps } = setup(t);
  connection.start();
  await until(() => sockets[0]?.sent.length === 1, Boolean, 'the auth frame');
  t.equal(sockets[0]!.url, 'wss://app.test/api/notifications/ws', 'wss for an https page; no token in the URL');
  t.same(sockets[0]!.sent, [{ type: 'auth', token: 'token-2' }]);
  sockets[0]!.serverSends({ type: 'ready', expiresAt: Date.now() + 60_000 });
  t.equal(connection.status, 'websocket');
  t.equal(catchUps(), 1, 'a refetch after connecting');
  sockets[0]!.serverSends({ name: 'new-notification', data: { id: 'n1', title: 't' } });
  sockets[0]!.serverSends({ name: 'something-else', data: {} });
  t.same(
    messages.map((message) => message.name),
    ['new-notification'],
    'contract messages only',
  );
  t.same(statuses, ['connecting', 'websocket']);
});

t.test('a dropped socket reconnects with backoff; after two failures it polls until a socket is ready', async (t) => {
  const { connection, sockets, catchUps, tokens } = setup(t);
  connection.start();
  await until(() => sockets.length === 1 && sockets[0]!.sent.length === 1, Boolean, 'the first socket');
  sockets[0]!.serverSends({ type: 'ready', expiresAt: null });
  const tokensBefore = tokens();
  sockets[0]!.serverCloses(4401);
  t.equal(connection.status, 'connecting', 'one failure: reconnecting');
  await until(() => sockets.length === 2 && sockets[1]!.sent.length === 1, Boolean, 'the second socket');
  t.ok(tokens() > tokensBefore, 'after a 4401 the token provider is asked again');
  sockets[1]!.serverCloses(1006);
  t.equal(connection.status, 'polling', 'two failures in a row: polling');
  const before = catchUps();
  await until(() => catchUps() >= before + 1, Boolean, 'a poll');
  await until(
    () => sockets.length >= 3 && sockets.at(-1)!.sent.length === 1,
    Boolean,
    'a socket retried after the successful poll',
  );
  sockets.at(-1)!.serverSends({ type: 'ready', expiresAt: null });
  t.equal(connection.status, 'websocket', 'back on the socket');
  const afterReconnect = catchUps();
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(catchUps(), afterReconnect, 'polling stopped once connected');
});

t.test('Ably offered but its chunk fails to load: the WebSocket', async (t) => {
  const { connection, sockets } = setup(t, {
    transports: ['ably', 'websocket', 'polling'],
    ably: { tokenUrl: '/api/ably/token', channel: 'notifications:u' },
  });
  connection.start();
  await until(() => sockets.length === 1, Boolean, 'a socket');
  t.pass('fell back to the WebSocket');
});

t.test('stop() closes everything and reports offline', async (t) => {
  const { connection, sockets } = setup(t);
  connection.start();
  await until(() => sockets.length === 1 && sockets[0]!.sent.length === 1, Boolean, 'a socket');
  connection.stop();
  t.equal(connection.status, 'offline');
  t.equal(sockets[0]!.readyState, 3, 'the socket was closed');
  sockets[0]!.serverCloses(1000);
  await new Promise((resolve) => setTimeout(resolve, 600));
  t.equal(sockets.length, 1, 'no reconnect after stop');
});
