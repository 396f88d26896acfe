import { Migration } from '@mikro-orm/migrations';

// Written by hand: a list page is a user's rows newest first, ties broken by id. With the id in the
// index the scan hands them over in that order and starts at a page's cursor, so a page reads its
// own rows and no sort runs; the old (user_id, created_at) index is a prefix of it and goes.
export class Migration20261206154051_ListPageIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "tresta_notifications_user_id_created_at_id_idx" on "tresta_notifications" ("user_id", "created_at", "id");`,
    );
    this.addSql(`drop index if exists "tresta_notifications_user_id_created_at_idx";`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `create index "tresta_notifications_user_id_created_at_idx" on "tresta_notifications" ("user_id", "created_at");`,
    );
    this.addSql(`drop index if exists "tresta_notifications_user_id_created_at_id_idx";`);
  }
}
