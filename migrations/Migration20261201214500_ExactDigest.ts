import { Migration } from '@mikro-orm/migrations';

// Each notification records the digest that took it (a digest takes notifications by id, not by a
// time window); each email's rendered bytes live in its delivery log row (jobs carry ids only);
// each user's digest goes out at their local hour.
export class Migration20261201214500_ExactDigest extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "tresta_notifications" add column "digest_run_id" uuid null;`);
    // What the sent digests listed by their windows is taken by them: none of it is sent again.
    this.addSql(
      `update "tresta_notifications" n set "digest_run_id" = d."id" from "tresta_digest_runs" d where d."user_id" = n."user_id" and d."status" = 'sent' and n."created_at" >= d."window_start" and n."created_at" < d."window_end";`,
    );
    this.addSql(
      `create index "tresta_notifications_undigested_idx" on "tresta_notifications" ("user_id", "created_at") where "digest_run_id" is null;`,
    );
    this.addSql(`create index "tresta_notifications_digest_run_id_idx" on "tresta_notifications" ("digest_run_id");`);
    // Nothing looks for a user's last sent window any more.
    this.addSql(`drop index if exists "tresta_digest_runs_last_sent_idx";`);
    this.addSql(`alter table "tresta_email_deliveries" add column "content" json null;`);
    this.addSql(
      `alter table "tresta_notification_preferences" add column "time_zone" text not null default 'UTC', add column "digest_hour" int not null default 9;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tresta_notification_preferences" drop column "time_zone", drop column "digest_hour";`);
    this.addSql(`alter table "tresta_email_deliveries" drop column "content";`);
    this.addSql(
      `create index "tresta_digest_runs_last_sent_idx" on "tresta_digest_runs" ("user_id", "window_end") where "status" = 'sent';`,
    );
    this.addSql(`drop index if exists "tresta_notifications_digest_run_id_idx";`);
    this.addSql(`drop index if exists "tresta_notifications_undigested_idx";`);
    this.addSql(`alter table "tresta_notifications" drop column "digest_run_id";`);
  }
}
