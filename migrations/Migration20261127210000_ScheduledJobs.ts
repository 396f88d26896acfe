import { Migration } from '@mikro-orm/migrations';

// Written by hand (issue #5): the scheduled jobs' fence, the delivered marker the re-drive sweeper
// reads, and the index the digest uses to find each user's last sent digest.
export class Migration20261127210000_ScheduledJobs extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "tresta_job_runs" ("job" text not null, "period_key" text not null, "status" text not null default 'running', "attempts" int not null default 1, "outcome" jsonb null, "started_at" timestamptz(3) not null default now(), "finished_at" timestamptz(3) null, constraint "tresta_job_runs_pkey" primary key ("job", "period_key"));`,
    );
    this.addSql(`create index "tresta_job_runs_started_at_idx" on "tresta_job_runs" ("started_at");`);

    this.addSql(`alter table "tresta_notifications" add column "delivered_at" timestamptz(3) null;`);
    // Everything already handed to the queue counts as delivered: the sweeper must not replay history.
    this.addSql(
      `update "tresta_notifications" n set "delivered_at" = n."created_at" where not exists (select 1 from "tresta_outbox" o where o."notification_id" = n."id" and o."status" = 'pending');`,
    );
    this.addSql(
      `create index "tresta_notifications_undelivered_idx" on "tresta_notifications" ("created_at") where "delivered_at" is null;`,
    );

    this.addSql(
      `create index "tresta_digest_runs_last_sent_idx" on "tresta_digest_runs" ("user_id", "window_end") where "status" = 'sent';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "tresta_digest_runs_last_sent_idx";`);
    this.addSql(`drop index if exists "tresta_notifications_undelivered_idx";`);
    this.addSql(`alter table "tresta_notifications" drop column "delivered_at";`);
    this.addSql(`drop table if exists "tresta_job_runs" cascade;`);
  }
}
