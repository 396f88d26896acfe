import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { claimPending, deletePublishedOutbox, markPublished, OUTBOX_CHANNEL } from '../data/outbox.js';
import type { DirectConnection } from '../db/direct-connection.js';
import { embeddedPGlite } from '../db/pglite.js';
import { deliverJobId, JOB_OPTIONS, type JobPayloads } from './registry.js';
import { answersWithin } from '../time/within-deadline.js';

/** The poll when LISTEN is deaf (a transaction pooler without `database.directUrl`): latency stays near a direct LISTEN's. */
export const DEAF_LISTEN_POLL_MS = 250;

/** The longest wait between two attempts to LISTEN again after the connection was lost. */
const RELISTEN_MAX_WAIT_MS = 30_000;

/** How long the start-up check waits to hear its own NOTIFY. */
const LISTEN_CHECK_MS = 5_000;

interface RelayLog {
  warn: (details: Record<string, unknown>, message: string) => void;
}

export interface RelayOptions {
  orm: MikroORM;
  /** A session connection for LISTEN: through a transaction pooler it would hear nothing. */
  direct: DirectConnection;
  queue: Queue<JobPayloads['deliver-notification']>;
  claimSize?: number;
  leaseSeconds?: number;
  /** The poll right after work or a NOTIFY. */
  pollMs?: number;
  /** The slowest poll while LISTEN hears NOTIFY: each empty poll doubles the wait up to this. */
  idlePollMs?: number;
  /** Published rows are kept this long (for audits and the re-drive sweeper), then deleted. */
  keepPublishedSeconds?: number;
  cleanupBatchSize?: number;
  cleanupEveryMs?: number;
  log?: RelayLog;
}

/**
 * Moves committed notifications from the outbox to the delivery queue. Woken by NOTIFY on
 * OUTBOX_CHANNEL (a hint only: NOTIFY is not durable), with a poll as the floor. At-least-once:
 * a relay that dies between enqueue and mark leaves the rows to be re-claimed after the lease,
 * and the deterministic job id makes the second enqueue a no-op while the job exists.
 */
export class OutboxRelay {
  readonly #options: Required<Omit<RelayOptions, 'log'>>;
  readonly #log: RelayLog | undefined;
  #pollMs: number;
  /** From the last claim: when the first lease of a pending row held elsewhere ends (null: none). */
  #leaseEndsInMs: number | null = null;
  #deaf = false;
  /** LISTEN hears NOTIFY: the start-up check heard its own (PGlite: at once), and the connection is up. */
  #hears = false;
  #listening: Promise<boolean> = Promise.resolve(false);
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
      idlePollMs: 1_000,
      keepPublishedSeconds: 3_600,
      cleanupBatchSize: 1_000,
      cleanupEveryMs: 10 * 60_000,
      ...options,
    };
    this.#log = options.log;
    this.#pollMs = this.#options.pollMs;
  }

  /** Resolves, once the start-up check is done, whether LISTEN hears NOTIFY (false before start). */
  get listening(): Promise<boolean> {
    return this.#listening;
  }

  /** The poll interval in use: between `pollMs` and `idlePollMs`, or DEAF_LISTEN_POLL_MS when LISTEN hears nothing. */
  get pollMs(): number {
    return this.#pollMs;
  }

  /** Deletes published rows older than keepPublishedSeconds, batch by batch; answers how many. */
  async deletePublished(): Promise<number> {
    const em = this.#options.orm.em.fork();
    const cutoff = new Date(Date.now() - this.#options.keepPublishedSeconds * 1000).toISOString();
    let deleted = 0;
    for (;;) {
      const count = await deletePublishedOutbox(em, cutoff, this.#options.cleanupBatchSize);
      deleted += count;
      if (count < this.#options.cleanupBatchSize || this.#stopping) return deleted;
    }
  }

  /** Claims, enqueues and marks one batch; answers how many rows it moved. */
  async relayOnce(): Promise<number> {
    const em = this.#options.orm.em.fork();
    const token = randomUUID();
    const { rows, leaseEndsInMs } = await claimPending(em, {
      token,
      leaseSeconds: this.#options.leaseSeconds,
      limit: this.#options.claimSize,
    });
    this.#leaseEndsInMs = leaseEndsInMs;
    if (rows.length === 0) return 0;
    await this.#options.queue.addBulk(
      rows.map((row) => ({
        name: 'deliver-notification',
        data: { notificationId: row.notification_id, userId: row.user_id },
        opts: { ...JOB_OPTIONS['deliver-notification'], jobId: deliverJobId(row.notification_id) },
      })),
    );
    await markPublished(
      em,
      token,
      rows.map((row) => row.id),
    );
    return rows.length;
  }

  async start(): Promise<void> {
    const embedded = embeddedPGlite(this.#options.orm);
    if (embedded) {
      // PGlite runs in this process and has no server to open a second connection to; its own
      // listen() hears the same pg_notify as soon as the notifying transaction commits.
      this.#unlistenEmbedded = await embedded.listen(OUTBOX_CHANNEL, () => this.#poke());
      this.#listening = Promise.resolve(true);
      this.#hears = true;
      this.#running = this.#loop();
      return;
    }
    const probes = new Map<string, () => void>();
    const connected = await this.#openListener(probes);
    this.#running = this.#loop();
    // Through a transaction pooler LISTEN succeeds, but its server session goes back to the pool
    // and nothing is ever delivered: check that a NOTIFY sent the usual way (through the pool)
    // comes back, in the background so start-up does not wait for it.
    this.#listening = (connected ? this.#hearsOwnNotify(probes) : Promise.resolve(false)).then((heard) => {
      if (!heard && !this.#stopping) this.#becomeDeaf();
      this.#hears = heard && !this.#deaf;
      return heard;
    });
  }

  /** Connects the LISTEN client; answers whether LISTEN was accepted. */
  async #openListener(probes: Map<string, () => void>): Promise<boolean> {
    const listener = new pg.Client(this.#options.direct);
    this.#listener = listener;
    listener.on('notification', (message) => {
      probes.get(message.payload ?? '')?.();
      this.#poke();
    });
    listener.on('error', () => this.#lostListener(listener));
    listener.on('end', () => this.#lostListener(listener));
    try {
      await listener.connect();
      await listener.query(`listen ${OUTBOX_CHANNEL}`);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The LISTEN connection that heard NOTIFY is gone (Postgres restarted, the network dropped it):
   * the relay polls at the deaf pace and connects again, backing off, until LISTEN is back.
   */
  #lostListener(listener: pg.Client): void {
    if (this.#stopping || listener !== this.#listener || !this.#hears) return;
    this.#hears = false;
    this.#pollMs = Math.min(this.#options.pollMs, DEAF_LISTEN_POLL_MS);
    this.#wake?.();
    this.#log?.warn({ pollMs: this.#pollMs }, 'outbox relay: the LISTEN connection was lost; polling until it is back');
    void this.#listenAgain();
  }

  async #listenAgain(): Promise<void> {
    await this.#listener?.end().catch(() => {});
    for (let waitMs = 1_000; !this.#stopping; waitMs = Math.min(waitMs * 2, RELISTEN_MAX_WAIT_MS)) {
      await new Promise((resolve) => setTimeout(resolve, waitMs).unref());
      if (this.#stopping) return;
      if (await this.#openListener(new Map())) {
        // The same direct connection heard NOTIFY at start-up: LISTEN on it hears again.
        this.#hears = true;
        this.#pollMs = this.#options.pollMs;
        if (this.#stopping) await this.#listener?.end().catch(() => {});
        return;
      }
      await this.#listener?.end().catch(() => {});
    }
  }

  async #hearsOwnNotify(probes: Map<string, () => void>): Promise<boolean> {
    const token = `listen-check-${randomUUID()}`;
    const heard = new Promise<void>((resolve) => probes.set(token, resolve));
    try {
      return await answersWithin(async () => {
        await this.#options.orm.em.fork().execute('select pg_notify(?, ?)', [OUTBOX_CHANNEL, token]);
        await heard;
      }, LISTEN_CHECK_MS);
    } finally {
      probes.delete(token);
    }
  }

  #becomeDeaf(): void {
    this.#deaf = true;
    this.#pollMs = Math.min(this.#options.pollMs, DEAF_LISTEN_POLL_MS);
    this.#log?.warn(
      { pollMs: this.#pollMs },
      'outbox relay: LISTEN does not hear NOTIFY (a transaction pooler?); set database.directUrl to a direct connection. Polling meanwhile',
    );
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

  /**
   * The next wait: back to `pollMs` after work or a NOTIFY, else eight times the last one up to
   * `idlePollMs`, as long as LISTEN is known to hear (until the start-up check has answered, while
   * the connection is lost, and for good once it found LISTEN deaf, the poll does not slow down).
   */
  #nextPoll(busy: boolean): void {
    if (this.#deaf) return;
    if (busy) {
      this.#pollMs = this.#options.pollMs;
      return;
    }
    if (this.#hears) this.#pollMs = Math.min(this.#pollMs * 8, Math.max(this.#options.idlePollMs, this.#options.pollMs));
  }

  async #loop(): Promise<void> {
    // The first cleanup takes what an earlier process left; later ones run only while rows were
    // published in the last keepPublishedSeconds, so an idle relay does not query for them.
    let lastCleanup = 0;
    let lastMoved = Date.now();
    while (!this.#stopping) {
      const woken = this.#wakeRequested;
      this.#wakeRequested = false;
      let moved = 0;
      try {
        moved = await this.relayOnce();
        if (moved > 0) lastMoved = Date.now();
        const now = Date.now();
        const mayHaveOldRows =
          lastCleanup === 0 || now - lastMoved <= this.#options.keepPublishedSeconds * 1_000 + this.#options.cleanupEveryMs;
        if (now - lastCleanup >= this.#options.cleanupEveryMs && mayHaveOldRows) {
          lastCleanup = now;
          await this.deletePublished();
        }
      } catch {
        // Postgres or Redis away: the rows stay pending and the next tick tries again.
      }
      this.#nextPoll(moved > 0 || woken);
      if (moved === this.#options.claimSize || this.#wakeRequested) continue;
      // Never past the end of a lease held on a pending row: its relay may have died.
      const waitMs =
        this.#leaseEndsInMs === null ? this.#pollMs : Math.min(this.#pollMs, Math.max(this.#leaseEndsInMs, this.#options.pollMs));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }
}
