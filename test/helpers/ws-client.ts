import { WebSocket } from 'ws';

export interface TestClient {
  socket: WebSocket;
  frames: Array<Record<string, unknown>>;
  /** Resolves with the first frame (seen or to come) that matches, or rejects at the deadline. */
  waitFor: (match: (frame: Record<string, unknown>) => boolean, deadlineMs?: number) => Promise<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
}

/** A WebSocket client that records every frame, for tests that wait on messages with a deadline. */
export async function connectClient(url: string, options: { origin?: string } = {}): Promise<TestClient> {
  const socket = new WebSocket(url, { headers: options.origin ? { origin: options.origin } : {} });
  const frames: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data: Buffer) => {
    frames.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
  });
  const waitFor: TestClient['waitFor'] = (match, deadlineMs = 30_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = frames.find(match);
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching frame within ${deadlineMs} ms; got ${JSON.stringify(frames)}`));
      }, deadlineMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { socket, frames, waitFor, closed };
}

/** Connects and authenticates with the first-frame token, resolving once the server is ready. */
export async function connectAuthenticated(url: string, token: string, origin?: string): Promise<TestClient> {
  const client = await connectClient(url, { origin });
  client.socket.send(JSON.stringify({ type: 'auth', token }));
  await client.waitFor((frame) => frame.type === 'ready');
  return client;
}
