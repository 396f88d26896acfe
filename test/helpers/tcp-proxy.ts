import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Cuts every open connection and refuses new ones, as a dead server would. */
  cut: () => Promise<void>;
  /** Accepts connections again, on the same port. */
  restore: () => Promise<void>;
  /** Keeps what the server answers from here on, on every connection, until `release`. */
  hold: () => void;
  /** Passes on, in order, what `hold` kept, and what comes after. */
  release: () => void;
  close: () => Promise<void>;
}

/**
 * A TCP proxy in front of a real server (Postgres here), so that a test can take the server away
 * from one app without stopping it for the other test files that share it.
 */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let held: Array<() => void> | null = null;
  let server: Server;
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (held) held.push(() => client.write(chunk));
        else client.write(chunk);
      });
      upstream.on('end', () => client.end());
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  };
  const cut = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen();
  const hold = () => {
    held ??= [];
  };
  const release = () => {
    const pending = held ?? [];
    held = null;
    for (const write of pending) write();
  };
  return { port, cut, restore: listen, hold, release, close: cut };
}
