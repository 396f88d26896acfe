import type { RedisClient } from '../../redis/connect.js';

/*
  acquireRunLock — takes `<prefix>:lock:<job>:running` for a run, or gives it back to the same run.
  Input:  KEYS[1] the lock; ARGV[1] the run's id (the BullMQ job id); ARGV[2] lifetime in seconds.
  Output: 1 taken (or taken over by the same run, re-run after its worker died); 0 held by another run.
*/
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
  return 1
end
return 0`;

/*
  releaseRunLock — deletes the lock only while this run holds it (it may have expired and passed on).
  Input:  KEYS[1] the lock; ARGV[1] the run's id.
  Output: 1 released; 0 not ours (anymore).
*/
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

interface WithRunLockCommands {
  trestaAcquireRunLock(key: string, runId: string, seconds: number): Promise<number>;
  trestaReleaseRunLock(key: string, runId: string): Promise<number>;
}

/**
 * The Redis lock that keeps two runs of one job from overlapping. The lock holds the run's id, so
 * a run re-started by BullMQ after its worker died (same job id) takes its own lock back instead
 * of waiting for it to expire. Postgres (the job-run fence and each job's unique rows) stays the
 * guarantee: the lock only saves duplicate work, and Redis may lose it.
 */
export class RunLock {
  readonly #redis: RedisClient & WithRunLockCommands;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    if (!('trestaAcquireRunLock' in redis)) {
      redis.defineCommand('trestaAcquireRunLock', { numberOfKeys: 1, lua: ACQUIRE });
      redis.defineCommand('trestaReleaseRunLock', { numberOfKeys: 1, lua: RELEASE });
    }
    this.#redis = redis as RedisClient & WithRunLockCommands;
    this.#prefix = prefix;
  }

  key(job: string): string {
    return `${this.#prefix}:lock:${job}:running`;
  }

  async acquire(job: string, runId: string, seconds: number): Promise<boolean> {
    return (await this.#redis.trestaAcquireRunLock(this.key(job), runId, seconds)) === 1;
  }

  async release(job: string, runId: string): Promise<void> {
    await this.#redis.trestaReleaseRunLock(this.key(job), runId);
  }
}
