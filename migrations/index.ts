import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124124942_Initial } from './Migration20261124124942_Initial.js';
import { Migration20261124135445_Email } from './Migration20261124135445_Email.js';
import { Migration20261127184928_EmailLifecycle } from './Migration20261127184928_EmailLifecycle.js';
import { Migration20261127210000_ScheduledJobs } from './Migration20261127210000_ScheduledJobs.js';
import { Migration20261201214500_ExactDigest } from './Migration20261201214500_ExactDigest.js';
import { Migration20261201220000_Inbox } from './Migration20261201220000_Inbox.js';
import { Migration20261206074105_PushSubscriptions } from './Migration20261206074105_PushSubscriptions.js';
import { Migration20261206154051_ListPageIndex } from './Migration20261206154051_ListPageIndex.js';
import { Migration20261206162000_RelayPublishes } from './Migration20261206162000_RelayPublishes.js';

/** The table where MikroORM records which of these migrations a database has applied. */
export const MIGRATIONS_TABLE = 'tresta_migrations';

/** Every migration of the plugin, oldest first, for `migrations.migrationsList` in a host's config. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261124124942_Initial', class: Migration20261124124942_Initial },
  { name: 'Migration20261124135445_Email', class: Migration20261124135445_Email },
  { name: 'Migration20261127184928_EmailLifecycle', class: Migration20261127184928_EmailLifecycle },
  { name: 'Migration20261127210000_ScheduledJobs', class: Migration20261127210000_ScheduledJobs },
  { name: 'Migration20261201214500_ExactDigest', class: Migration20261201214500_ExactDigest },
  { name: 'Migration20261201220000_Inbox', class: Migration20261201220000_Inbox },
  { name: 'Migration20261206074105_PushSubscriptions', class: Migration20261206074105_PushSubscriptions },
  { name: 'Migration20261206154051_ListPageIndex', class: Migration20261206154051_ListPageIndex },
  { name: 'Migration20261206162000_RelayPublishes', class: Migration20261206162000_RelayPublishes },
];
