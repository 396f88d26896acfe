import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { embeddedPGlite } from '../db/pglite.js';
import { deliverJobId, JOB_OPTIONS, type JobPayloads } from '../jobs/registry.js';

export const OUTBOX_CHANNEL = 'tresta_outbox';

export interface RelayOptions {
  orm: MikroORM;
  databaseUrl: string;
  queue: Queue<JobPayloads['deliver-notification']>;
  claimSize?: number;
  leaseSeconds?: number;
  pollMs?: number;
  /** Published rows are kept this long (for audits and the re-drive sweeper), then deleted. */
  keepPublishedSeconds?: number;
  cleanupBatchSize?: number;
  cleanupEveryMs?: number;
}

// Claims a batch of pending rows nobody holds (or whose holder's lease ran out), oldest first.
// SKIP LOCKED lets several relays claim side by side without waiting on or repeating each other.
const CLAIM = `
  update tresta_outbox set claimed_at = now(), claim_token = ?, attempts = attempts + 1
  where id in (
    select id from tresta_outbox
    where status = 'pending' and (claimed_at is null or claimed_at < now() - make_interval(secs => ?))
    order by created_at, id
    limit ?
    for update skip locked)
  returning id, notification_id, user_id`;

// Fenced by the claim token: a relay whose lease expired and was re-claimed marks nothing.
const MARK_PUBLISHED = `
  update tresta_outbox set status = 'published', published_at = now()
  where claim_token = ? and id in (select value::uuid from jsonb_array_elements_text(?::jsonb))`;

// Deletes one batch of old published rows; small batches keep each delete's locks short.
const DELETE_PUBLISHED = `
  delete from tresta_outbox where id in (
    select id from tresta_outbox
    where status = 'published' and published_at < now() - make_interval(secs => ?)
    limit ?)`;

/**
 * Moves committed notifications from the outbox to the delivery queue. Woken by NOTIFY on
 * `tresta_outbox` (a hint only: NOTIFY is not durable), with a poll as the floor. At-least-once:
 * a relay that dies between enqueue and mark leaves the rows to be re-claimed after the lease,
 * and the deterministic job id makes the second enqueue a no-op while the job exists.
 */
export class OutboxRelay {
  readonly #options: Required<RelayOptions>;
  #listener: pg.Client | null = null;
  #unlistenEmbedded: (() => Promise<void>) | null = null;
  #running: Promise<void> | null = null;
  #stopping = false;
  #wake: (() => void) | null = null;
  #wakeRequested = false;

  constructor(options: RelayOptions) {
    this.#options = {
      claimSize: 500,
      leaseSeconds: 30,
      pollMs: 1_000,
      keepPublishedSeconds: 3_600,
      cleanupBatchSize: 1_000,
      cleanupEveryMs: 60_000,
      ...options,
    };
  }

  /** Deletes published rows older than keepPublishedSeconds, batch by batch; answers how many. */
  async deletePublished(): Promise<number> {
    const em = this.#options.orm.em.fork();
    let deleted = 0;
    for (;;) {
      const batch = await em.execute<{ affectedRows?: number }>(
        DELETE_PUBLISHED,
        [this.#options.keepPublishedSeconds, this.#options.cleanupBatchSize],
        'run',
      );
      const count = batch.affectedRows ?? 0;
      deleted += count;
      if (count < this.#options.cleanupBatchSize || this.#stopping) return deleted;
    }
  }

  /** Claims, enqueues and marks one batch; answers how many rows it moved. */
  async relayOnce(): Promise<number> {
    const em = this.#options.orm.em.fork();
    const token = randomUUID();
    const rows = await em.execute<Array<{ id: string; notification_id: string; user_id: string }>>(CLAIM, [
      token,
      this.#options.leaseSeconds,
      this.#options.claimSize,
    ]);
    if (rows.length === 0) return 0;
    await this.#options.queue.addBulk(
      rows.map((row) => ({
        name: 'deliver-notification',
        data: { notificationId: row.notification_id, userId: row.user_id },
        opts: { ...JOB_OPTIONS['deliver-notification'], jobId: deliverJobId(row.notification_id) },
      })),
    );
    await em.execute(MARK_PUBLISHED, [token, JSON.stringify(rows.map((row) => row.id))]);
    return rows.length;
  }

  async start(): Promise<void> {
    const embedded = embeddedPGlite(this.#options.orm);
    if (embedded) {
      // PGlite runs in this process and has no server to open a second connection to; its own
      // listen() hears the same pg_notify as soon as the notifying transaction commits.
      this.#unlistenEmbedded = await embedded.listen(OUTBOX_CHANNEL, () => this.#poke());
      this.#running = this.#loop();
      return;
    }
    this.#listener = new pg.Client({ connectionString: this.#options.databaseUrl });
    this.#listener.on('notification', () => this.#poke());
    // A lost LISTEN connection only costs latency: the poll keeps the relay going.
    this.#listener.on('error', () => {});
    try {
      await this.#listener.connect();
      await this.#listener.query(`listen ${OUTBOX_CHANNEL}`);
    } catch {
      this.#listener = null;
    }
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#poke();
    await this.#running;
    await this.#listener?.end().catch(() => {});
    await this.#unlistenEmbedded?.().catch(() => {});
  }

  #poke(): void {
    this.#wakeRequested = true;
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    let lastCleanup = Date.now();
    while (!this.#stopping) {
      this.#wakeRequested = false;
      let moved = 0;
      try {
        moved = await this.relayOnce();
        if (Date.now() - lastCleanup >= this.#options.cleanupEveryMs) {
          lastCleanup = Date.now();
          await this.deletePublished();
        }
      } catch {
        // Postgres or Redis away: the rows stay pending and the next tick tries again.
      }
      if (moved === this.#options.claimSize || this.#wakeRequested) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#options.pollMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }
}
