import { randomUUID } from 'node:crypto';
import { Job, type Queue } from 'bullmq';
import { JOB_OPTIONS } from '../registry.js';
import type { JobRunResult } from './run-job.js';
import type { ScheduledJobName } from './schedules.js';

const POLL_MS = 100;
/** Long enough for a digest of many users; a run still going then is answered as such. */
const WAIT_MS = 10 * 60_000;

export type RunNowResult = JobRunResult | { job: ScheduledJobName; status: 'running'; jobId: string };

/**
 * "Run now" from any instance, API-only replicas included: the job goes on the `scheduled` queue
 * like a scheduler's tick, so whichever worker process takes it runs it through the same lock and
 * fence; the answer is its result once it has finished (or "running" after WAIT_MS).
 */
export async function runScheduledJobNow(queue: Queue, name: ScheduledJobName): Promise<RunNowResult> {
  const jobId = `manual-${name}-${randomUUID()}`;
  await queue.add(name, {}, { ...JOB_OPTIONS[name], jobId });
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    // The state first, then the job: a job read before it completed has no return value yet.
    const state = await queue.getJobState(jobId);
    if (state === 'completed' || state === 'failed') {
      const job = await Job.fromId(queue, jobId);
      if (state === 'completed') return job!.returnvalue as JobRunResult;
      throw new Error(`scheduled job ${name} failed: ${job!.failedReason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return { job: name, status: 'running', jobId };
}
