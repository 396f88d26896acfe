import { Migration } from '@mikro-orm/migrations';

export class Migration20261124135445_Email extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "tresta_email_suppressions" ("email" text not null, "reason" text not null, "created_at" timestamptz(3) not null default now(), constraint "tresta_email_suppressions_pkey" primary key ("email"));`,
    );

    this.addSql(
      `create table "tresta_mailbox" ("id" uuid not null, "idempotency_key" text not null, "from" text not null, "to" text not null, "subject" text not null, "html" text not null, "text" text not null, "headers" jsonb not null default '{}', "tags" jsonb not null default '[]', "created_at" timestamptz(3) not null default now(), constraint "tresta_mailbox_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "tresta_mailbox" add constraint "tresta_mailbox_idempotency_key_unique" unique ("idempotency_key");`,
    );
    this.addSql(`create index "tresta_mailbox_created_at_idx" on "tresta_mailbox" ("created_at");`);

    this.addSql(`alter table "tresta_email_deliveries" add column "recipients" int not null default 1;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "tresta_email_suppressions" cascade;`);

    this.addSql(`drop table if exists "tresta_mailbox" cascade;`);

    this.addSql(`alter table "tresta_email_deliveries" drop column "recipients";`);
  }
}
