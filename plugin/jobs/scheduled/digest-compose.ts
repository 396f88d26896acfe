import type { MikroORM } from '@mikro-orm/postgresql';
import type { JobsOptions } from 'bullmq';
import type { EmailChannel } from '../../email/channel.js';
import { mailbox } from '../../email/headers.js';
import { DIGEST_LIST_LIMIT, renderDigestEmail, type DigestEmailItem } from '../../email/templates/digest-email.js';
import { EMAIL_ON } from '../../services/preference-columns.js';
import { digestJobId, JOB_OPTIONS, type JobPayloads } from '../registry.js';

/** What rendering a digest needs: the email channel and which types go by digest. */
export interface DigestComposer {
  orm: MikroORM;
  channel: EmailChannel;
  digestTypes: string[];
}

/** A digest row as the sender needs it: whose, which period, which window (fixed by its first attempt). */
export interface DigestRow {
  id: string;
  userId: string;
  period: 'daily' | 'weekly';
  periodKey: string;
  windowStart: Date;
  windowEnd: Date;
}

/** A `tresta_digest_runs` row as Postgres answers it. */
export interface DigestRunRecord {
  id: string;
  user_id: string;
  period: 'daily' | 'weekly';
  period_key: string;
  window_start: Date;
  window_end: Date;
}

export const toDigestRow = (row: DigestRunRecord): DigestRow => ({
  id: row.id,
  userId: row.user_id,
  period: row.period,
  periodKey: row.period_key,
  windowStart: new Date(row.window_start),
  windowEnd: new Date(row.window_end),
});

export interface DigestJob {
  name: 'send-digest';
  data: JobPayloads['send-digest'];
  opts: JobsOptions;
}

export type Recipient = { email: string; name?: string };

/** The seed's idempotency key (EXTERNAL-APIS.md): one per user and period, also the quota reservation's key. */
export const digestKey = (userId: string, periodKey: string) => `digest/${userId}/${periodKey}`;

// Each digest's window, newest first, the first DIGEST_LIST_LIMIT of them with the window's total.
const LOAD_ITEMS = `
  select digest_run_id, title, message, link, total from (
    select r.digest_run_id, n.title, n.message, n.link,
           row_number() over (partition by r.digest_run_id order by n.created_at desc, n.id desc) as position,
           count(*) over (partition by r.digest_run_id)::int as total
    from jsonb_to_recordset(?::jsonb) as r(digest_run_id uuid, user_id text, window_start timestamptz, window_end timestamptz)
    join tresta_notifications n on n.user_id = r.user_id and n.created_at >= r.window_start and n.created_at < r.window_end
    left join tresta_notification_preferences p on p.user_id = n.user_id
    where n.type in (select jsonb_array_elements_text(?::jsonb)) and ${EMAIL_ON}
  ) listed
  where position <= ${DIGEST_LIST_LIMIT}
  order by digest_run_id, position`;

const LOAD_ROWS = `
  select id, user_id, period, period_key, window_start, window_end from tresta_digest_runs where id in (select value::uuid from jsonb_array_elements_text(?::jsonb))`;

/**
 * The send-digest jobs of these digests: each email rendered from its row's window, so rendering
 * the same row again (a resumed run, the re-drive sweeper) gives the same bytes. A digest whose
 * window turned out empty (its notifications deleted since) gets no job.
 */
export async function composeDigestEmails(
  composer: DigestComposer,
  digests: Array<{ row: DigestRow; recipient: Recipient }>,
): Promise<DigestJob[]> {
  if (digests.length === 0) return [];
  const { channel } = composer;
  const windows = digests.map(({ row }) => ({
    digest_run_id: row.id,
    user_id: row.userId,
    window_start: row.windowStart.toISOString(),
    window_end: row.windowEnd.toISOString(),
  }));
  const rows = await composer.orm.em
    .getConnection()
    .execute<Array<DigestEmailItem & { digest_run_id: string; total: number }>>(LOAD_ITEMS, [
      JSON.stringify(windows),
      JSON.stringify(composer.digestTypes),
    ]);
  const listed = new Map<string, { items: DigestEmailItem[]; total: number }>();
  for (const { digest_run_id, title, message, link, total } of rows) {
    const entry = listed.get(digest_run_id) ?? { items: [], total };
    entry.items.push({ title, message, link });
    listed.set(digest_run_id, entry);
  }
  // Signing is asynchronous (WebCrypto): the chunk's links are signed side by side. A link's life
  // counts from the digest's window, fixed by its first attempt, so every attempt signs the same token.
  const unsubscribeLinks = await Promise.all(
    digests.map(({ row }) => channel.unsubscribe.forUser(row.userId, { issuedAt: row.windowEnd })),
  );
  const jobs: DigestJob[] = [];
  for (const [i, { row, recipient }] of digests.entries()) {
    const entry = listed.get(row.id);
    if (!entry) continue;
    const email = renderDigestEmail({
      brand: channel.brand,
      appUrl: channel.appUrl,
      from: channel.from,
      to: mailbox(recipient),
      digestRunId: row.id,
      period: row.period,
      items: entry.items,
      total: entry.total,
      unsubscribe: unsubscribeLinks[i]!,
    });
    jobs.push({
      name: 'send-digest',
      data: { digestRunId: row.id, userId: row.userId, idempotencyKey: digestKey(row.userId, row.periodKey), email },
      opts: { ...JOB_OPTIONS['send-digest'], jobId: digestJobId(row.id) },
    });
  }
  return jobs;
}

/** The jobs of digests known by id only (the re-drive sweeper): rows loaded, recipients resolved again. */
export async function composeDigestJobs(composer: DigestComposer, digestRunIds: string[]): Promise<DigestJob[]> {
  const rows = await composer.orm.em.getConnection().execute<DigestRunRecord[]>(LOAD_ROWS, [JSON.stringify(digestRunIds)]);
  const digests: Array<{ row: DigestRow; recipient: Recipient }> = [];
  for (const row of rows) {
    const recipient = await composer.channel.resolveRecipient(row.user_id);
    if (!recipient) continue;
    digests.push({ row: toDigestRow(row), recipient });
  }
  return composeDigestEmails(composer, digests);
}
