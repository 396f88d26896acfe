import { Migration } from '@mikro-orm/migrations';

// The relay publishes in real time itself: the outbox row, not a stamp on the notification, says
// what is left of a delivery (`queued` while a deliver-notification job has work for it), so
// delivered_at goes. Notifications handed to the queue but not delivered yet go back to pending:
// the relay publishes them, and their jobs, old or re-created, route their email and push.
export class Migration20261206162000_RelayPublishes extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `update "tresta_outbox" o set "status" = 'pending', "claimed_at" = null, "claim_token" = null from "tresta_notifications" n where n."id" = o."notification_id" and o."status" = 'published' and n."delivered_at" is null;`,
    );
    this.addSql(`drop index if exists "tresta_notifications_undelivered_idx";`);
    this.addSql(`alter table "tresta_notifications" drop column "delivered_at";`);
    this.addSql(
      `create index "tresta_outbox_unfinished_idx" on "tresta_outbox" ("notification_id") where "status" <> 'published';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "tresta_outbox_unfinished_idx";`);
    this.addSql(`alter table "tresta_notifications" add column "delivered_at" timestamptz(3) null;`);
    this.addSql(
      `update "tresta_notifications" n set "delivered_at" = n."created_at" where not exists (select 1 from "tresta_outbox" o where o."notification_id" = n."id" and o."status" <> 'published');`,
    );
    this.addSql(`update "tresta_outbox" set "status" = 'published' where "status" = 'queued';`);
    this.addSql(
      `create index "tresta_notifications_undelivered_idx" on "tresta_notifications" ("created_at") where "delivered_at" is null;`,
    );
  }
}
