import { Worker } from 'bullmq';
import type { RedisClient } from '../redis/connect.js';

/**
 * A BullMQ Worker that waits for work as long as its `drainDelay`, delayed jobs or not.
 *
 * BullMQ blocks an idle worker on its queue's marker for `drainDelay` seconds when the queue holds
 * no delayed job, but caps the block at 10 s as soon as one is waiting (the Redis backend's
 * `maximumBlockTimeout`): a queue holding an escalation, a deferred email or a job scheduler's
 * next tick then costs a BZPOPMIN and a moveToActive every 10 s, about 12 Redis commands a
 * minute, for as long as the job waits. Nothing is gained by waking early: adding a job (delayed
 * or not) writes the marker and wakes the worker at once, and a block never outlasts the time
 * until the earliest delayed job is due, so a delayed job still runs on time. The cap guards
 * against a blocked connection that never answers, which BullMQ's own watchdog now handles for
 * any block length (it is what the uncapped `drainDelay` wait relies on already).
 */
export class PatientWorker extends Worker {
  override get maximumBlockTimeout(): number {
    return Math.max(super.maximumBlockTimeout, this.opts.drainDelay ?? 0);
  }

  /**
   * A job given back under a rate limit (`Worker.RateLimitError()`) goes back to wait without a
   * marker when it has a priority (every email has one), so a fetch of this worker already blocked
   * on the marker would sleep through its whole drainDelay. The marker BullMQ writes when a job is
   * waiting wakes it: it finds the rate limit, waits it out, and takes the job.
   */
  override async rateLimit(expireTimeMs: number): Promise<void> {
    await super.rateLimit(expireTimeMs);
    await (this.opts.connection as RedisClient).zadd(this.keys.marker!, 0, '0');
  }
}
