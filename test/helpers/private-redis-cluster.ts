import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';
import { until } from './until.js';

const run = promisify(execFile);

export interface PrivateRedisCluster {
  /** One URL per master, for `redis: { cluster: { nodes } }`. */
  nodes: string[];
  /** A plain connection to each master, to look at what it holds. */
  masters: () => Redis[];
  stop: () => Promise<void>;
}

/**
 * A Redis Cluster of three masters (no replicas, no persistence) made of private redis-servers on
 * free ports, its 16384 slots split by `redis-cli --cluster create`; for one test file.
 */
export async function startPrivateRedisCluster(): Promise<PrivateRedisCluster> {
  const folder = await mkdtemp(join(tmpdir(), 'tresta-cluster-'));
  const servers: PrivateRedis[] = [];
  const connections: Redis[] = [];
  const stop = async () => {
    for (const connection of connections) connection.disconnect();
    await Promise.all(servers.map((server) => server.stop()));
    await rm(folder, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      // Each node keeps its cluster state in a file of its own (the folder is the working directory).
      const dir = join(folder, `node-${i}`);
      await run('mkdir', ['-p', dir]);
      servers.push(
        await startPrivateRedis([
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '5000',
          '--dir',
          dir,
        ]),
      );
    }
    const addresses = servers.map((server) => new URL(server.url).host);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    for (const server of servers) {
      const connection = new Redis(server.url);
      connections.push(connection);
      await until(
        () => connection.cluster('INFO') as Promise<string>,
        (info) => info.includes('cluster_state:ok'),
        `cluster_state:ok on ${server.url}`,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: servers.map((server) => server.url), masters: () => connections, stop };
}
