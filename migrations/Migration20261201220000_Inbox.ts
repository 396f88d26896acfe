import { Migration } from '@mikro-orm/migrations';

// Written by hand: the inbox's states and filters. Archive state; the type's category, severity and
// required flag as they were when the notification was written; action buttons; the group a
// notification collapses into. The unread index leaves archived rows out (they leave the count);
// the search index is Postgres' own full text ('simple': no stemming, any language), which PGlite has too.
export class Migration20261201220000_Inbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "tresta_notifications" add column "is_archived" boolean not null default false, add column "archived_at" timestamptz(3) null, add column "category" text null, add column "severity" text not null default 'info', add column "required" boolean not null default false, add column "actions" jsonb not null default '[]', add column "group_key" text null, add column "group_id" uuid null;`,
    );
    this.addSql(
      `create index "tresta_notifications_unread_idx" on "tresta_notifications" ("user_id", "category") where "is_read" = false and "is_archived" = false;`,
    );
    this.addSql(
      `create index "tresta_notifications_search_idx" on "tresta_notifications" using gin (to_tsvector('simple', "title" || ' ' || "message"));`,
    );
    this.addSql(
      `create index "tresta_notifications_group_key_idx" on "tresta_notifications" ("user_id", "type", "group_key", "created_at") where "group_key" is not null;`,
    );
    this.addSql(
      `create index "tresta_notifications_group_idx" on "tresta_notifications" ("group_id", "created_at") where "group_id" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "tresta_notifications_group_idx";`);
    this.addSql(`drop index if exists "tresta_notifications_group_key_idx";`);
    this.addSql(`drop index if exists "tresta_notifications_search_idx";`);
    this.addSql(`drop index if exists "tresta_notifications_unread_idx";`);
    this.addSql(
      `alter table "tresta_notifications" drop column "is_archived", drop column "archived_at", drop column "category", drop column "severity", drop column "required", drop column "actions", drop column "group_key", drop column "group_id";`,
    );
  }
}
