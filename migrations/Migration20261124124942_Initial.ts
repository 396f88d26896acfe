import { Migration } from '@mikro-orm/migrations';

export class Migration20261124124942_Initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "tresta_dead_letters" ("id" uuid not null, "queue" text not null, "job_id" text not null, "job_name" text not null, "payload" jsonb not null, "error_type" text not null, "error_message" text not null, "http_status" int null, "provider_response" jsonb null, "attempts" int not null default 0, "retry_history" jsonb not null default '[]', "created_at" timestamptz(3) not null default now(), "requeued_at" timestamptz(3) null, "requeue_job_id" text null, constraint "tresta_dead_letters_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "tresta_dead_letters_queue_created_at_idx" on "tresta_dead_letters" ("queue", "created_at");`);
    this.addSql(`create index "tresta_dead_letters_error_type_idx" on "tresta_dead_letters" ("error_type");`);

    this.addSql(
      `create table "tresta_digest_runs" ("id" uuid not null, "user_id" text not null, "period" text not null, "period_key" text not null, "status" text not null default 'pending', "notification_count" int not null default 0, "window_start" timestamptz(3) null, "window_end" timestamptz(3) not null, "created_at" timestamptz(3) not null default now(), "sent_at" timestamptz(3) null, constraint "tresta_digest_runs_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "tresta_digest_runs" add constraint "tresta_digest_runs_user_period_unique" unique ("user_id", "period_key");`,
    );

    this.addSql(
      `create table "tresta_email_deliveries" ("id" uuid not null, "notification_id" uuid null, "digest_run_id" uuid null, "user_id" text not null, "channel" text not null default 'email', "recipient" text null, "priority" text not null default 'normal', "status" text not null default 'pending', "idempotency_key" text not null, "provider_message_id" text null, "attempts" int not null default 0, "last_error" text null, "quota_date" date null, "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz(3) not null default now(), "sent_at" timestamptz(3) null, constraint "tresta_email_deliveries_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "tresta_email_deliveries" add constraint "tresta_email_deliveries_idempotency_key_unique" unique ("idempotency_key");`,
    );
    this.addSql(
      `create index "tresta_email_deliveries_quota_date_status_idx" on "tresta_email_deliveries" ("quota_date", "status");`,
    );
    this.addSql(
      `create index "tresta_email_deliveries_status_created_at_idx" on "tresta_email_deliveries" ("status", "created_at");`,
    );
    this.addSql(
      `alter table "tresta_email_deliveries" add constraint "tresta_email_deliveries_notification_channel_unique" unique ("notification_id", "channel");`,
    );

    this.addSql(
      `create table "tresta_notifications" ("id" uuid not null, "user_id" text not null, "type" text not null, "title" text not null, "message" text not null, "link" text null, "metadata" jsonb not null default '{}', "is_read" boolean not null default false, "read_at" timestamptz(3) null, "created_at" timestamptz(3) not null default now(), constraint "tresta_notifications_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "tresta_notifications_user_id_is_read_idx" on "tresta_notifications" ("user_id", "is_read");`);
    this.addSql(
      `create index "tresta_notifications_user_id_created_at_idx" on "tresta_notifications" ("user_id", "created_at");`,
    );
    this.addSql(`create index "tresta_notifications_created_at_idx" on "tresta_notifications" ("created_at");`);

    this.addSql(
      `create table "tresta_notification_preferences" ("user_id" text not null, "email_enabled" boolean not null default true, "in_app_enabled" boolean not null default true, "digest" text not null default 'daily', "types" jsonb not null default '{}', "updated_at" timestamptz(3) not null default now(), constraint "tresta_notification_preferences_pkey" primary key ("user_id"));`,
    );

    this.addSql(
      `create table "tresta_outbox" ("id" uuid not null, "notification_id" uuid not null, "user_id" text not null, "status" text not null default 'pending', "attempts" int not null default 0, "claimed_at" timestamptz(3) null, "claim_token" uuid null, "published_at" timestamptz(3) null, "created_at" timestamptz(3) not null default now(), constraint "tresta_outbox_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "tresta_outbox_status_created_at_idx" on "tresta_outbox" ("status", "created_at");`);
    this.addSql(`create index "tresta_outbox_pending_idx" on "tresta_outbox" ("created_at", "id") where "status" = 'pending';`);

    this.addSql(
      `create table "tresta_quota_snapshots" ("date" date not null, "redis_count" int not null, "sent" int not null, "deferred" int not null, "failed" int not null, "daily_limit" int not null, "created_at" timestamptz(3) not null default now(), constraint "tresta_quota_snapshots_pkey" primary key ("date"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "tresta_dead_letters" cascade;`);

    this.addSql(`drop table if exists "tresta_digest_runs" cascade;`);

    this.addSql(`drop table if exists "tresta_email_deliveries" cascade;`);

    this.addSql(`drop table if exists "tresta_notifications" cascade;`);

    this.addSql(`drop table if exists "tresta_notification_preferences" cascade;`);

    this.addSql(`drop table if exists "tresta_outbox" cascade;`);

    this.addSql(`drop table if exists "tresta_quota_snapshots" cascade;`);
  }
}
