import { Migration } from '@mikro-orm/migrations';

export class Migration20261127184928_EmailLifecycle extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "tresta_email_deliveries" add column "deferred_until" timestamptz(3) null, add column "provider_event" text null, add column "provider_event_at" timestamptz(3) null;`,
    );
    this.addSql(
      `create index "tresta_email_deliveries_provider_message_id_idx" on "tresta_email_deliveries" ("provider_message_id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "tresta_email_deliveries_provider_message_id_idx";`);
    this.addSql(
      `alter table "tresta_email_deliveries" drop column "deferred_until", drop column "provider_event", drop column "provider_event_at";`,
    );
  }
}
