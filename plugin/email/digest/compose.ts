import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { EmailChannel } from '../channel.js';
import { mailbox } from '../headers.js';
import { DIGEST_LIST_LIMIT, renderDigestEmail, type DigestEmailItem } from '../templates/digest-email.js';
import { EMAIL_ON } from '../../services/preference-columns.js';

/** What rendering a digest needs: the email channel and which types go by digest. */
export interface DigestComposer {
  orm: MikroORM;
  channel: EmailChannel;
  digestTypes: string[];
}

/** A digest row as the composer needs it: whose, which period. */
export interface DigestRow {
  id: string;
  userId: string;
  period: 'daily' | 'weekly';
  periodKey: string;
}

export type Recipient = { email: string; name?: string };

/** The seed's idempotency key: one per user and period, also the quota reservation's key. */
export const digestKey = (userId: string, periodKey: string) => `digest/${userId}/${periodKey}`;

/**
 * Which notifications a digest may take: not taken by a digest yet, of a digest type or an email
 * folded into the digest when the budget was spent, with email on for the user and the type.
 * Over a notification `n` and its owner's preferences `p`.
 */
// The folded ones as one hashed set (`in`, not a correlated `exists`): with 500,000 notifications
// and 150,000 deliveries the candidates query takes ~0.1 s this way, over 1 s the other.
export const DIGESTIBLE = `n.digest_run_id is null and ${EMAIL_ON}
  and (n.type in (select jsonb_array_elements_text(?::jsonb))
       or n.id in (select f.notification_id from tresta_email_deliveries f where f.status = 'folded'))`;

// Each digest takes every notification it may, by id: one committed after this statement (a
// slow transaction) is not seen, so it stays for the next digest; none is taken twice.
const TAKE = `
  update tresta_notifications n set digest_run_id = r.id
  from jsonb_to_recordset(?::jsonb) as r(id uuid, user_id text)
  left join tresta_notification_preferences p on p.user_id = r.user_id
  where n.user_id = r.user_id and ${DIGESTIBLE}`;

// What each digest took, newest first, the first DIGEST_LIST_LIMIT of them with the total.
const LOAD_TAKEN = `
  select digest_run_id, title, message, link, total from (
    select n.digest_run_id, n.title, n.message, n.link,
           row_number() over (partition by n.digest_run_id order by n.created_at desc, n.id desc) as position,
           count(*) over (partition by n.digest_run_id)::int as total
    from tresta_notifications n
    where n.digest_run_id in (select value::uuid from jsonb_array_elements_text(?::jsonb))
  ) listed
  where position <= ${DIGEST_LIST_LIMIT}
  order by digest_run_id, position`;

// Digests rendered by an earlier attempt: their bytes are kept, never rendered again.
const RENDERED = `
  select digest_run_id from tresta_email_deliveries
  where digest_run_id in (select value::uuid from jsonb_array_elements_text(?::jsonb)) and content is not null`;

// The delivery log row of each digest, with its bytes: the sender reads them, the quota guard
// rebuilds its count from the row's quota date.
const LOG_DELIVERIES = `
  insert into tresta_email_deliveries (id, digest_run_id, user_id, channel, recipient, priority, status, idempotency_key, quota_date, content)
  select gen_random_uuid(), r.digest_run_id, r.user_id, 'email', r.recipient, 'normal', 'pending', r.idempotency_key, ?::date, r.content
  from jsonb_to_recordset(?::jsonb) as r(digest_run_id uuid, user_id text, recipient text, idempotency_key text, content json)
  on conflict (idempotency_key) do nothing`;

/**
 * Takes each digest's notifications and renders its email into its delivery log row, in one
 * transaction, so a digest either has its notifications and its bytes or neither. A digest an
 * earlier attempt rendered keeps its bytes (a resumed run sends the same email under the same
 * Idempotency-Key). Answers the ids of the digests ready to send; one that took nothing (its
 * notifications deleted, or taken since) is not among them.
 */
export async function takeAndRender(
  composer: DigestComposer,
  digests: Array<{ row: DigestRow; recipient: Recipient }>,
  quotaDate: string,
): Promise<Set<string>> {
  if (digests.length === 0) return new Set();
  const { channel } = composer;
  return composer.orm.em.fork().transactional(async (em: EntityManager) => {
    const rendered = new Set(
      (await em.execute<Array<{ digest_run_id: string }>>(RENDERED, [JSON.stringify(digests.map(({ row }) => row.id))])).map(
        (row) => row.digest_run_id,
      ),
    );
    const fresh = digests.filter(({ row }) => !rendered.has(row.id));
    if (fresh.length === 0) return rendered;
    await em.execute(
      TAKE,
      [JSON.stringify(fresh.map(({ row }) => ({ id: row.id, user_id: row.userId }))), JSON.stringify(composer.digestTypes)],
      'run',
    );
    const rows = await em.execute<Array<DigestEmailItem & { digest_run_id: string; total: number }>>(LOAD_TAKEN, [
      JSON.stringify(fresh.map(({ row }) => row.id)),
    ]);
    const listed = new Map<string, { items: DigestEmailItem[]; total: number }>();
    for (const { digest_run_id, title, message, link, total } of rows) {
      const entry = listed.get(digest_run_id) ?? { items: [], total };
      entry.items.push({ title, message, link });
      listed.set(digest_run_id, entry);
    }
    const ready = fresh.filter(({ row }) => listed.has(row.id));
    // Signing is asynchronous (WebCrypto): the chunk's links are signed side by side. A link's life
    // counts from this first rendering: the bytes are kept, and every attempt sends them.
    const renderedAt = new Date();
    const unsubscribeLinks = await Promise.all(
      ready.map(({ row }) => channel.unsubscribe.forUser(row.userId, { issuedAt: renderedAt })),
    );
    const deliveries = ready.map(({ row, recipient }, i) => {
      const { items, total } = listed.get(row.id)!;
      const email = renderDigestEmail({
        brand: channel.brand,
        appUrl: channel.appUrl,
        from: channel.from,
        to: mailbox(recipient),
        digestRunId: row.id,
        period: row.period,
        items,
        total,
        unsubscribe: unsubscribeLinks[i]!,
      });
      return {
        digest_run_id: row.id,
        user_id: row.userId,
        recipient: recipient.email,
        idempotency_key: digestKey(row.userId, row.periodKey),
        content: email,
      };
    });
    await em.execute(LOG_DELIVERIES, [quotaDate, JSON.stringify(deliveries)], 'run');
    return new Set([...rendered, ...ready.map(({ row }) => row.id)]);
  });
}
