import { Migration } from '@mikro-orm/migrations';

// Web push subscriptions: one row per browser, its endpoint owned by one user at a time (unique:
// a browser signed in as someone else moves to them), found by user when a notification is pushed.
export class Migration20261206074105_PushSubscriptions extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "tresta_push_subscriptions" ("id" uuid not null, "user_id" text not null, "endpoint" text not null, "p256dh" text not null, "auth" text not null, "user_agent" text null, "created_at" timestamptz(3) not null default now(), "last_success_at" timestamptz(3) null, constraint "tresta_push_subscriptions_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "tresta_push_subscriptions_user_id_idx" on "tresta_push_subscriptions" ("user_id");`);
    this.addSql(
      `alter table "tresta_push_subscriptions" add constraint "tresta_push_subscriptions_endpoint_unique" unique ("endpoint");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "tresta_push_subscriptions" cascade;`);
  }
}
