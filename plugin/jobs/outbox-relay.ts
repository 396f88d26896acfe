import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Queue } from 'bullmq';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { RealtimeMessage } from '../contract/index.js';
import type { DeliveryRow } from '../data/notifications.js';
import { claimPending, deletePublishedOutbox, markPublished, OUTBOX_CHANNEL, type ClaimedDelivery } from '../data/outbox.js';
import type { DirectConnection } from '../db/direct-connection.js';
import { embeddedPGlite } from '../db/pglite.js';
import type { DailyCounters } from '../metrics/daily-counters.js';
import type { DeliveryLatency } from '../metrics/instance-metrics.js';
import type { NotificationTypeConfig } from '../notification-types.js';
import type { Publisher } from '../realtime/messages.js';
import { rowToNotificationView } from '../services/notification-view.js';
import { needsDeliverJob, type JobChannels } from './processors/deliver-notification.js';
import { deliverJobId, JOB_OPTIONS, type JobPayloads } from './registry.js';
import { answersWithin } from '../time/within-deadline.js';

/** The poll when LISTEN is deaf (a transaction pooler without `database.directUrl`): latency stays near a direct LISTEN's. */
export const DEAF_LISTEN_POLL_MS = 250;

/** The longest wait between two attempts to LISTEN again after the connection was lost. */
const RELISTEN_MAX_WAIT_MS = 30_000;

/** How long the start-up check waits to hear its own NOTIFY. */
const LISTEN_CHECK_MS = 5_000;

/**
 * The most Ably publishes the relay waits on at once. Past it (Ably slow or hanging), a batch's
 * Ably publishes go straight to deliver-notification jobs: the WebSocket path never waits on Ably.
 */
export const ABLY_MAX_IN_FLIGHT = 2_000;

interface RelayLog {
  warn: (details: Record<string, unknown>, message: string) => void;
}

export interface RelayOptions {
  orm: MikroORM;
  /** A session connection for LISTEN: through a transaction pooler it would hear nothing. */
  direct: DirectConnection;
  queue: Queue<JobPayloads['deliver-notification']>;
  /** Real time at once: the Redis fan-out to every API instance's WebSocket hub. */
  fanout: Publisher;
  /** Ably's publisher when Ably publishing is on (null: off). */
  ably: Publisher | null;
  types: Record<string, NotificationTypeConfig>;
  /** Which channels' jobs this deployment runs (email: a resolveRecipient; push: webPush). */
  channels: JobChannels;
  /** `notifications_sent`, one per real-time publish; null where nothing counts (tests). */
  counters: DailyCounters | null;
  /** Times each publish from the notification's creation; null where nothing reads it. */
  deliveryLatency: DeliveryLatency | null;
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
 * Delivers committed notifications from the outbox. Woken by NOTIFY on OUTBOX_CHANNEL (a hint
 * only: NOTIFY is not durable), with a poll as the floor. Each pass claims a batch with what its
 * delivery needs, publishes `new-notification` in real time itself (the Redis fan-out to every
 * WebSocket hub, then Ably, for users with in-app on), and hands to a deliver-notification job
 * only what is left: an email or push the type and preferences call for, or a failed Ably publish.
 *
 * At-least-once: the rows are marked only after their fan-out publish, their Ably publish and
 * their jobs' enqueue settled, so a relay that dies before marking leaves them to be re-claimed,
 * published and enqueued again after the lease (clients and Ably drop a message id they have
 * seen; the deterministic job id makes the second enqueue a no-op). A failed Ably publish never
 * fails the batch: its row gets a job flagged `ably`, which retries the publish with BullMQ's
 * backoff until Ably takes it or the job is dead-lettered, and is marked `queued` until the job is
 * done (a job that finishes before the mark has marked its row published, and the mark keeps it so).
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
  /** Batches published in real time whose Ably publishes, mark and jobs are still under way. */
  readonly #settling = new Set<Promise<void>>();
  #ablyInFlight = 0;

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

  /** Claims, publishes, marks and enqueues one batch; answers how many rows it moved once all of that is done. */
  async relayOnce(): Promise<number> {
    const { moved, settled } = await this.#pass();
    await settled;
    return moved;
  }

  /**
   * Claims and publishes one batch to the WebSocket fan-out; answers how many rows it claimed,
   * and the rest of the batch (Ably, the mark, the jobs) as a promise of its own.
   */
  async #pass(): Promise<{ moved: number; settled: Promise<void> }> {
    const em = this.#options.orm.em.fork();
    const token = randomUUID();
    const { rows, leaseEndsInMs } = await claimPending(em, {
      token,
      leaseSeconds: this.#options.leaseSeconds,
      limit: this.#options.claimSize,
    });
    this.#leaseEndsInMs = leaseEndsInMs;
    if (rows.length === 0) return { moved: 0, settled: Promise.resolve() };
    // A row whose notification was deleted since has nothing left to deliver.
    const live = rows.filter((row): row is ClaimedDelivery & DeliveryRow => row.id !== null);
    const shown = live.filter((row) => row.in_app);
    const messages = new Map(
      shown.map((row) => [row.id, { name: 'new-notification', data: rowToNotificationView(row) } satisfies RealtimeMessage]),
    );
    await Promise.all(shown.map((row) => this.#options.fanout.publish(row.user_id, messages.get(row.id)!)));
    const now = Date.now();
    for (const row of shown) {
      // Postgres stamped the creation, this process's clock the publish: clocks on two machines may
      // differ a little, and a publish that seems to precede its notification counts as instant.
      this.#options.deliveryLatency?.observe(Math.max(0, (now - Date.parse(row.created_at)) / 1000));
      // A dashboard figure: never worth failing (and re-publishing) a batch for.
      this.#options.counters?.increment('notifications_sent').catch(() => undefined);
    }
    const settled = this.#settle(em, token, rows, live, shown, messages);
    return { moved: rows.length, settled };
  }

  async #settle(
    em: EntityManager,
    token: string,
    rows: ClaimedDelivery[],
    live: Array<ClaimedDelivery & DeliveryRow>,
    shown: Array<ClaimedDelivery & DeliveryRow>,
    messages: Map<string, RealtimeMessage>,
  ): Promise<void> {
    const ablyFailed = await this.#publishToAbly(shown, messages);
    const { types, channels } = this.#options;
    const jobs = live.filter((row) => {
      const needs = needsDeliverJob(types, channels, row);
      return needs.email || needs.push || ablyFailed.has(row.id);
    });
    if (jobs.length > 0) {
      await this.#options.queue.addBulk(
        jobs.map((row) => ({
          name: 'deliver-notification',
          data: { notificationId: row.id, userId: row.user_id, ...(ablyFailed.has(row.id) ? { ably: true } : {}) },
          opts: { ...JOB_OPTIONS['deliver-notification'], jobId: deliverJobId(row.id) },
        })),
      );
    }
    await markPublished(
      em,
      token,
      rows.map((row) => row.outbox_id),
      jobs.map((row) => row.outbox_id),
    );
  }

  /** Publishes the batch on Ably when it is on; answers the ids whose publish failed or was not tried (past ABLY_MAX_IN_FLIGHT). */
  async #publishToAbly(
    shown: Array<ClaimedDelivery & DeliveryRow>,
    messages: Map<string, RealtimeMessage>,
  ): Promise<Set<string>> {
    const { ably } = this.#options;
    if (!ably || shown.length === 0) return new Set();
    if (this.#ablyInFlight + shown.length > ABLY_MAX_IN_FLIGHT) return new Set(shown.map((row) => row.id));
    this.#ablyInFlight += shown.length;
    try {
      const outcomes = await Promise.allSettled(shown.map((row) => ably.publish(row.user_id, messages.get(row.id)!)));
      return new Set(shown.filter((_, i) => outcomes[i]!.status === 'rejected').map((row) => row.id));
    } finally {
      this.#ablyInFlight -= shown.length;
    }
  }

  /** Runs a pass; the rest of its batch settles in the background, tracked so that stop() waits for it. */
  async #relayInLoop(): Promise<number> {
    const { moved, settled } = await this.#pass();
    // Without Ably a batch settles quickly (its jobs, its mark): at most one earlier batch still
    // settling, as more would crowd notify() out of the pool. With Ably the loop never waits on it.
    if (!this.#options.ably && this.#settling.size > 0) await Promise.race(this.#settling);
    const tracked: Promise<void> = settled
      // The rows stay claimed, not marked: another pass takes them again once the lease ends.
      .catch(() => undefined)
      .finally(() => this.#settling.delete(tracked));
    this.#settling.add(tracked);
    return moved;
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
    await Promise.all(this.#settling);
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
        moved = await this.#relayInLoop();
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
