#!/usr/bin/env node
// `npx tresta-notifications-worker` (here: `npm run start:workers`): the worker process, configured
// from the environment (see docs/options.md, "From the environment").
// SIGTERM or SIGINT drains and exits; a second signal exits at once.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { optionsFromEnv } from '../startup/env.js';
import { startWorkers } from './process.js';
import { drainOnSignals } from './signals.js';

const log = pino();
const options = optionsFromEnv(process.env);
const prefix = process.env.TRESTA_REDIS_PREFIX;
const lockDurationMs = process.env.TRESTA_JOB_LOCK_MS ? Number(process.env.TRESTA_JOB_LOCK_MS) : undefined;

/**
 * Where users' email addresses come from is the host's code, not configuration: the module named by
 * TRESTA_RECIPIENTS_MODULE exports `resolveRecipient(userId)`. Without it, this process sends no email.
 */
async function loadResolveRecipient(): Promise<
  ((userId: string) => Promise<{ email: string; name?: string } | null>) | undefined
> {
  const path = process.env.TRESTA_RECIPIENTS_MODULE;
  if (!path) return undefined;
  const module = (await import(pathToFileURL(resolve(path)).href)) as { resolveRecipient?: unknown };
  if (typeof module.resolveRecipient !== 'function') throw new Error(`${path} does not export a resolveRecipient function`);
  return module.resolveRecipient as (userId: string) => Promise<{ email: string; name?: string } | null>;
}

try {
  const resolveRecipient = await loadResolveRecipient();
  const workers = await startWorkers(
    {
      ...options,
      redis: { ...options.redis, ...(prefix ? { prefix } : {}) },
      email: { ...options.email, resolveRecipient },
      jobs: { lockDurationMs },
    },
    log,
  );
  drainOnSignals(workers, log);
} catch (error) {
  log.error({ err: error }, 'tresta workers could not start');
  process.exit(1);
}
