import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startPrivateRedis, type PrivateRedis } from './private-redis.js';
import { until } from './until.js';

export const SENTINEL_MASTER_NAME = 'tresta-master';

export interface PrivateRedisSentinel {
  /** For `redis: { sentinel: { sentinels, name } }`. */
  sentinels: Array<{ host: string; port: number }>;
  /** Where the master is now, as the sentinel says. */
  masterPort: () => Promise<number>;
  /** Makes the replica the master (SENTINEL FAILOVER) and resolves once the sentinel names the new one. */
  failover: () => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * A master, one replica and one sentinel (quorum 1) of the test's own, no persistence: enough for
 * a real failover that moves the master to another port while clients are connected.
 */
export async function startPrivateRedisSentinel(): Promise<PrivateRedisSentinel> {
  const servers: PrivateRedis[] = [];
  const folder = await mkdtemp(join(tmpdir(), 'tresta-sentinel-'));
  let sentinel: ChildProcess | null = null;
  const admin: Redis[] = [];
  const stop = async () => {
    for (const connection of admin) connection.disconnect();
    if (sentinel && sentinel.exitCode === null && sentinel.signalCode === null) {
      const gone = once(sentinel, 'exit');
      sentinel.kill('SIGKILL');
      await gone;
    }
    await Promise.all(servers.map((server) => server.stop()));
    await rm(folder, { recursive: true, force: true });
  };
  try {
    const master = await startPrivateRedis();
    servers.push(master);
    const masterPort = Number(new URL(master.url).port);
    servers.push(await startPrivateRedis(['--replicaof', '127.0.0.1', String(masterPort)]));

    const port = await freePort();
    const config = join(folder, 'sentinel.conf');
    // The sentinel rewrites its config file as it learns the topology: it must be its own.
    await writeFile(
      config,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${folder}`,
        `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 2000`,
        `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
        '',
      ].join('\n'),
    );
    sentinel = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' });
    const connection = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 100 });
    connection.on('error', () => {});
    admin.push(connection);
    const replicasKnown = () =>
      connection.call('SENTINEL', 'REPLICAS', SENTINEL_MASTER_NAME).then(
        (replicas) => (replicas as string[][]).filter((fields) => fields[fields.indexOf('flags') + 1] === 'slave').length,
        () => 0,
      );
    await until(replicasKnown, (count) => count === 1, 'the sentinel to know the replica');
    const currentMasterPort = async () => {
      const [, masterAt] = (await connection.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER_NAME)) as [
        string,
        string,
      ];
      return Number(masterAt);
    };
    return {
      sentinels: [{ host: '127.0.0.1', port }],
      masterPort: currentMasterPort,
      failover: async () => {
        const before = await currentMasterPort();
        await connection.call('SENTINEL', 'FAILOVER', SENTINEL_MASTER_NAME);
        await until(currentMasterPort, (now) => now !== before, 'the sentinel to name the new master');
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
